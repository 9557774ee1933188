/**
 * Business line (VN, VO, APV) of a lead and the vehicle condition, from the words senders use.
 */
import type { Category, Vehicle } from './model';

const NEW_WORDS = new Set(['new', 'neuf', 'neuve', 'nouveau', 'nouvelle', 'vn']);
const USED_WORDS = new Set(['used', 'occasion', 'vo', 'pre-owned', 'preowned', 'second-hand']);

/** Words of an interest that mean after-sales; an interest matches when any of its words is in the set. */
const AFTER_SALES_WORDS = new Set([
  'apv',
  'service',
  'servicing',
  'repair',
  'repairs',
  'parts',
  'atelier',
  'entretien',
  'revision',
  'maintenance',
  'pneu',
  'pneus',
  'tyres',
  'tires',
  'carrosserie',
  'bodywork',
]);

/** Lower-cases and strips accents, so `Révision` and `revision` compare equal. */
export function foldText(value: string): string {
  return value.trim().toLowerCase().normalize('NFD').replace(/\p{M}/gu, '');
}

/** Maps a condition word (`new`, `Neuf`, `used`, `Occasion`, `VO`...) to the vehicle condition, or null. */
export function vehicleCondition(raw: string | null): Vehicle['condition'] {
  if (raw === null) {
    return null;
  }
  const word = foldText(raw).replace(/^d'/, '');
  if (NEW_WORDS.has(word)) {
    return 'new';
  }
  return USED_WORDS.has(word) ? 'used' : null;
}

/**
 * Decides the business line of a lead. The first rule that applies wins:
 *
 * 1. an explicit hint from the form (`VN`, `VO` or `APV`, any case);
 * 2. an after-sales interest: one of its words is `service`, `repair`, `parts`, `atelier`, `entretien`,
 *    `révision`, `pneus`, `APV` or a similar word from the set above, giving APV;
 * 3. the vehicle condition: `new` gives VN and `used` gives VO;
 * 4. otherwise `other`.
 *
 * After-sales interest comes before the condition because a service request names the condition of
 * the car to be serviced, not a car to be sold.
 */
export function categorise(hint: string | null, interest: string | null, condition: Vehicle['condition']): Category {
  const explicit = hint === null ? '' : hint.trim().toUpperCase();
  if (explicit === 'VN' || explicit === 'VO' || explicit === 'APV') {
    return explicit;
  }
  if (
    interest !== null &&
    foldText(interest)
      .split(/[^a-z0-9]+/)
      .some((word) => AFTER_SALES_WORDS.has(word))
  ) {
    return 'APV';
  }
  if (condition === 'new') {
    return 'VN';
  }
  return condition === 'used' ? 'VO' : 'other';
}
