/** The nightly job's output: lead counts per KPI cell, and the port to the store that keeps them. */

/**
 * Leads of one day for one combination of site, source, channel, campaign and category.
 * `siteId` is `unassigned` for leads with no site, and `campaignId` is `''` for leads with no campaign.
 */
export interface DailyCell {
  /** Local date of the leads (`yyyy-mm-dd`) in their site's time zone. */
  date: string;
  siteId: string;
  source: string;
  channel: string;
  campaignId: string;
  category: string;
  leads: number;
}

/** Identifies the nightly run that wrote a set of days. */
export interface AggregateRun {
  runId: string;
  /** ISO 8601 UTC instant at which the run's query finished. */
  finishedAt: string;
}

/** Site id of the cells whose leads have no site. */
export const UNASSIGNED_SITE = 'unassigned';

export interface AggregateStore {
  /**
   * Replaces every day from `from` to `to` (both included) with the given cells. A day with no cell is
   * stored as empty, so a re-run that finds fewer leads leaves no stale figures.
   * Throws a `RangeError` when a cell's date is outside the range.
   */
  replaceDays(tenantId: string, from: string, to: string, cells: DailyCell[], run: AggregateRun): Promise<void>;
  /** Returns the cells of every stored day from `from` to `to`, both included, ordered by date. */
  readDays(tenantId: string, from: string, to: string): Promise<DailyCell[]>;
}
