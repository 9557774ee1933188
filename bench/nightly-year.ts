/**
 * Figure 9: `runNightly` on DuckDB over a simulated year of the 30-site group (250,000 leads): the lake contains
 * each lead's insert and its latest state, and one lead event row per human contact, in compacted daily
 * partitions. The run covers the 365 days, publishing the grain blocks of the aggregate store to DynamoDB Local.
 */
import { join } from 'node:path';
import { DynamoDbAggregateStore } from '#shared/adapters/aggregates-dynamodb';
import { FsObjectStore } from '#shared/adapters/object-store-fs';
import { DuckDbQueryEngine } from '#shared/adapters/query-engine-duckdb';
import { addDays } from '#shared/kpi/dates';
import { runNightly } from '#shared/kpi/nightly';
import { compactObjectKey, hashEventIds } from '#shared/lake/keys';
import { encodeRows } from '#shared/lake/parquet';
import { compareLakeRows } from '#shared/lake/rows';
import type { LakeRow } from '#shared/lake/schema';
import { PARQUET_CONTENT_TYPE } from '#shared/lake/writer';
import type { ObjectStore } from '#shared/ports/object-store';
import type { BenchEnvironment } from './environment';
import { KPI_BENCH_TENANT, type SimulatedGroupLead, simulateGroupLeads } from './kpi-group';
import type { Random } from './random';
import type { Figure } from './results';
import { round, timed } from './stats';

/** First local date of the simulated year. */
export const NIGHTLY_YEAR_FIRST_DAY = '2025-12-01';
/** Last local date of the simulated year. */
export const NIGHTLY_YEAR_LAST_DAY = '2026-11-30';
const TARGET_SECONDS = 60;
const HOUR_MS = 3_600_000;

/** The simulated year's lake on disk, as `writeNightlyYearLake` wrote it. */
export interface NightlyYearLake {
  store: FsObjectStore;
  /** Leads simulated, each with its rows in the lake. */
  leadCount: number;
  /** Lake rows written: each lead's insert and latest state, and one row per human contact. */
  rowCount: number;
}

/**
 * Simulates the group's leads of the year from `NIGHTLY_YEAR_FIRST_DAY` to `NIGHTLY_YEAR_LAST_DAY` and writes
 * their lake rows under `root`, one compacted Parquet file per daily partition.
 */
export async function writeNightlyYearLake(
  root: string,
  leadsPerYear: number,
  random: Random,
): Promise<NightlyYearLake> {
  const leads = simulateGroupLeads(random, leadsPerYear, NIGHTLY_YEAR_FIRST_DAY, NIGHTLY_YEAR_LAST_DAY);
  const rowsByDt = new Map<string, LakeRow[]>();
  let sequence = 0;
  const addRow = (row: Omit<LakeRow, 'event_id' | 'event_seq' | 'event_name'>, eventName: LakeRow['event_name']) => {
    sequence += 1;
    const dt = new Date(row.event_time_ms).toISOString().slice(0, 10);
    const rows = rowsByDt.get(dt) ?? [];
    rows.push({
      ...row,
      event_id: `e${sequence}`,
      event_seq: String(sequence).padStart(40, '0'),
      event_name: eventName,
    });
    rowsByDt.set(dt, rows);
  };
  for (const lead of leads) {
    addLeadRows(lead, addRow);
  }

  const store = new FsObjectStore(root);
  let rowCount = 0;
  for (const [dt, rows] of rowsByDt) {
    rows.sort(compareLakeRows);
    const key = compactObjectKey({ tenant: KPI_BENCH_TENANT, dt }, hashEventIds(rows));
    await (store as ObjectStore).put(key, encodeRows(rows), PARQUET_CONTENT_TYPE);
    rowCount += rows.length;
  }
  return { store, leadCount: leads.length, rowCount };
}

export async function benchNightlyYear(env: BenchEnvironment, leadsPerYear: number, random: Random): Promise<Figure[]> {
  const root = join(env.dir, 'lake-year');
  const { store, leadCount, rowCount } = await writeNightlyYearLake(root, leadsPerYear, random);

  const aggregates = new DynamoDbAggregateStore({ client: env.documentClient, tableName: env.aggregatesTable });
  const clockShiftMs = Date.parse(`${addDays(NIGHTLY_YEAR_LAST_DAY, 1)}T02:00:00.000Z`) - Date.now();
  const deps = {
    engine: new DuckDbQueryEngine({ lakeRoot: root }),
    aggregates,
    lake: store,
    // Real time shifted to the night after the simulated year, so that the run's durations are measured.
    clock: () => new Date(Date.now() + clockShiftMs),
  };
  const { result: run, ms: runMs } = await timed(() =>
    runNightly(deps, { tenantId: KPI_BENCH_TENANT, from: NIGHTLY_YEAR_FIRST_DAY, to: NIGHTLY_YEAR_LAST_DAY }),
  );
  if (run.leads !== leadCount) {
    throw new Error(`runNightly counted ${run.leads} leads; the simulated year has ${leadCount}`);
  }

  return [
    {
      key: 'nightlyYearRunSeconds',
      label: `runNightly over 365 days of ${leadCount.toLocaleString('en-US')} leads, 30 sites (DuckDB)`,
      value: round(runMs / 1000, 3),
      unit: 's',
      target: { max: TARGET_SECONDS },
    },
    {
      key: 'nightlyYearQuerySeconds',
      label: 'of which the KPI query and reading its result into cells',
      value: round(run.durationsMs.query / 1000, 3),
      unit: 's',
    },
    {
      key: 'nightlyYearPublishSeconds',
      label: 'of which building the grain blocks and writing them to DynamoDB Local',
      value: round(run.durationsMs.publish / 1000, 3),
      unit: 's',
    },
    { key: 'nightlyYearLakeRows', label: 'Lake rows (leads and contact events)', value: rowCount, unit: 'rows' },
    { key: 'nightlyYearKpiCells', label: 'KPI cells published (both bases)', value: run.cells, unit: 'cells' },
  ];
}

