/**
 * DynamoDB table definitions shared by the CDK app and the local stack, so both create the same keys,
 * indexes and stream settings.
 *
 * The lead table is a single-table design. Every item has `pk`, `sk` and `entity`:
 * - lead:        pk `LEAD#<tenantId>#<leadId>`, sk `LEAD`; gsi1 lists a tenant's leads by local month and date
 *                (gsi1pk `TENANT#<tenantId>#MONTH#<yyyy-mm>`, gsi1sk `<localDate>#<datedAt>#<leadId>`).
 * - lead personal data: pk `LEAD#<tenantId>#<leadId>`, sk `PERSONAL`, entity `lead-personal`; the lead's
 *                contact, comments, consent, custom answers and click ids, with `expiresAt` so that TTL removes
 *                them at the end of the retention period while the lead item stays. Erasure deletes it.
 * - quarantine:  pk `QUARANTINE#<tenantId>`, sk `<receivedAt>#<id>`.
 * - tenant:      pk `TENANT#<tenantId>`, sk `CONFIG`.
 * - counter:     pk `TENANT#<tenantId>`, sk `COUNTER#lead-number`, attribute `value` (the last number drawn).
 * - pending Meta fetch: pk `PENDING#<tenantId>`, sk `<integrationId>#<leadgenId>`.
 * - person key:  pk `PERSONKEY#<tenantId>#<keyHash>`, sk `PERSONKEY`, entity `person-key`; one per normalised
 *                email or phone, where `keyHash` is the keyed hash of that key (never the raw value). Holds
 *                `firstLeadId`, `firstDatedAt` and `personId` of the person's current episode, and
 *                `expiresAt` so that TTL removes it some time after the episode's window closes.
 * - erasure audit: pk `AUDIT#<tenantId>`, sk `ERASURE#<erasedAt>#<erasureId>`, entity `erasure-audit`; who
 *                erased what and how many items, never the erased values.
 * - lead event:  pk `LEAD#<tenantId>#<leadId>`, sk `EVENT#<occurredAt>#<eventId>`, entity `lead-event`; and its
 *                idempotency key, sk `EVENT-KEY#<eventId>`, entity `lead-event-key`, written in the same
 *                transaction so a repeated event id is a no-op whatever its `occurredAt`.
 * - lead export job: pk `TENANT#<tenantId>`, sk `EXPORT#<exportId>`, entity `lead-export`; the status and
 *                progress of an asynchronous lead export, with `expiresAt` so that TTL removes it a day later.
 * Only `lead` and `lead-event` items matter to the lake (`LAKE_ENTITIES`); the stream consumer skips the others.
 *
 * The aggregates table holds the nightly job's output: pk `AGG#<tenantId>`, sk `DAY#<yyyy-mm-dd>#<basis>`
 * (basis `cohort` or `activity`), and marketing spend: pk `SPEND#<tenantId>`, sk `MONTH#<yyyy-mm>`. It also
 * contains the sales managers' targets: pk `TARGET#<tenantId>`, sk `MONTH#<yyyy-mm>`; and the live lead items
 * that the stream consumer keeps for today's counts: pk `LIVE#<tenantId>#<localDate>`, sk `LEAD#<leadId>`,
 * which expire through the time to live on `expiresAt` a few days after their date.
 */

export interface KeyAttribute {
  name: string;
  type: 'S' | 'N';
}

export interface TableDefinition {
  /** Logical role; the physical name comes from CDK or from the local stack's configuration. */
  role: 'leads' | 'aggregates';
  partitionKey: KeyAttribute;
  sortKey: KeyAttribute;
  globalSecondaryIndexes: { indexName: string; partitionKey: KeyAttribute; sortKey: KeyAttribute }[];
  stream: 'NEW_AND_OLD_IMAGES' | null;
  /** Attribute that contains the expiry in epoch seconds, or null when items never expire. */
  timeToLiveAttribute: string | null;
}

export const LEADS_TABLE: TableDefinition = {
  role: 'leads',
  partitionKey: { name: 'pk', type: 'S' },
  sortKey: { name: 'sk', type: 'S' },
  globalSecondaryIndexes: [
    { indexName: 'gsi1', partitionKey: { name: 'gsi1pk', type: 'S' }, sortKey: { name: 'gsi1sk', type: 'S' } },
  ],
  stream: 'NEW_AND_OLD_IMAGES',
  timeToLiveAttribute: 'expiresAt',
};

export const AGGREGATES_TABLE: TableDefinition = {
  role: 'aggregates',
  partitionKey: { name: 'pk', type: 'S' },
  sortKey: { name: 'sk', type: 'S' },
  globalSecondaryIndexes: [],
  stream: null,
  timeToLiveAttribute: 'expiresAt',
};

/** Value of the `entity` attribute of lead items; the stream consumer and its event filter key on it. */
export const LEAD_ENTITY = 'lead';

/** Value of the `entity` attribute of lead life-cycle event items (assigned, contacted, sale...). */
export const LEAD_EVENT_ENTITY = 'lead-event';

/**
 * Entities whose changes land in the lake. The CDK event source mapping and the local stream poller pass a
 * record when its new or old image has one of these. Every other item (tenant, quarantine, person keys,
 * event idempotency keys) stays out of the stream consumer.
 */
export const LAKE_ENTITIES = [LEAD_ENTITY, LEAD_EVENT_ENTITY] as const;

/** Value of the `entity` attribute of person-key items. */
export const PERSON_KEY_ENTITY = 'person-key';

export const personKeyKeys = {
  pk: (tenantId: string, keyHash: string) => `PERSONKEY#${tenantId}#${keyHash}`,
  sk: 'PERSONKEY',
};

/** Value of the `entity` attribute of the per-tenant counter items (the lead number). */
export const COUNTER_ENTITY = 'counter';

/** The per-tenant lead-number counter: one item per tenant, incremented atomically for each new lead. */
export const leadNumberCounterKeys = {
  pk: (tenantId: string) => `TENANT#${tenantId}`,
  sk: 'COUNTER#lead-number',
};

export const leadKeys = {
  pk: (tenantId: string, leadId: string) => `LEAD#${tenantId}#${leadId}`,
  sk: 'LEAD',
  /** Sort key of the lead's personal-data item, under the lead's partition. */
  personalSk: 'PERSONAL',
  gsi1pk: (tenantId: string, month: string) => `TENANT#${tenantId}#MONTH#${month}`,
  gsi1sk: (localDate: string, datedAt: string, leadId: string) => `${localDate}#${datedAt}#${leadId}`,
};

/** Value of the `entity` attribute of a lead's personal-data item; it never reaches the lake. */
export const LEAD_PERSONAL_ENTITY = 'lead-personal';

/** Value of the `entity` attribute of erasure audit items. */
export const ERASURE_AUDIT_ENTITY = 'erasure-audit';

export const erasureAuditKeys = {
  pk: (tenantId: string) => `AUDIT#${tenantId}`,
  sk: (erasedAt: string, erasureId: string) => `ERASURE#${erasedAt}#${erasureId}`,
};

/** Value of the `entity` attribute of lead export job items; they never reach the lake. */
export const LEAD_EXPORT_ENTITY = 'lead-export';

export const leadExportKeys = {
  pk: (tenantId: string) => `TENANT#${tenantId}`,
  sk: (exportId: string) => `EXPORT#${exportId}`,
};
