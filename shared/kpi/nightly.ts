/** The nightly KPI job: compact the lake, compute KPI cells with SQL, publish the cells as aggregates. */
import { randomUUID } from 'node:crypto';
import * as z from 'zod';
import { ValidationError } from '#shared/errors';
import { compactPartition, listClosedPartitions } from '#shared/lake/compaction';
import { logger } from '#shared/logger';
import type { Clock } from '#shared/ports/clock';
import type { ObjectStore } from '#shared/ports/object-store';
import {
  type AggregateStore,
  CELL_MEASURES,
  type CellMeasure,
  type DailyCell,
  emptyMeasures,
  KPI_BASES,
  type MinuteHistogram,
} from './aggregates';
import { addDays, dateInTimeZone, daysInRange, isCalendarDate } from './dates';
import { QueryFailedError } from './errors';
import type { QueryEngine, QueryRow } from './query-engine';
import {
  DAILY_ACTIVITY_SQL,
  DAILY_COHORT_SQL,
  DAILY_CONTACTS_SQL,
  PROSPECT_LOOKBACK_DAYS,
  TTFC_DISTRIBUTION_SQL,
} from './sql';

export interface NightlyDeps {
  engine: QueryEngine;
  aggregates: AggregateStore;
  lake: ObjectStore;
  clock: Clock;
}

/** Tenant and range of local dates (`yyyy-mm-dd`, both included) to recompute. */
export interface NightlyInput {
  tenantId: string;
  from: string;
  to: string;
}

export interface NightlyResult {
  tenantId: string;
  from: string;
  to: string;
  runId: string;
  /** Cells written, across all days of the range and both bases. */
  cells: number;
  /** Leads counted, across all cohort cells. */
  leads: number;
  /** Closed partitions whose files were merged; partitions that were already compact are not counted. */
  compactedPartitions: number;
  /** Partitions whose compaction failed; the query reads their uncompacted files instead. */
  failedCompactions: number;
  durationsMs: { compaction: number; query: number; publish: number; total: number };
}

/** Maximum range of one run, in days. */
export const MAX_NIGHTLY_RANGE_DAYS = 400;
/** Days recomputed by a scheduled run: late changes (deletions, re-routed sites) within them are picked up. */
export const DEFAULT_NIGHTLY_WINDOW_DAYS = 120;
/** Time zone whose calendar decides what "yesterday" is for the scheduled run. */
export const NIGHTLY_TIME_ZONE = 'Europe/Paris';

const count = z.number().int().nonnegative();
const cellKeySchema = z.object({
  basis: z.enum(KPI_BASES),
  local_date: z.string(),
  site_id: z.string(),
  source: z.string(),
  channel: z.string(),
  campaign_id: z.string(),
  category: z.string(),
  salesperson_id: z.string(),
});

/** SQL output column of each measure. */
const MEASURE_COLUMNS: Record<CellMeasure, string> = {
  leads: 'leads',
  prospects: 'prospects',
  contacted: 'contacted',
  handled: 'handled',
  handledInTime: 'handled_in_time',
  ttfcBusinessCount: 'ttfc_business_count',
  ttfcBusinessSum: 'ttfc_business_sum',
  ttfcRawCount: 'ttfc_raw_count',
  ttfcRawSum: 'ttfc_raw_sum',
  appointments: 'appointments',
  appointmentsDue: 'appointments_due',
  shows: 'shows',
  testDrives: 'test_drives',
  offers: 'offers',
  sales: 'sales',
  salesWithin30Days: 'sales_within_30_days',
  salesWithin90Days: 'sales_within_90_days',
  revenueCents: 'revenue_cents',
  grossMarginCents: 'gross_margin_cents',
  calls: 'calls',
  emails: 'emails',
  smsMessages: 'sms_messages',
  visits: 'visits',
};

/** Measures of `DAILY_CONTACTS_SQL`, added to the activity cells. */
const CONTACT_MEASURES = ['calls', 'emails', 'smsMessages', 'visits'] as const satisfies readonly CellMeasure[];

/** Gross margins may be negative; every other measure is a count or a sum of non-negative values. */
const cellRowSchema = cellKeySchema.extend(
  Object.fromEntries(
    CELL_MEASURES.map((measure) => [
      MEASURE_COLUMNS[measure],
      measure === 'grossMarginCents' ? z.number().int() : count,
    ]),
  ) as Record<string, z.ZodNumber>,
);

