/**
 * Columns of the lake table `lead_changes`: one row per change of a lead item or of a lead lifecycle event
 * item in the lead store (column `entity`: `lead` or `lead-event`).
 * No name, email, phone, address or free text is a column; the person appears only as `person_id`.
 *
 * Objects live under `lead_changes/tenant=<tenantId>/dt=<yyyy-mm-dd>/`, where `dt` is the UTC date of the
 * change (the stream record's creation time). The lead's own calendar date in its site's time zone is the
 * `local_date` column, which is what daily KPIs group by.
 *
 * Times are epoch milliseconds (BIGINT) so that the same SQL reads them on DuckDB and on Athena.
 */

export const LAKE_TABLE = 'lead_changes';

/** Column name and Parquet type, in file order. The Glue table and the Parquet writer both derive from this list. */
export const LAKE_COLUMNS = [
  { name: 'event_id', type: 'STRING', glueType: 'string' },
  /** Stream sequence number left-padded with zeros to 40 digits, so string order is stream order. */
  { name: 'event_seq', type: 'STRING', glueType: 'string' },
  { name: 'event_name', type: 'STRING', glueType: 'string' },
  { name: 'event_time_ms', type: 'INT64', glueType: 'bigint' },
  { name: 'entity', type: 'STRING', glueType: 'string' },
  { name: 'tenant_id', type: 'STRING', glueType: 'string' },
  { name: 'lead_id', type: 'STRING', glueType: 'string' },
  { name: 'site_id', type: 'STRING', glueType: 'string' },
  { name: 'integration_id', type: 'STRING', glueType: 'string' },
  { name: 'source', type: 'STRING', glueType: 'string' },
  { name: 'channel', type: 'STRING', glueType: 'string' },
  { name: 'campaign_id', type: 'STRING', glueType: 'string' },
  { name: 'campaign_name', type: 'STRING', glueType: 'string' },
  { name: 'form_id', type: 'STRING', glueType: 'string' },
  { name: 'utm_source', type: 'STRING', glueType: 'string' },
  { name: 'utm_medium', type: 'STRING', glueType: 'string' },
  { name: 'utm_campaign', type: 'STRING', glueType: 'string' },
  { name: 'category', type: 'STRING', glueType: 'string' },
  { name: 'interest', type: 'STRING', glueType: 'string' },
  { name: 'status', type: 'STRING', glueType: 'string' },
  { name: 'is_test', type: 'BOOLEAN', glueType: 'boolean' },
  { name: 'is_deleted', type: 'BOOLEAN', glueType: 'boolean' },
  { name: 'person_id', type: 'STRING', glueType: 'string' },
  { name: 'dated_at_ms', type: 'INT64', glueType: 'bigint' },
  { name: 'received_at_ms', type: 'INT64', glueType: 'bigint' },
  { name: 'local_date', type: 'STRING', glueType: 'string' },
  // Columns appended for lifecycle events. On `lead` rows they hold the state derived from the lead's events.
  // Each `*_local_date` is the date of the matching instant in the site's time zone. Amounts are in euro cents.
  { name: 'assigned_salesperson_id', type: 'STRING', glueType: 'string' },
  { name: 'first_contact_at_ms', type: 'INT64', glueType: 'bigint' },
  { name: 'first_contact_local_date', type: 'STRING', glueType: 'string' },
  { name: 'first_human_contact_at_ms', type: 'INT64', glueType: 'bigint' },
  { name: 'first_human_contact_local_date', type: 'STRING', glueType: 'string' },
  { name: 'ttfc_business_min', type: 'INT64', glueType: 'bigint' },
  { name: 'ttfc_raw_min', type: 'INT64', glueType: 'bigint' },
  { name: 'appointment_set_at_ms', type: 'INT64', glueType: 'bigint' },
  { name: 'appointment_set_local_date', type: 'STRING', glueType: 'string' },
  { name: 'appointment_at_ms', type: 'INT64', glueType: 'bigint' },
  { name: 'appointment_local_date', type: 'STRING', glueType: 'string' },
  { name: 'show_at_ms', type: 'INT64', glueType: 'bigint' },
  { name: 'show_local_date', type: 'STRING', glueType: 'string' },
  { name: 'test_drive_at_ms', type: 'INT64', glueType: 'bigint' },
  { name: 'test_drive_local_date', type: 'STRING', glueType: 'string' },
  { name: 'offer_at_ms', type: 'INT64', glueType: 'bigint' },
  { name: 'offer_local_date', type: 'STRING', glueType: 'string' },
  { name: 'sale_at_ms', type: 'INT64', glueType: 'bigint' },
  { name: 'sale_local_date', type: 'STRING', glueType: 'string' },
  { name: 'sale_revenue_cents', type: 'INT64', glueType: 'bigint' },
  { name: 'sale_gross_margin_cents', type: 'INT64', glueType: 'bigint' },
  { name: 'lost_at_ms', type: 'INT64', glueType: 'bigint' },
  { name: 'lost_local_date', type: 'STRING', glueType: 'string' },
  { name: 'lost_reason', type: 'STRING', glueType: 'string' },
  // On `lead-event` rows: the event itself. `appointment_at_ms` and `lost_reason` above are shared.
  { name: 'lead_event_id', type: 'STRING', glueType: 'string' },
  { name: 'event_type', type: 'STRING', glueType: 'string' },
  { name: 'occurred_at_ms', type: 'INT64', glueType: 'bigint' },
  { name: 'actor_type', type: 'STRING', glueType: 'string' },
  /** The assigned salesperson of an `assigned` event, else the actor when it is a salesperson. */
  { name: 'salesperson_id', type: 'STRING', glueType: 'string' },
  { name: 'contact_channel', type: 'STRING', glueType: 'string' },
  { name: 'contact_direction', type: 'STRING', glueType: 'string' },
  /** Offer amount or sale revenue, in euro cents. */
  { name: 'amount_cents', type: 'INT64', glueType: 'bigint' },
  { name: 'gross_margin_cents', type: 'INT64', glueType: 'bigint' },
  { name: 'vehicle_condition', type: 'STRING', glueType: 'string' },
  /** Whether ingest linked the lead to an earlier lead of the same person (`repeatOf`); null for older rows. */
  { name: 'is_repeat', type: 'BOOLEAN', glueType: 'boolean' },
  /**
   * The lead's number within its tenant (`leadNumber`), on `lead` rows. KPI queries identify a lead by it rather
   * than by `lead_id`: dense numbers written with delta encoding take one or two bytes a row, where the random
   * 29-character ids take over thirty that no compression shrinks.
   */
  { name: 'lead_number', type: 'INT64', glueType: 'bigint', encoding: 'DELTA_BINARY_PACKED' },
  /** The lead item's `version` on `lead` rows: the row with the highest version is the lead's latest state. */
  { name: 'lead_version', type: 'INT64', glueType: 'bigint' },
] as const;

