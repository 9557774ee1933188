/**
 * Columns of the lake table `lead_changes`: one row per change of a lead item in the lead store.
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
] as const;

export type LakeColumnName = (typeof LAKE_COLUMNS)[number]['name'];

/** One lake row. Strings may be null; `INT64` columns are JS numbers (epoch ms fit in 53 bits). */
export interface LakeRow {
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
