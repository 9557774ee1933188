/** Writes lake Parquet files for KPI tests, straight from LAKE_COLUMNS, without the lake writer. */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parquetWriteBuffer } from 'hyparquet-writer';
import { LAKE_COLUMNS, type LakeColumnName, type LakeRow, partitionPrefix } from '#shared/lake/schema';

let sequence = 0;
const leadNumbers = new Map<string, number>();

/** The lead number of a lead id: the same for every row of one lead, as the lead store assigns it once. */
function leadNumberOf(leadId: string): number {
  const known = leadNumbers.get(leadId);
  if (known !== undefined) {
    return known;
  }
  const next = leadNumbers.size + 1;
  leadNumbers.set(leadId, next);
  return next;
}

/**
 * Builds a lake row of a live, non-test lead; `overrides` set the fields a test cares about. Each row gets a
 * higher `lead_version` than every row built before it, so of two rows of one lead the later one is the latest.
 */
export function lakeRowFactory(overrides: Partial<LakeRow> & Pick<LakeRow, 'lead_id'>): LakeRow {
  sequence += 1;
  return {
    event_id: `event-${sequence}`,
    event_seq: String(sequence).padStart(40, '0'),
    event_name: 'INSERT',
    event_time_ms: Date.UTC(2026, 9, 20),
    entity: 'lead',
    tenant_id: 'demo',
    site_id: 'amiens-nord',
    integration_id: 'google-ads',
    source: 'google-ads',
    channel: 'lead-form',
    campaign_id: 'cmp-1',
    campaign_name: 'Autumn',
    form_id: null,
    utm_source: null,
    utm_medium: null,
    utm_campaign: null,
    category: 'VN',
    interest: null,
    status: 'new',
    is_test: false,
    is_deleted: false,
    person_id: 'person-1',
    dated_at_ms: Date.UTC(2026, 9, 20),
    received_at_ms: Date.UTC(2026, 9, 20),
    local_date: '2026-10-20',
    lead_number: leadNumberOf(overrides.lead_id),
    lead_version: sequence,
    ...overrides,
  };
}

/**
 * Writes `rows` as one Parquet file of the partition `tenant=<tenantId>/dt=<dt>` under `lakeRoot`.
 * `omitColumns` leaves columns out of the file, as a file written before a column was added would.
 */
export function writeLakePartition(
  lakeRoot: string,
  tenantId: string,
  dt: string,
  rows: LakeRow[],
  options: { file?: string; omitColumns?: LakeColumnName[] } = {},
) {
  const folder = join(lakeRoot, partitionPrefix(tenantId, dt));
  mkdirSync(folder, { recursive: true });
  const columns = LAKE_COLUMNS.filter((column) => !options.omitColumns?.includes(column.name));
  const buffer = parquetWriteBuffer({
    columnData: columns.map((column) => ({
      name: column.name,
      type: column.type,
      // hyparquet-writer takes INT64 values as bigint only.
      data: rows.map((row) => {
        const value = row[column.name];
        return column.type === 'INT64' && typeof value === 'number' ? BigInt(value) : value;
      }),
    })),
  });
  writeFileSync(join(folder, `${options.file ?? 'part-0'}.parquet`), new Uint8Array(buffer));
}
