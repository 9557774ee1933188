/**
 * Links leads of the same person across sources and integrations, through a person-key index kept in the
 * lead store: one entry per normalised contact key (email or phone), keyed by the key's keyed hash.
 */
import { personIdOf } from '#shared/lead/build-lead';
import type { Contact, NewLead } from '#shared/lead/model';
import { logger } from '#shared/logger';
import {
  type CreateOutcome,
  type LeadRepository,
  PersonKeyConflictError,
  type PersonKeyEntry,
  type PersonKeyWrite,
} from '#shared/store/lead-repository';

/** Default of the tenant setting `personWindowDays`. */
export const DEFAULT_PERSON_WINDOW_DAYS = 30;

/**
 * Phones of one lead that get a person-key entry. Lead and entries are written in one DynamoDB transaction,
 * which takes at most 100 items; real leads carry one to three phones.
 */
export const MAX_PHONE_KEYS = 5;

/**
 * Extra days that an entry is kept after its window closes, so a lead delivered late (a Meta lead fetched
 * days later) can still be linked to a first lead dated within its window.
 */
const ENTRY_RETENTION_DAYS = 30;

/** Read-decide-write rounds before a lead whose person-key entries keep changing is given up on. */
const MAX_LINK_ATTEMPTS = 5;

const DAY_MS = 86_400_000;

/**
 * Returns the keyed hashes of the contact's normalised email and phones (the first `MAX_PHONE_KEYS`), in
 * that order. Each hash is the person id that the key alone would give (`personIdOf`), so an entry's key
 * never contains the raw email or phone.
 */
export function contactKeyHashes(
  personIdKey: string,
  tenantId: string,
  contact: Pick<Contact, 'email' | 'phones'>,
): string[] {
  const hashes: string[] = [];
  if (contact.email !== null) {
    hashes.push(personIdOf(personIdKey, tenantId, contact.email, null) as string);
  }
  for (const phone of contact.phones.slice(0, MAX_PHONE_KEYS)) {
    hashes.push(personIdOf(personIdKey, tenantId, null, phone) as string);
  }
  return hashes;
}

/** Outcome of `linkToPerson`: the lead as it must be stored, and the entries to write with it. */
export interface PersonLink {
  lead: NewLead;
  writes: PersonKeyWrite[];
}

/**
 * Applies the person rule to a lead about to be stored, given the stored entries of its contact keys.
 *
 * The rule, with `window = windowDays × 24 h`:
 * - An entry is a candidate when it names another lead whose `datedAt` is at or before the lead's `datedAt`
 *   and at most `window` before it (exactly `window` is still inside).
 * - With candidates, the lead repeats the earliest one (ties go to the smaller lead id): it takes that
 *   entry's `personId` and gets `repeatOf` = its `firstLeadId`. Otherwise the lead starts a new episode:
 *   it keeps the person id derived from its own contact and gets `repeatOf` = null.
 * - An entry that names the lead itself (a redelivery) is never a candidate, so a lead is never a repeat
 *   of itself.
 * - Each key of the lead then points at the episode's first lead. A missing entry is created, and an entry
 *   whose first lead is more than `window` before the lead is replaced. An entry that is still open for
 *   another person, or whose first lead is dated after this lead, is left as it is.
 *
 * NOTE: a lead delivered after a later lead of the same person (a late Meta fetch, a replay) is dated
 * before that person's first lead and so starts an episode of its own; marking the later lead as its repeat
 * would need an update of an already stored lead.
 */
export function linkToPerson(
  lead: NewLead,
  keyHashes: readonly string[],
  entries: readonly PersonKeyEntry[],
  windowDays: number,
): PersonLink {
  if (lead.personId === null || keyHashes.length === 0) {
    return { lead: { ...lead, repeatOf: null }, writes: [] };
  }
  const windowMs = windowDays * DAY_MS;
  const datedAt = Date.parse(lead.datedAt);
  const ageOf = (entry: PersonKeyEntry) => datedAt - Date.parse(entry.firstDatedAt);

  const candidates = entries
    .filter((entry) => entry.firstLeadId !== lead.leadId && ageOf(entry) >= 0 && ageOf(entry) <= windowMs)
    .sort(byFirstLead);
  const anchor = candidates[0];
  const linked: NewLead = anchor
    ? { ...lead, personId: anchor.personId, repeatOf: anchor.firstLeadId }
    : { ...lead, repeatOf: null };
  const episode = anchor
    ? { firstLeadId: anchor.firstLeadId, firstDatedAt: anchor.firstDatedAt, personId: anchor.personId }
    : { firstLeadId: lead.leadId, firstDatedAt: lead.datedAt, personId: lead.personId };
  const expiresAt = Math.floor((Date.parse(episode.firstDatedAt) + windowMs + ENTRY_RETENTION_DAYS * DAY_MS) / 1000);

  const stored = new Map(entries.map((entry) => [entry.keyHash, entry]));
  const writes: PersonKeyWrite[] = [];
  for (const keyHash of new Set(keyHashes)) {
    const current = stored.get(keyHash);
    if (current !== undefined && (current.firstLeadId === episode.firstLeadId || ageOf(current) <= windowMs)) {
      continue;
    }
    writes.push({
      entry: { ...episode, keyHash },
      expectedFirstLeadId: current?.firstLeadId ?? null,
      expiresAt,
    });
  }
  return { lead: linked, writes };
}

/** Orders entries by the date of their first lead, then by its id, so ties resolve the same on every run. */
function byFirstLead(left: PersonKeyEntry, right: PersonKeyEntry): number {
  const byDate = Date.parse(left.firstDatedAt) - Date.parse(right.firstDatedAt);
  if (byDate !== 0) {
    return byDate;
  }
  if (left.firstLeadId === right.firstLeadId) {
    return 0;
  }
  return left.firstLeadId < right.firstLeadId ? -1 : 1;
}

/** Result of `storeWithPerson`: the lead as stored (or as it would have been, for a duplicate). */
export interface StoredLead {
  lead: NewLead;
  outcome: CreateOutcome;
}

/**
 * Links the lead to its person (`linkToPerson`) and stores it with its person-key entries, once.
 *
 * The lead's conditional put is the idempotency guard: a redelivery resolves to `duplicate` and writes no
 * entry. When another lead of the same person changes an entry between the read and the write, the store
 * throws `PersonKeyConflictError` without storing anything, and the entries are read again.
 * Throws `PersonKeyConflictError` after `MAX_LINK_ATTEMPTS` such rounds, and any error of the store.
 */
export async function storeWithPerson(
  leads: LeadRepository,
  lead: NewLead,
  keyHashes: readonly string[],
  windowDays: number,
): Promise<StoredLead> {
  for (let attempt = 1; ; attempt += 1) {
    const entries = keyHashes.length > 0 ? await leads.getPersonKeys(lead.tenantId, keyHashes) : [];
    const link = linkToPerson(lead, keyHashes, entries, windowDays);
    try {
      const outcome = await leads.createIfAbsent(link.lead, link.writes);
      return { lead: link.lead, outcome };
    } catch (error) {
      if (!(error instanceof PersonKeyConflictError) || attempt >= MAX_LINK_ATTEMPTS) {
        throw error;
      }
      logger.info('Person key changed concurrently; linking again', { leadId: lead.leadId, attempt });
    }
  }
}
