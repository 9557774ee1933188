/** The nightly KPI job: compact the lake, compute KPI cells with SQL, publish the cells as aggregates. */
import { randomUUID } from 'node:crypto';
import { ValidationError } from '#shared/errors';
import { compactPartition, listClosedPartitions } from '#shared/lake/compaction';
import { logger } from '#shared/logger';
import type { Clock } from '#shared/ports/clock';
import type { ObjectStore } from '#shared/ports/object-store';
import {
  type AggregateStore,
  CELL_MEASURES,
  type DailyCell,
  KPI_BASES,
  type KpiBasis,
  type MinuteHistogram,
} from './aggregates';
import { KEY_DIMENSIONS } from './cell-table';
import { addDays, dateInTimeZone, daysInRange, isCalendarDate } from './dates';
import { QueryFailedError } from './errors';
import type { QueryColumns, QueryEngine } from './query-engine';
import { MEASURE_COLUMNS, NIGHTLY_KPI_SQL, PROSPECT_LOOKBACK_DAYS } from './sql';

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
  const queried = await deps.engine.queryColumns(NIGHTLY_KPI_SQL, [
    ...[tenantId, lowestPartition, tenantId, lowestPartition],
    dueBy,
    ...[from, to],
    ...[from, to],
    ...[String(dayNumber(from)), String(dayNumber(to))],
    ...[from, to, from, to],
  ]);
  const cells = cellsFromResult(queried, from, to);
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

/** Days since 1970-01-01 of a calendar date, as the `utc_day` column of `NIGHTLY_KPI_SQL` numbers them. */
function dayNumber(date: string): number {
  return Math.round(Date.parse(`${date}T00:00:00Z`) / DAY_MS);
}

const DAY_MS = 86_400_000;

/** Check that a column of a `NIGHTLY_KPI_SQL` row must pass. */
type ColumnCheck = 'basis' | 'string' | 'count' | 'integer' | 'nullable count' | 'nullable string';

const CELL_KEY_CHECKS = {
  site_id: 'string',
  source: 'string',
  channel: 'string',
  campaign_id: 'string',
  category: 'string',
  salesperson_id: 'string',
} as const satisfies Record<string, ColumnCheck>;

const CELL_KEY_COLUMNS = Object.keys(CELL_KEY_CHECKS) as (keyof typeof CELL_KEY_CHECKS)[];

/** Gross margins may be negative; every other measure is a count or a sum of non-negative values. */
const CELL_ROW_CHECKS: Record<string, ColumnCheck> = {
  basis: 'basis',
  local_date: 'string',
  ...CELL_KEY_CHECKS,
  ...Object.fromEntries(
    CELL_MEASURES.map((measure) => [MEASURE_COLUMNS[measure], measure === 'grossMarginCents' ? 'integer' : 'count']),
  ),
};

const CONTACT_ROW_CHECKS: Record<string, ColumnCheck> = {
  utc_day: 'integer',
  ...CELL_KEY_CHECKS,
  calls: 'count',
  emails: 'count',
  sms_messages: 'count',
  visits: 'count',
};

const WAIT_ROW_CHECKS: Record<string, ColumnCheck> = {
  local_date: 'string',
  activity_date: 'nullable string',
  ...CELL_KEY_CHECKS,
  ttfc_business_min: 'nullable count',
  ttfc_raw_min: 'nullable count',
  leads: 'count',
};

/** Measures of the `contacts` rows, added to the activity cells. */
const CONTACT_MEASURES = ['calls', 'emails', 'smsMessages', 'visits'] as const;

type Value = QueryColumns['columns'][string][number];

function passesCheck(value: Value | undefined, check: ColumnCheck): boolean {
  switch (check) {
    case 'basis':
      return KPI_BASES.includes(value as KpiBasis);
    case 'string':
      return typeof value === 'string';
    case 'nullable string':
      return value === null || typeof value === 'string';
    case 'integer':
      return Number.isSafeInteger(value);
    case 'count':
      return Number.isSafeInteger(value) && (value as number) >= 0;
    case 'nullable count':
      return value === null || (Number.isSafeInteger(value) && (value as number) >= 0);
  }
}

/** The checks of one row type, each with its column. */
type RowChecks = { name: string; check: ColumnCheck; values: QueryColumns['columns'][string] }[];

