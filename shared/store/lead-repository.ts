/**
 * Ports of the lead store: leads, the person-key index that links leads of one person, quarantined payloads
 * and Meta leads waiting for a Graph fetch.
 */
import { DomainError } from '#shared/errors';
import type { Lead, NewLead } from '#shared/lead/model';

/** Outcome of an idempotent create. */
export type CreateOutcome = 'created' | 'duplicate';

/**
 * Person-key index entry: for one normalised contact key of a tenant (an email or a phone), the lead that
 * opened the person's current episode. `keyHash` is the keyed hash of the contact key, never the key itself.
 */
export interface PersonKeyEntry {
  keyHash: string;
  firstLeadId: string;
  /** `datedAt` of the first lead. */
  firstDatedAt: string;
  personId: string;
}

/** A person-key entry to write together with a new lead. */
export interface PersonKeyWrite {
  entry: PersonKeyEntry;
  /**
   * `firstLeadId` of the entry read before the decision, or null when there was none. The write applies only
   * while the stored entry is still that one, so two leads deciding on the same stale view cannot both win.
   */
  expectedFirstLeadId: string | null;
  /** Epoch seconds after which DynamoDB's TTL may delete the entry. */
  expiresAt: number;
}

/**
 * Another lead changed a person-key entry between the read and the write; nothing was stored, and the
 * caller reads the entries again and decides anew.
 */
export class PersonKeyConflictError extends DomainError {
  readonly code = 'PERSON_KEY_CONFLICT';
  readonly httpStatus = 503;
}

export interface LeadListQuery {
  tenantId: string;
  /** Local dates, inclusive. */
  from: string;
  to: string;
  /** Sites the caller may see; `*` for all, including unrouted leads. */
  visibleSites: readonly string[] | '*';
  site?: string;
  source?: string;
  limit: number;
  cursor?: string;
}

export interface LeadPage {
  items: Lead[];
  /** Opaque cursor for the next page; absent on the last page. */
  nextCursor?: string;
}

export interface LeadRepository {
  /**
   * Stores the lead unless a lead with the same id exists. Lead ids derive from (tenant, integration,
   * sender's id), so a redelivery, even a concurrent one, resolves to `duplicate` and stores nothing.
   *
   * `personKeys` are written in the same transaction as the lead. When the lead exists the outcome is
   * `duplicate` and no entry is written; when only an entry's condition fails it throws
   * `PersonKeyConflictError` and stores nothing.
   *
   * A created lead gets the tenant's next lead number and version 1. A number drawn for a delivery that turns
   * out to be a duplicate is skipped, never reused.
   */
  createIfAbsent(lead: NewLead, personKeys?: readonly PersonKeyWrite[]): Promise<CreateOutcome>;
  /** Returns the stored person-key entries among `keyHashes`, read consistently, in no particular order. */
  getPersonKeys(tenantId: string, keyHashes: readonly string[]): Promise<PersonKeyEntry[]>;
  get(tenantId: string, leadId: string): Promise<Lead | undefined>;
  list(query: LeadListQuery): Promise<LeadPage>;
}

/** A payload that could not be turned into leads, kept byte-exact so it can be replayed. */
export interface QuarantineEntry {
  quarantineId: string;
  tenantId: string;
  integrationId: string;
  receivedAt: string;
  contentType: string;
  /** Whether the payload passed the integration's authentication before it failed. */
  authenticated: boolean;
  reasonCode: string;
  reasonMessage: string;
  body: Uint8Array;
  /** When the last successful replay ran; absent until the payload is replayed. */
  replayedAt?: string;
  /** Lead ids that the last successful replay produced, duplicates included. */
  replayedLeadIds?: string[];
}

export interface QuarantineRepository {
  add(entry: QuarantineEntry): Promise<void>;
  list(tenantId: string): Promise<Omit<QuarantineEntry, 'body'>[]>;
  get(tenantId: string, quarantineId: string): Promise<QuarantineEntry | undefined>;
  /** Records a successful replay; the entry and its body are kept. */
  markReplayed(
    tenantId: string,
    quarantineId: string,
    replay: { replayedAt: string; leadIds: string[] },
  ): Promise<void>;
}

/** A Meta lead whose Graph fetch failed; kept so a later run fetches it instead of losing it. */
export interface PendingFetch {
  tenantId: string;
  integrationId: string;
  leadgenId: string;
  formId: string | null;
  createdTime: number | null;
  firstFailedAt: string;
  /** Code of the last failure. */
  reasonCode: string;
  /** Failed fetches so far, the webhook's own attempt included. */
  attempts: number;
  /** When the last fetch failed. */
  lastFailedAt: string;
}

export interface PendingFetchRepository {
  /** Stores the pending fetch, replacing the one with the same integration and leadgen id. */
  add(pending: PendingFetch): Promise<void>;
  list(tenantId: string): Promise<PendingFetch[]>;
  remove(tenantId: string, integrationId: string, leadgenId: string): Promise<void>;
}