const contactRowSchema = cellKeySchema.omit({ local_date: true }).extend({
  basis: z.literal('activity'),
  utc_day: z.number().int(),
  calls: count,
  emails: count,
  sms_messages: count,
  visits: count,
});

const distributionRowSchema = cellKeySchema.extend({
  measure: z.enum(['business', 'raw']),
  minutes: count,
  leads: count,
});

/** Range of the scheduled run: the 120 days that end yesterday in Europe/Paris. */
export function defaultNightlyRange(clock: Clock): { from: string; to: string } {
  const to = addDays(dateInTimeZone(clock(), NIGHTLY_TIME_ZONE), -1);
  return { from: addDays(to, -(DEFAULT_NIGHTLY_WINDOW_DAYS - 1)), to };
}

/**
 * Recomputes a tenant's daily KPI cells for a range of local dates and replaces them in the aggregate store.
 *
 * The aggregates are replaced only after the query has fully succeeded. A failed or cancelled query throws
 * and leaves the previous aggregates in place, so a failure never publishes zeros. Compaction failures are
 * logged and skipped, because the query returns the same counts from uncompacted files (a lead's duplicate
 * rows collapse into its latest one).
 *
 * @throws ValidationError when a date is invalid, `from` is after `to`, or the range exceeds 400 days.
 * @throws QueryFailedError or QueryCancelledError when the query does not succeed.
 */
export async function runNightly(deps: NightlyDeps, input: NightlyInput): Promise<NightlyResult> {
  validateRange(input.from, input.to);
  const { tenantId, from, to } = input;
  const runId = randomUUID();
  const startedAt = deps.clock().getTime();
  logger.info('Nightly KPI run started', { runId, tenantId, from, to });

  const compaction = await compactClosedPartitions(deps, tenantId);
  const compactedAt = deps.clock().getTime();

  // Changes of a lead are never stored before its local date minus one day, and new prospects look back
  // 30 days, so partitions older than that can be skipped.
  const lowestPartition = addDays(from, -(PROSPECT_LOOKBACK_DAYS + 1));
  // Appointments up to yesterday (Europe/Paris) are due: today's may not have taken place yet.
  const dueBy = addDays(dateInTimeZone(deps.clock(), NIGHTLY_TIME_ZONE), -1);
  const scans = [tenantId, lowestPartition, tenantId, lowestPartition];
  const cohortRows = await deps.engine.query(DAILY_COHORT_SQL, [...scans, dueBy, from, to]);
  const activityRows = await deps.engine.query(DAILY_ACTIVITY_SQL, [tenantId, lowestPartition, from, to]);
  const contactRows = await deps.engine.query(DAILY_CONTACTS_SQL, [
    ...scans,
    String(dayNumber(from)),
    String(dayNumber(to)),
  ]);
  const distributionRows = await deps.engine.query(TTFC_DISTRIBUTION_SQL, [tenantId, lowestPartition, from, to]);
  const cells = cellsFromRows([...cohortRows, ...activityRows], contactRows, distributionRows);
  const queriedAt = deps.clock();

  await deps.aggregates.replaceDays(tenantId, from, to, cells, { runId, finishedAt: queriedAt.toISOString() });
  const publishedAt = deps.clock().getTime();

  const result: NightlyResult = {
    tenantId,
    from,
    to,
    runId,
    cells: cells.length,
    leads: cells.reduce((total, cell) => total + (cell.basis === 'cohort' ? cell.leads : 0), 0),
    compactedPartitions: compaction.compacted,
    failedCompactions: compaction.failed,
    durationsMs: {
      compaction: compactedAt - startedAt,
      query: queriedAt.getTime() - compactedAt,
      publish: publishedAt - queriedAt.getTime(),
      total: publishedAt - startedAt,
    },
  };
  logger.info('Nightly KPI run finished', { ...result });
  return result;
}

function validateRange(from: string, to: string): void {
  for (const [name, value] of Object.entries({ from, to })) {
    if (!isCalendarDate(value)) {
      throw new ValidationError(`Invalid ${name} date "${value}": expected a calendar date as yyyy-mm-dd`);
    }
  }
  if (from > to) {
    throw new ValidationError(`Invalid range: from ${from} is after to ${to}`);
  }
  const days = daysInRange(from, to);
  if (days > MAX_NIGHTLY_RANGE_DAYS) {
    throw new ValidationError(`Invalid range ${from}..${to}: ${days} days, at most ${MAX_NIGHTLY_RANGE_DAYS} allowed`);
  }
}