/**
 * Reads the result of `NIGHTLY_KPI_SQL` column by column. Rows are checked with plain loops rather than a zod
 * schema: they number about a million for a year of a 30-site group, where parsing each row took longer than
 * the query.
 */
class NightlyResultReader {
  private readonly idOfValue = new Map<string, number>();

  constructor(private readonly result: QueryColumns) {}

  column(name: string): QueryColumns['columns'][string] {
    const values = this.result.columns[name];
    if (values === undefined) {
      throw new QueryFailedError(`KPI query returned no column ${name}`);
    }
    return values;
  }

  checks(checks: Record<string, ColumnCheck>): RowChecks {
    return Object.entries(checks).map(([name, check]) => ({ name, check, values: this.column(name) }));
  }

  /** Throws `QueryFailedError` unless every checked column of the row passes its check. */
  checkRow(rowType: string, checks: RowChecks, row: number): void {
    for (const { name, check, values } of checks) {
      if (!passesCheck(values[row], check)) {
        throw new QueryFailedError(
          `KPI query returned an invalid ${rowType} row: column ${name} is ${JSON.stringify(values[row])}, expected a ${check}`,
        );
      }
    }
  }

  /**
   * Key of a cell: its basis, date and key values as numbers given to each distinct string, so that no
   * character inside a value can make two keys equal.
   */
  cellKey(basis: KpiBasis, date: string, keys: readonly string[]): string {
    let key = `${basis}:${this.idOf(date)}`;
    for (const value of keys) {
      key += `,${this.idOf(value)}`;
    }
    return key;
  }

  private idOf(value: string): number {
    let id = this.idOfValue.get(value);
    if (id === undefined) {
      id = this.idOfValue.size;
      this.idOfValue.set(value, id);
    }
    return id;
  }
}

/**
 * Creates a cell with every measure at zero. It is one object literal, without spreading `emptyMeasures()`,
 * because a CPU profile of a year of a 30-site group showed the spread taking most of the time spent turning
 * rows into cells.
 */
function emptyCell(basis: KpiBasis, date: string, keys: readonly string[]): DailyCell {
  const [siteId, source, channel, campaignId, category, salespersonId] = keys as [
    string,
    string,
    string,
    string,
    string,
    string,
  ];
  return {
    basis,
    date,
    siteId,
    source,
    channel,
    campaignId,
    category,
    salespersonId,
    leads: 0,
    prospects: 0,
    contacted: 0,
    handled: 0,
    handledInTime: 0,
    ttfcBusinessCount: 0,
    ttfcBusinessSum: 0,
    ttfcRawCount: 0,
    ttfcRawSum: 0,
    appointments: 0,
    appointmentsDue: 0,
    shows: 0,
    testDrives: 0,
    offers: 0,
    sales: 0,
    salesWithin30Days: 0,
    salesWithin90Days: 0,
    revenueCents: 0,
    grossMarginCents: 0,
    calls: 0,
    emails: 0,
    smsMessages: 0,
    visits: 0,
    ttfcBusinessHistogram: [],
    ttfcRawHistogram: [],
  };
}

/**
 * Turns the result of `NIGHTLY_KPI_SQL` into cells: one per `cell` row, plus the `contacts` rows added to the
 * activity cells (creating the cells of days with contacts and no other activity), and the `waits` rows
 * counted into the histograms of the cells of the range `from`..`to`.
 *
 * @throws QueryFailedError when a row has an unknown `row_type` or an invalid column, or when a `waits` row
 * belongs to a cell that no `cell` row returned.
 */
