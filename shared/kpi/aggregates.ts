/** The nightly job's output: KPI measures per cell and day, and the port to the store that keeps them. */
import type { BlockRequest } from './blocks';
import type { CellTable } from './cell-table';

/**
 * Time basis of a cell. `cohort`: what became of the leads created on the cell's date (as of the last run).
 * `activity`: what happened on the cell's date, whatever day the leads were created.
 */
export const KPI_BASES = ['cohort', 'activity'] as const;
export type KpiBasis = (typeof KPI_BASES)[number];

/**
 * Additive measures of a cell: counts and sums only, so cells of any days and groups add up. Every ratio is
 * computed from these sums over the requested range. Amounts are in euro cents, times in whole minutes.
 */
export const CELL_MEASURES = [
  'leads',
  'prospects',
  'contacted',
  'handled',
  'handledInTime',
  'ttfcBusinessCount',
  'ttfcBusinessSum',
  'ttfcRawCount',
  'ttfcRawSum',
  'appointments',
  'appointmentsDue',
  'shows',
  'testDrives',
  'offers',
  'sales',
  'salesWithin30Days',
  'salesWithin90Days',
  'revenueCents',
  'grossMarginCents',
  'calls',
  'emails',
  'smsMessages',
  'visits',
] as const;
export type CellMeasure = (typeof CELL_MEASURES)[number];
export type CellMeasures = Record<CellMeasure, number>;

/**
 * Exact distribution of whole-minute values as `[minutes, leads]` pairs in ascending order of minutes.
 * Distributions of several cells merge by adding the leads of equal minutes, which keeps medians exact.
 */
export type MinuteHistogram = [minutes: number, leads: number][];

/**
 * KPI measures of one day for one combination of site, source, channel, campaign, category and salesperson,
 * on one basis. `siteId` is `unassigned` for leads with no site, and `campaignId` and `salespersonId` are `''`
 * for leads with no campaign or no salesperson. `calls`, `emails`, `smsMessages` and `visits` count human
 * `contacted` events (every one, not only the first) by contact channel.
 */
export interface DailyCell extends CellMeasures {
  basis: KpiBasis;
  /** Local date (`yyyy-mm-dd`) in the site's time zone: the leads' date (cohort) or the events' date (activity). */
  date: string;
  siteId: string;
  source: string;
  channel: string;
  campaignId: string;
  category: string;
  /** Cohort: the lead's assigned salesperson. Activity: the salesperson of the event, else the lead's. */
  salespersonId: string;
  /** Business minutes to the first human contact, of the leads counted in `ttfcBusinessCount`. */
  ttfcBusinessHistogram: MinuteHistogram;
  /** Calendar minutes to the first human contact, of the leads counted in `ttfcRawCount`. */
  ttfcRawHistogram: MinuteHistogram;
}

/** Identifies the nightly run that wrote a set of days. */
export interface AggregateRun {
  runId: string;
  /** ISO 8601 UTC instant at which the run's query finished. */
  finishedAt: string;
}

/** Site id of the cells whose leads have no site. */
export const UNASSIGNED_SITE = 'unassigned';

/** Returns every measure at zero, for building cells field by field. */
export function emptyMeasures(): CellMeasures {
  return Object.fromEntries(CELL_MEASURES.map((measure) => [measure, 0])) as CellMeasures;
}

/** Key value of the dimensions that a rollup sums over. */
export const ANY_KEY = '*';

export interface AggregateStore {
  /**
   * Replaces every day from `from` to `to` (both included), on both bases, with the given cells. A day with no
   * cell is stored as empty, so a re-run that finds fewer leads leaves no stale figures.
   * Throws a `RangeError` when a cell's date is outside the range.
   */
  replaceDays(tenantId: string, from: string, to: string, cells: DailyCell[], run: AggregateRun): Promise<void>;
  /** Returns the cells of both bases of every stored day from `from` to `to`, both included, ordered by date. */
  readDays(tenantId: string, from: string, to: string): Promise<DailyCell[]>;
  /**
   * Returns the stored blocks that a request selects (see `blocksOfMonth` for what is stored), in order of
   * period. A period without cells may have no block.
   */
  readBlocks(tenantId: string, request: BlockRequest): Promise<CellTable[]>;
}
