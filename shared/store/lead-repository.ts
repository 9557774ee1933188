/** Ports of the lead store: leads, quarantined payloads and Meta leads waiting for a Graph fetch. */
import type { Lead } from '#shared/lead/model';

/** Outcome of an idempotent create. */
export type CreateOutcome = 'created' | 'duplicate';

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
   */
  createIfAbsent(lead: Lead): Promise<CreateOutcome>;
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
}

export interface QuarantineRepository {
  add(entry: QuarantineEntry): Promise<void>;
  list(tenantId: string): Promise<Omit<QuarantineEntry, 'body'>[]>;
  get(tenantId: string, quarantineId: string): Promise<QuarantineEntry | undefined>;
}

/** A Meta lead whose Graph fetch failed; kept so a later run fetches it instead of losing it. */
export interface PendingFetch {
  tenantId: string;
  integrationId: string;
  leadgenId: string;
  formId: string | null;
  createdTime: number | null;
  firstFailedAt: string;
  reasonCode: string;
}

export interface PendingFetchRepository {
  add(pending: PendingFetch): Promise<void>;
  list(tenantId: string): Promise<PendingFetch[]>;
  remove(tenantId: string, integrationId: string, leadgenId: string): Promise<void>;
}