function cellsFromResult(result: QueryColumns, from: string, to: string): DailyCell[] {
  if (result.rowCount === 0) {
    return [];
  }
  const reader = new NightlyResultReader(result);
  const rowTypes = reader.column('row_type');
  const keyColumns = CELL_KEY_COLUMNS.map((name) => reader.column(name));
  const keysOf = (row: number) => keyColumns.map((values) => values[row] as string);
  const cells = new Map<string, DailyCell>();
  const contactRows: number[] = [];
  const waitRows: number[] = [];

  const cellChecks = reader.checks(CELL_ROW_CHECKS);
  const bases = reader.column('basis');
  const localDates = reader.column('local_date');
  const measureColumns = CELL_MEASURES.map((measure) => [measure, reader.column(MEASURE_COLUMNS[measure])] as const);
  for (let row = 0; row < result.rowCount; row += 1) {
    switch (rowTypes[row]) {
      case 'cell': {
        reader.checkRow('cell', cellChecks, row);
        const basis = bases[row] as KpiBasis;
        const date = localDates[row] as string;
        const keys = keysOf(row);
        const cell = emptyCell(basis, date, keys);
        for (const [measure, values] of measureColumns) {
          cell[measure] = values[row] as number;
        }
        cells.set(reader.cellKey(basis, date, keys), cell);
        break;
      }
      case 'contacts':
        contactRows.push(row);
        break;
      case 'waits':
        waitRows.push(row);
        break;
      default:
        throw new QueryFailedError(`KPI query returned a row of unknown row_type ${JSON.stringify(rowTypes[row])}`);
    }
  }

  if (contactRows.length > 0) {
    const checks = reader.checks(CONTACT_ROW_CHECKS);
    const utcDays = reader.column('utc_day');
    const contactColumns = CONTACT_MEASURES.map(
      (measure) => [measure, reader.column(MEASURE_COLUMNS[measure])] as const,
    );
    for (const row of contactRows) {
      reader.checkRow('contacts', checks, row);
      const date = new Date((utcDays[row] as number) * DAY_MS).toISOString().slice(0, 10);
      const keys = keysOf(row);
      const key = reader.cellKey('activity', date, keys);
      let cell = cells.get(key);
      if (cell === undefined) {
        cell = emptyCell('activity', date, keys);
        cells.set(key, cell);
      }
      for (const [measure, values] of contactColumns) {
        cell[measure] += values[row] as number;
      }
    }
  }

  if (waitRows.length > 0) {
    const checks = reader.checks(WAIT_ROW_CHECKS);
    const activityDates = reader.column('activity_date');
    const businessMinutes = reader.column('ttfc_business_min');
    const rawMinutes = reader.column('ttfc_raw_min');
    const leads = reader.column('leads');
    for (const row of waitRows) {
      reader.checkRow('waits', checks, row);
      const keys = keysOf(row);
      const dates: [KpiBasis, Value][] = [
        ['cohort', localDates[row] as string],
        ['activity', activityDates[row] as string | null],
      ];
      for (const [basis, date] of dates) {
        if (typeof date !== 'string' || date < from || date > to) {
          continue;
        }
        const cell = cells.get(reader.cellKey(basis, date, keys));
        if (cell === undefined) {
          throw new QueryFailedError(
            `KPI query returned waits for a ${basis} cell of ${date} that it returned no cell row for`,
          );
        }
        if (businessMinutes[row] !== null) {
          cell.ttfcBusinessHistogram.push([businessMinutes[row] as number, leads[row] as number]);
        }
        if (rawMinutes[row] !== null) {
          cell.ttfcRawHistogram.push([rawMinutes[row] as number, leads[row] as number]);
        }
      }
    }
  }

  for (const cell of cells.values()) {
    cell.ttfcBusinessHistogram = mergedHistogram(cell.ttfcBusinessHistogram);
    cell.ttfcRawHistogram = mergedHistogram(cell.ttfcRawHistogram);
  }
  // DuckDB returns rows in an order that varies with its threads, so the cells are sorted by key to make a
  // rerun over the same lake store the same blocks.
  return [...cells.values()].sort(compareCellKeys);
}

const CELL_KEY_FIELDS = ['basis', ...KEY_DIMENSIONS] as const;

function compareCellKeys(left: DailyCell, right: DailyCell): number {
  for (const field of CELL_KEY_FIELDS) {
    if (left[field] !== right[field]) {
      return left[field] < right[field] ? -1 : 1;
    }
  }
  return 0;
}

/** Sorts a histogram's pairs by minutes and adds up the leads of equal minutes. */
function mergedHistogram(pairs: MinuteHistogram): MinuteHistogram {
  if (pairs.length < 2) {
    return pairs;
  }
  pairs.sort((left, right) => left[0] - right[0]);
  const merged: MinuteHistogram = [];
  for (const [minutes, leads] of pairs) {
    const last = merged.at(-1);
    if (last !== undefined && last[0] === minutes) {
      last[1] += leads;
    } else {
      merged.push([minutes, leads]);
    }
  }
  return merged;
}