/** Adds the insert row of a lead, its latest state, and one `lead-event` row per human contact. */
function addLeadRows(
  lead: SimulatedGroupLead,
  addRow: (row: Omit<LakeRow, 'event_id' | 'event_seq' | 'event_name'>, eventName: LakeRow['event_name']) => void,
): void {
  // Leads arrive between 08:00 and 20:00 UTC, and their local dates are the simulated dates.
  const receivedAt = Date.parse(`${lead.date}T08:00:00.000Z`) + (lead.index % 12) * HOUR_MS;
  const at = (dayOffset: number, hours = 2) => receivedAt + dayOffset * 24 * HOUR_MS + hours * HOUR_MS;
  const dateAt = (dayOffset: number) => addDays(lead.date, dayOffset);
  const leadId = `ld_${lead.index}`;
  const base: Omit<LakeRow, 'event_id' | 'event_seq' | 'event_name'> = {
    event_time_ms: receivedAt,
    entity: 'lead',
    tenant_id: KPI_BENCH_TENANT,
    lead_id: leadId,
    site_id: lead.siteId,
    integration_id: lead.source,
    source: lead.source,
    channel: lead.channel,
    campaign_id: lead.campaignId === '' ? null : lead.campaignId,
    campaign_name: null,
    form_id: null,
    utm_source: null,
    utm_medium: null,
    utm_campaign: null,
    category: lead.category,
    interest: null,
    status: 'new',
    is_test: false,
    is_deleted: false,
    person_id: `p_${lead.index}`,
    dated_at_ms: receivedAt,
    received_at_ms: receivedAt,
    local_date: lead.date,
    is_repeat: lead.isRepeat,
    lead_number: lead.index + 1,
    lead_version: 1,
  };
  addRow(base, 'INSERT');

  const handled = lead.handled;
  const sale = lead.sale;
  const appointment = lead.appointmentDayOffset;
  const lastOffset = Math.max(handled?.dayOffset ?? 0, appointment ?? 0, sale?.dayOffset ?? 0);
  addRow(
    {
      ...base,
      event_time_ms: at(lastOffset, 3),
      lead_version: 2,
      status: sale ? 'sold' : 'contacted',
      assigned_salesperson_id: lead.salespersonId === '' ? null : lead.salespersonId,
      first_contact_at_ms: handled ? at(handled.dayOffset) : null,
      first_contact_local_date: handled ? dateAt(handled.dayOffset) : null,
      first_human_contact_at_ms: handled ? at(handled.dayOffset) : null,
      first_human_contact_local_date: handled ? dateAt(handled.dayOffset) : null,
      ttfc_business_min: handled?.businessMinutes ?? null,
      ttfc_raw_min: handled?.rawMinutes ?? null,
      appointment_set_at_ms: appointment === null ? null : at(handled?.dayOffset ?? 0),
      appointment_set_local_date: appointment === null ? null : dateAt(handled?.dayOffset ?? 0),
      appointment_at_ms: appointment === null ? null : at(appointment),
      appointment_local_date: appointment === null ? null : dateAt(appointment),
      show_at_ms: lead.showed && appointment !== null ? at(appointment) : null,
      show_local_date: lead.showed && appointment !== null ? dateAt(appointment) : null,
      test_drive_at_ms: lead.testDrove && appointment !== null ? at(appointment) : null,
      test_drive_local_date: lead.testDrove && appointment !== null ? dateAt(appointment) : null,
      offer_at_ms: lead.offered && appointment !== null ? at(appointment) : null,
      offer_local_date: lead.offered && appointment !== null ? dateAt(appointment) : null,
      sale_at_ms: sale ? at(sale.dayOffset) : null,
      sale_local_date: sale ? dateAt(sale.dayOffset) : null,
      sale_revenue_cents: sale?.revenueCents ?? null,
      sale_gross_margin_cents: sale?.grossMarginCents ?? null,
    },
    'MODIFY',
  );

  const channels = [
    ['phone', lead.contacts.calls],
    ['email', lead.contacts.emails],
    ['sms', lead.contacts.smsMessages],
    ['visit', lead.contacts.visits],
  ] as const;
  let contact = 0;
  for (const [channel, count] of channels) {
    for (let index = 0; index < count; index += 1) {
      contact += 1;
      const occurredAt = at(handled?.dayOffset ?? 0, 2 + contact);
      addRow(
        {
          ...base,
          entity: 'lead-event',
          event_time_ms: occurredAt,
          site_id: null,
          integration_id: null,
          source: null,
          channel: null,
          campaign_id: null,
          category: null,
          status: null,
          person_id: null,
          dated_at_ms: null,
          received_at_ms: null,
          local_date: null,
          is_repeat: null,
          lead_number: null,
          lead_version: null,
          lead_event_id: `${leadId}-c${contact}`,
          event_type: 'contacted',
          occurred_at_ms: occurredAt,
          actor_type: 'salesperson',
          salesperson_id: lead.salespersonId === '' ? null : lead.salespersonId,
          contact_channel: channel,
          contact_direction: 'outbound',
        },
        'INSERT',
      );
    }
  }
}