export type LakeColumnName = (typeof LAKE_COLUMNS)[number]['name'];

/**
 * Columns appended after the first lake files were written. They are optional in `LakeRow`: a row without
 * them encodes them as null, which is also how engines read them from older files.
 */
export interface LifecycleLakeColumns {
  assigned_salesperson_id?: string | null;
  first_contact_at_ms?: number | null;
  first_contact_local_date?: string | null;
  first_human_contact_at_ms?: number | null;
  first_human_contact_local_date?: string | null;
  ttfc_business_min?: number | null;
  ttfc_raw_min?: number | null;
  appointment_set_at_ms?: number | null;
  appointment_set_local_date?: string | null;
  appointment_at_ms?: number | null;
  appointment_local_date?: string | null;
  show_at_ms?: number | null;
  show_local_date?: string | null;
  test_drive_at_ms?: number | null;
  test_drive_local_date?: string | null;
  offer_at_ms?: number | null;
  offer_local_date?: string | null;
  sale_at_ms?: number | null;
  sale_local_date?: string | null;
  sale_revenue_cents?: number | null;
  sale_gross_margin_cents?: number | null;
  lost_at_ms?: number | null;
  lost_local_date?: string | null;
  lost_reason?: string | null;
  lead_event_id?: string | null;
  event_type?: string | null;
  occurred_at_ms?: number | null;
  actor_type?: string | null;
  salesperson_id?: string | null;
  contact_channel?: string | null;
  contact_direction?: string | null;
  amount_cents?: number | null;
  gross_margin_cents?: number | null;
  vehicle_condition?: string | null;
  is_repeat?: boolean | null;
  lead_number?: number | null;
  lead_version?: number | null;
}

/** One lake row. Strings may be null; `INT64` columns are JS numbers (epoch ms fit in 53 bits). */
export interface LakeRow extends LifecycleLakeColumns {
  event_id: string;
  event_seq: string;
  event_name: 'INSERT' | 'MODIFY' | 'REMOVE';
  event_time_ms: number;
  entity: string;
  tenant_id: string;
  lead_id: string;
  site_id: string | null;
  integration_id: string | null;
  source: string | null;
  channel: string | null;
  campaign_id: string | null;
  campaign_name: string | null;
  form_id: string | null;
  utm_source: string | null;
  utm_medium: string | null;
  utm_campaign: string | null;
  category: string | null;
  interest: string | null;
  status: string | null;
  is_test: boolean;
  is_deleted: boolean;
  person_id: string | null;
  dated_at_ms: number | null;
  received_at_ms: number | null;
  local_date: string | null;
}

/** Partition keys, in path order. */
export const LAKE_PARTITION_KEYS = ['tenant', 'dt'] as const;

/** Prefix of one partition, ending with `/`. */
export function partitionPrefix(tenantId: string, dt: string): string {
  return `${LAKE_TABLE}/tenant=${tenantId}/dt=${dt}/`;
}
