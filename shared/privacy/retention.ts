/**
 * Retention of prospects' personal data. The CNIL's reference framework for commercial activity management
 * ("référentiel relatif à la gestion des activités commerciales") recommends keeping a prospect's data for
 * three years after its collection or the last contact that came from the prospect. The default is therefore
 * 36 months after the lead's date, pushed back by each later contact from the prospect recorded as a
 * lifecycle event.
 *
 * The lead store keeps the personal data in an item whose `expiresAt` is that instant; DynamoDB's time to
 * live deletes the item, and reads ignore an expired item that TTL has not deleted yet.
 */
import type { LeadEventInput, LeadEventType } from '#shared/lifecycle/events';
import type { AppendOutcome, LeadEventStore } from '#shared/lifecycle/store';

/** Default of `RETENTION_MONTHS`: three years. */
export const DEFAULT_RETENTION_MONTHS = 36;

/**
 * Lifecycle events that show an action of the prospect: agreeing to an appointment, coming to it, a test drive,
 * a purchase. A `contacted` event counts only when inbound (`isContactFromProspect`), because a call or email
 * from the dealer that the prospect never answers is no contact from the prospect. `assigned`, `offer` and
 * `lost` are the dealer's acts and extend nothing.
 */
export const PROSPECT_EVENT_TYPES: ReadonlySet<LeadEventType> = new Set([
  'appointment-set',
  'appointment-show',
  'test-drive',
  'sale',
]);

/** Whether a lifecycle event is a contact that came from the prospect. */
export function isContactFromProspect(event: LeadEventInput): boolean {
  if (event.type === 'contacted') {
    return event.direction === 'inbound';
  }
  return PROSPECT_EVENT_TYPES.has(event.type);
}

/**
 * Returns the epoch second at which personal data last touched at `lastContactAt` (ISO 8601) expires:
 * the same UTC day and time `months` calendar months later, clamped to the month's last day (31 March + 1
 * month is 30 April).
 */
export function retentionExpiry(lastContactAt: string, months: number): number {
  const start = new Date(lastContactAt);
  const target = new Date(start.getTime());
  target.setUTCDate(1);
  target.setUTCMonth(target.getUTCMonth() + months);
  const lastDay = new Date(Date.UTC(target.getUTCFullYear(), target.getUTCMonth() + 1, 0)).getUTCDate();
  target.setUTCDate(Math.min(start.getUTCDate(), lastDay));
  return Math.floor(target.getTime() / 1000);
}

/** Port to the expiry of a lead's personal data. */
export interface PersonalDataRetention {
  /**
   * Moves the expiry of the lead's personal data to `expiresAt` (epoch seconds) when that is later than the
   * stored one. Does nothing when the lead has no personal data left (erased or expired).
   */
  extendExpiry(tenantId: string, leadId: string, expiresAt: number): Promise<void>;
}

/**
 * Wraps a lifecycle event store so that each newly stored contact from the prospect (`isContactFromProspect`)
 * extends the retention of the lead's personal data to `retentionMonths` after the event's `occurredAt`.
 * Duplicates extend nothing, since their first delivery already did.
 */
export function extendingRetention(
  events: LeadEventStore,
  retention: PersonalDataRetention,
  retentionMonths: number,
): LeadEventStore {
  return {
    getLead: (tenantId, leadId) => events.getLead(tenantId, leadId),
    list: (tenantId, leadId) => events.list(tenantId, leadId),
    saveDerivedState: (tenantId, leadId, state) => events.saveDerivedState(tenantId, leadId, state),
    append: async (event): Promise<AppendOutcome> => {
      const outcome = await events.append(event);
      if (outcome === 'accepted' && isContactFromProspect(event)) {
        await retention.extendExpiry(event.tenantId, event.leadId, retentionExpiry(event.occurredAt, retentionMonths));
      }
      return outcome;
    },
  };
}