async function compactClosedPartitions(
  deps: NightlyDeps,
  tenantId: string,
): Promise<{ compacted: number; failed: number }> {
  // Partitions are named by the UTC date of their changes, so "today" is the UTC date too.
  const today = deps.clock().toISOString().slice(0, 10);
  let partitions: string[];
  try {
    partitions = await listClosedPartitions(deps.lake, tenantId, today);
  } catch (error) {
    logger.warn('Listing lake partitions to compact failed', { tenantId, error });
    return { compacted: 0, failed: 0 };
  }
  let compacted = 0;
  let failed = 0;

  for (const dt of partitions) {
    try {
      const result = await compactPartition(deps.lake, tenantId, dt);
      if (result.inputs > 0) {
        compacted += 1;
      }
    } catch (error) {
      failed += 1;
      logger.warn('Lake partition compaction failed', { tenantId, dt, error });
    }
  }
  return { compacted, failed };
}

/** Days since 1970-01-01 of a calendar date, as `DAILY_CONTACTS_SQL` numbers them. */
function dayNumber(date: string): number {
  return Math.round(Date.parse(`${date}T00:00:00Z`) / 86_400_000);
}

function cellsFromRows(cellRows: QueryRow[], contactRows: QueryRow[], distributionRows: QueryRow[]): DailyCell[] {
  const cells = new Map<string, DailyCell>();
  for (const row of cellRows) {
    const parsed = cellRowSchema.safeParse(row);
    if (!parsed.success) {
      throw new QueryFailedError(`KPI cell query returned an unexpected row: ${z.prettifyError(parsed.error)}`);
    }
    const values = parsed.data as z.infer<typeof cellKeySchema> & Record<string, number>;
    const cell = {
      basis: values.basis,
      date: values.local_date,
      siteId: values.site_id,
      source: values.source,
      channel: values.channel,
      campaignId: values.campaign_id,
      category: values.category,
      salespersonId: values.salesperson_id,
      ttfcBusinessHistogram: [] as MinuteHistogram,
      ttfcRawHistogram: [] as MinuteHistogram,
    } as DailyCell;
    for (const measure of CELL_MEASURES) {
      cell[measure] = values[MEASURE_COLUMNS[measure]] as number;
    }
    cells.set(cellKey(values), cell);
  }

  for (const row of contactRows) {
    const parsed = contactRowSchema.safeParse(row);
    if (!parsed.success) {
      throw new QueryFailedError(`KPI contact query returned an unexpected row: ${z.prettifyError(parsed.error)}`);
    }
    const key = { ...parsed.data, local_date: new Date(parsed.data.utc_day * 86_400_000).toISOString().slice(0, 10) };
    let cell = cells.get(cellKey(key));
    if (cell === undefined) {
      cell = {
        ...emptyMeasures(),
        basis: 'activity',
        date: key.local_date,
        siteId: key.site_id,
        source: key.source,
        channel: key.channel,
        campaignId: key.campaign_id,
        category: key.category,
        salespersonId: key.salesperson_id,
        ttfcBusinessHistogram: [],
        ttfcRawHistogram: [],
      };
      cells.set(cellKey(key), cell);
    }
    for (const measure of CONTACT_MEASURES) {
      cell[measure] += parsed.data[MEASURE_COLUMNS[measure] as 'calls' | 'emails' | 'sms_messages' | 'visits'];
    }
  }

  // Rows arrive ordered by minutes, so each histogram is built in ascending order.
  for (const row of distributionRows) {
    const parsed = distributionRowSchema.safeParse(row);
    if (!parsed.success) {
      throw new QueryFailedError(`KPI distribution query returned an unexpected row: ${z.prettifyError(parsed.error)}`);
    }
    const cell = cells.get(cellKey(parsed.data));
    if (!cell) {
      throw new QueryFailedError(
        `KPI distribution query returned a ${parsed.data.basis} cell of ${parsed.data.local_date} that the cell query did not`,
      );
    }
    const histogram = parsed.data.measure === 'business' ? cell.ttfcBusinessHistogram : cell.ttfcRawHistogram;
    histogram.push([parsed.data.minutes, parsed.data.leads]);
  }
  return [...cells.values()];
}

function cellKey(row: z.infer<typeof cellKeySchema>): string {
  return JSON.stringify([
    row.basis,
    row.local_date,
    row.site_id,
    row.source,
    row.channel,
    row.campaign_id,
    row.category,
    row.salesperson_id,
  ]);
}
