/**
 * KPI reports read from the aggregate store, for the KPI API. Every ratio is computed from numerators and
 * denominators summed over the requested range and group, never as an average of daily ratios, and is null
 * when its denominator is zero. docs/kpis.md defines each figure.
 */
import * as z from 'zod';
import { identifierSchema } from '#shared/tenant/model';
import {
  type AggregateStore,
  CELL_MEASURES,
  type CellMeasures,
  type DailyCell,
  emptyMeasures,
  KPI_BASES,
  type KpiBasis,
  type MinuteHistogram,
  UNASSIGNED_SITE,
} from './aggregates';
import {
  comparisonDay,
  comparisonRange,
  type DateRange,
  type FigureChanges,
  figureChanges,
  KPI_COMPARISONS,
  type KpiComparison,
} from './compare';
import { addMonths, eachDay, isCalendarDate } from './dates';
import { allocateSpend, type DailySpend, monthsCovering, type SpendStore } from './spend';

export const KPI_GROUP_BY = [
  'site',
  'team',
  'salesperson',
  'source',
  'campaign',
  'channel',
  'category',
  'day',
] as const;
export type KpiGroupBy = (typeof KPI_GROUP_BY)[number];

/** Dimensions that a report can be restricted to, besides the site. */
export const KPI_FILTERS = ['source', 'campaign', 'channel', 'category', 'salesperson', 'team'] as const;
export type KpiFilter = (typeof KPI_FILTERS)[number];

/** Maximum range of one KPI request, in calendar months. */
export const MAX_KPI_RANGE_MONTHS = 13;

export interface KpiQuery<G extends KpiGroupBy = KpiGroupBy> {
  tenantId: string;
  /** First local date, `yyyy-mm-dd`. */
  from: string;
  /** Last local date, `yyyy-mm-dd`, included. */
  to: string;
  groupBy: G;
  basis: KpiBasis;
  /** Sites the caller may see; `*` is every site, including `unassigned` (leads with no site). */
  sites: string[] | '*';
  /** Restricts the report to one site, within `sites`. */
  site?: string;
  /** Restricts the report to one value of each given dimension; `''` selects cells with no value. */
  filters?: Partial<Record<KpiFilter, string>>;
  /** Team of each salesperson id, from the tenant's team list; salespeople not in it have team `''`. */
  teams?: ReadonlyMap<string, string>;
  /** Adds the figures of the comparison range and the change to the totals and to every row. */
  compare?: KpiComparison;
}

/** Time to first human contact of a set of leads, in minutes; null figures when no lead was contacted. */
export interface WaitFigures {
  /** Leads whose wait is known (business: leads of sites with opening hours). */
  leads: number;
  meanMinutes: number | null;
  /** Exact median of the whole-minute waits (the mean of the two middle values for an even count). */
  medianMinutes: number | null;
}

/** Ratios of the cohort basis, rounded to 4 decimals; null when the denominator is zero. */
export interface KpiRates {
  /** contacted / leads */
  contactRate: number | null;
  /** handled / leads */
  handledRate: number | null;
  /** handledWithinOneBusinessHour / leads */
  handledWithinOneBusinessHourRate: number | null;
  /** appointments / leads */
  appointmentRate: number | null;
  /** shows / appointmentsDue */
  showRate: number | null;
  /** testDrives / leads */
  testDriveRate: number | null;
  /** sales / leads */
  closeRate: number | null;
  /** salesWithin30Days / leads */
  closeRateWithin30Days: number | null;
  /** salesWithin90Days / leads */
  closeRateWithin90Days: number | null;
}

/** Marketing spend of a group and what it bought; amounts in EUR. */
export interface KpiCost {
  /** Spend allocated to the range and group (monthly spend spread over days and sites). */
  spend: number;
  /** spend / leads; null on the activity basis. */
  costPerLead: number | null;
  /** spend / sales; null on the activity basis. */
  costPerSale: number | null;
  /** (grossMargin - spend) / spend; null on the activity basis. */
  roi: number | null;
}

/** The figures of one report row or of the totals. Amounts are in euros. */
export interface KpiFigures {
  leads: number;
  /** Leads not preceded by a lead of the same person within 30 days (leads without person count). */
  uniqueProspects: number;
  contacted: number;
  handled: number;
  handledWithinOneBusinessHour: number;
  appointments: number;
  appointmentsDue: number;
  shows: number;
  testDrives: number;
  offers: number;
  sales: number;
  salesWithin30Days: number;
  salesWithin90Days: number;
  revenue: number;
  grossMargin: number;
  timeToFirstContact: { business: WaitFigures; raw: WaitFigures };
  /**
   * Ratios on the cohort basis. Null on the activity basis, whose numerators and denominators are events of
   * different leads (April's sales over April's leads can exceed 100%).
   */
  rates: KpiRates | null;
  /**
   * Null in rows grouped by channel, category, salesperson or team, and everywhere when the report is filtered
   * on one of them, because spend is entered per source, campaign and site only.
   */
  cost: KpiCost | null;
  /** Activity of the salespeople: every human contact, by channel. */
  contacts: KpiContacts;
}

/** Human contacts (`contacted` events by a salesperson or the call centre), each one counted, by channel. */
export interface KpiContacts {
  calls: number;
  emails: number;
  smsMessages: number;
  visits: number;
}

/** Figures of the comparison range and their change, present when the request sets `compare`. */
export interface KpiComparisonFigures {
  /** Figures of the same group over the comparison range (zero figures when it had no cell). */
  previous?: KpiFigures;
  change?: FigureChanges;
}

/** The figures of a row or of the totals, with the comparison when requested. */
export type KpiFiguresWithComparison = KpiFigures & KpiComparisonFigures;

/** One report row: the group's key under the `groupBy` name (`{ source: 'google-ads', leads: 12, ... }`). */
export type KpiRow<G extends KpiGroupBy = KpiGroupBy> = G extends KpiGroupBy
  ? Record<G, string> & KpiFiguresWithComparison
  : never;

export interface KpiReport<G extends KpiGroupBy = KpiGroupBy> {
  from: string;
  to: string;
  groupBy: G;
  basis: KpiBasis;
  /** The comparison range, when the request sets `compare`. */
  comparison?: { compare: KpiComparison; from: string; to: string };
  /**
   * Sorted by key. With `groupBy: 'day'`, every day of the range has a row, zero when it had no lead. With a
   * comparison, a group that had figures only in the comparison range has a row with zero current figures.
   */
  rows: KpiRow<G>[];
  totals: KpiFiguresWithComparison;
}

const calendarDate = z.string().refine(isCalendarDate, { message: 'must be a calendar date as YYYY-MM-DD' });

/** Query string parameters of the KPI endpoint. `to` is at most 13 months after `from`, minus one day. */
export const kpiQueryParamsSchema = z
  .object({
    from: calendarDate,
    to: calendarDate,
    groupBy: z.enum(KPI_GROUP_BY),
    /** `cohort` (default): outcomes of the leads created in the range; `activity`: events that happened in it. */
    basis: z.enum(KPI_BASES).default('cohort'),
    site: identifierSchema.optional(),
    source: z.string().min(1).max(64).optional(),
    campaign: z.string().max(128).optional(),
    channel: z.string().min(1).max(64).optional(),
    category: z.string().max(16).optional(),
    salesperson: z.string().max(128).optional(),
    team: z.string().max(64).optional(),
    compare: z.enum(KPI_COMPARISONS).optional(),
  })
  .superRefine((params, context) => {
    // Zod 4 runs this refinement even when a date failed its own check.
    if (!isCalendarDate(params.from) || !isCalendarDate(params.to)) {
      return;
    }
    if (params.from > params.to) {
      context.addIssue({ code: 'custom', path: ['to'], message: 'must not be before from' });
    } else if (params.to >= addMonths(params.from, MAX_KPI_RANGE_MONTHS)) {
      context.addIssue({
        code: 'custom',
        path: ['to'],
        message: `must be within ${MAX_KPI_RANGE_MONTHS} months of from`,
      });
    }
  });
export type KpiQueryParams = z.infer<typeof kpiQueryParamsSchema>;

/** Group key of a cell under each `groupBy`; `teams` maps salesperson ids to teams. */
function keyOfCell(groupBy: KpiGroupBy, teams: ReadonlyMap<string, string>): (cell: DailyCell) => string {
  switch (groupBy) {
    case 'site':
      return (cell) => cell.siteId;
    case 'team':
      return (cell) => teams.get(cell.salespersonId) ?? '';
    case 'salesperson':
      return (cell) => cell.salespersonId;
    case 'source':
      return (cell) => cell.source;
    case 'campaign':
      return (cell) => cell.campaignId;
    case 'channel':
      return (cell) => cell.channel;
    case 'category':
      return (cell) => cell.category;
    case 'day':
      return (cell) => cell.date;
  }
}

/** Group key of allocated spend; undefined for the dimensions that spend is not entered by. */
const spendKeyOfEntry: Record<KpiGroupBy, ((entry: DailySpend) => string) | undefined> = {
  site: (entry) => entry.siteId,
  team: undefined,
  salesperson: undefined,
  source: (entry) => entry.source,
  campaign: (entry) => entry.campaignId,
  channel: undefined,
  category: undefined,
  day: (entry) => entry.date,
};

/** Sums of a group of cells: the measures and the merged wait distributions. */
interface CellSums extends CellMeasures {
  business: Map<number, number>;
  raw: Map<number, number>;
  spendCents: number;
}

/** The sums of one range: per group key and in total, and whether they carry cost. */
interface RangeSums {
  byKey: Map<string, CellSums>;
  totals: CellSums;
  /** False when a filter selects a dimension that spend is not entered by, so no spend is attributable. */
  hasCost: boolean;
}

/**
 * Builds a KPI report from the stored cells of the requested basis, and from the tenant's spend when a spend
 * store is given. Cells and spend of sites outside `query.sites` are left out, and `unassigned` leads are
 * visible only to callers that see every site. With `compare`, the comparison range is summed the same way.
 */
export async function readKpis<G extends KpiGroupBy>(
  aggregates: AggregateStore,
  query: KpiQuery<G>,
  spendStore?: SpendStore,
): Promise<KpiReport<G>> {
  const range = { from: query.from, to: query.to };
  const compareRange = query.compare === undefined ? undefined : comparisonRange(range, query.compare);
  const [current, previous] = await Promise.all([
    sumRange(aggregates, query, range, spendStore),
    compareRange === undefined ? undefined : sumRange(aggregates, query, compareRange, spendStore),
  ]);

  if (query.groupBy === 'day') {
    for (const day of eachDay(query.from, query.to)) {
      if (!current.byKey.has(day)) {
        current.byKey.set(day, emptySums());
      }
    }
  }
  const figures = (sums: CellSums, hasCost: boolean): KpiFigures => ({
    ...figuresOf(sums, query.basis),
    cost: hasCost ? costOf(sums, query.basis) : null,
  });
  const withComparison = (sums: CellSums, previousSums: CellSums | undefined, hasCost: boolean) => {
    const currentFigures = figures(sums, hasCost);
    if (previous === undefined) {
      return currentFigures;
    }
    const previousFigures = figures(previousSums ?? emptySums(), hasCost);
    return { ...currentFigures, previous: previousFigures, change: figureChanges(currentFigures, previousFigures) };
  };

  // A day of the report is compared with its matching day; other groups with the same key.
  const previousKeyOf =
    query.groupBy === 'day' && query.compare !== undefined
      ? (day: string) => comparisonDay(day, range, query.compare as KpiComparison)
      : (key: string) => key;
  const keys = new Set(current.byKey.keys());
  if (previous !== undefined && query.groupBy !== 'day') {
    for (const key of previous.byKey.keys()) {
      keys.add(key);
    }
  }
  const rowsHaveCost = current.hasCost && spendKeyOfEntry[query.groupBy] !== undefined;
  // Keys are ids and ISO dates, so plain code-unit order is the intended order (no locale collation).
  const rows = [...keys].sort(compareStrings).map(
    (key) =>
      ({
        [query.groupBy]: key,
        ...withComparison(current.byKey.get(key) ?? emptySums(), previous?.byKey.get(previousKeyOf(key)), rowsHaveCost),
      }) as KpiRow<G>,
  );
  return {
    from: query.from,
    to: query.to,
    groupBy: query.groupBy,
    basis: query.basis,
    ...(compareRange === undefined || query.compare === undefined
      ? {}
      : { comparison: { compare: query.compare, ...compareRange } }),
    rows,
    totals: withComparison(current.totals, previous?.totals, current.hasCost),
  };
}

/** Sums the visible cells and spend of one range per group key and in total. */
async function sumRange(
  aggregates: AggregateStore,
  query: KpiQuery,
  range: DateRange,
  spendStore: SpendStore | undefined,
): Promise<RangeSums> {
  const teams = query.teams ?? new Map<string, string>();
  const [cells, spend] = await Promise.all([
    loadCells(aggregates, query, range),
    spendStore === undefined ? [] : loadSpend(aggregates, spendStore, query, range),
  ]);
  const keep = cellFilter(query, teams);
  const keyOf = keyOfCell(query.groupBy, teams);
  const byKey = new Map<string, CellSums>();
  const totals = emptySums();
  for (const cell of cells) {
    if (cell.basis !== query.basis || cell.date < range.from || cell.date > range.to || !keep(cell)) {
      continue;
    }
    const key = keyOf(cell);
    let sums = byKey.get(key);
    if (sums === undefined) {
      sums = emptySums();
      byKey.set(key, sums);
    }
    addCell(sums, cell);
    addCell(totals, cell);
  }

  const filters = query.filters ?? {};
  const hasCost = ['channel', 'category', 'salesperson', 'team'].every(
    (filter) => filters[filter as KpiFilter] === undefined,
  );
  const spendKeyOf = spendKeyOfEntry[query.groupBy];
  for (const entry of hasCost ? spend : []) {
    totals.spendCents += entry.cents;
    if (spendKeyOf !== undefined) {
      const key = spendKeyOf(entry);
      const sums = byKey.get(key) ?? emptySums();
      sums.spendCents += entry.cents;
      byKey.set(key, sums);
    }
  }
  return { byKey, totals, hasCost };
}

/**
 * Reads the cells that cover a range, with as few stored blocks as the grouping allows: month rollups for
 * whole months and daily cells for the days of partial months, or the day-site rollup for a daily series
 * that only sites restrict. Cells may extend beyond the range; the caller filters them by date.
 */
async function loadCells(aggregates: AggregateStore, query: KpiQuery, range: DateRange): Promise<DailyCell[]> {
  const firstMonth = range.from.slice(0, 7);
  const lastMonth = range.to.slice(0, 7);
  const hasDimensionFilter = Object.values(query.filters ?? {}).some((value) => value !== undefined);
  if (query.groupBy === 'day') {
    return hasDimensionFilter
      ? aggregates.readDays(query.tenantId, range.from, range.to)
      : aggregates.readRollups(query.tenantId, query.basis, 'day-site', firstMonth, lastMonth);
  }

  const months = monthsCovering(range.from, range.to);
  const firstWholeMonth = range.from === months.from ? firstMonth : nextMonth(firstMonth);
  const lastWholeMonth = range.to === months.to ? lastMonth : previousMonth(lastMonth);
  if (firstWholeMonth > lastWholeMonth) {
    return aggregates.readDays(query.tenantId, range.from, range.to);
  }
  const reads: Promise<DailyCell[]>[] = [
    aggregates.readRollups(query.tenantId, query.basis, 'month', firstWholeMonth, lastWholeMonth),
  ];
  if (firstWholeMonth !== firstMonth) {
    reads.push(aggregates.readDays(query.tenantId, range.from, `${firstMonth}-${lastDayOf(firstMonth)}`));
  }
  if (lastWholeMonth !== lastMonth) {
    reads.push(aggregates.readDays(query.tenantId, `${lastMonth}-01`, range.to));
  }
  const blocks = await Promise.all(reads);
  // Rollup cells are dated on the first day of their month, which is within the range for a whole month.
  return blocks.flat();
}

/**
 * Spend allocated to the days of the range and the visible sites, filtered by source and campaign.
 * Spend without a site is spread by the month's cohort leads, which the month rollups give per site, source
 * and campaign.
 */
async function loadSpend(
  aggregates: AggregateStore,
  spendStore: SpendStore,
  query: KpiQuery,
  range: DateRange,
): Promise<DailySpend[]> {
  const months = monthsCovering(range.from, range.to);
  const rows = await spendStore.readMonths(query.tenantId, months.from.slice(0, 7), months.to.slice(0, 7));
  if (rows.length === 0) {
    return [];
  }
  const monthCells = rows.some((row) => row.site === undefined)
    ? leadsBySiteSourceCampaign(
        await aggregates.readRollups(query.tenantId, 'cohort', 'month', months.from.slice(0, 7), months.to.slice(0, 7)),
      )
    : [];
  const filters = query.filters ?? {};
  return allocateSpend(rows, monthCells, range.from, range.to).filter(
    (entry) =>
      isVisible(entry.siteId, query) &&
      (filters.source === undefined || entry.source === filters.source) &&
      (filters.campaign === undefined || entry.campaignId === filters.campaign),
  );
}

/** Sums month cells over every key but site, source and campaign, the keys that spend allocation reads. */
function leadsBySiteSourceCampaign(cells: readonly DailyCell[]): DailyCell[] {
  const merged = new Map<string, DailyCell>();
  for (const cell of cells) {
    const key = [cell.date, cell.siteId, cell.source, cell.campaignId].join('\u0000');
    const target = merged.get(key);
    if (target === undefined) {
      merged.set(key, { ...cell, ttfcBusinessHistogram: [], ttfcRawHistogram: [] });
    } else {
      target.leads += cell.leads;
    }
  }
  return [...merged.values()];
}

/** Whether a cell is visible to the caller and matches the site and dimension filters. */
function cellFilter(query: KpiQuery, teams: ReadonlyMap<string, string>): (cell: DailyCell) => boolean {
  const filters = query.filters ?? {};
  const checks: ((cell: DailyCell) => boolean)[] = [(cell) => isVisible(cell.siteId, query)];
  const equals = (value: string | undefined, field: (cell: DailyCell) => string) => {
    if (value !== undefined) {
      checks.push((cell) => field(cell) === value);
    }
  };
  equals(filters.source, (cell) => cell.source);
  equals(filters.campaign, (cell) => cell.campaignId);
  equals(filters.channel, (cell) => cell.channel);
  equals(filters.category, (cell) => cell.category);
  equals(filters.salesperson, (cell) => cell.salespersonId);
  equals(filters.team, (cell) => teams.get(cell.salespersonId) ?? '');
  return (cell) => checks.every((check) => check(cell));
}

function nextMonth(month: string): string {
  return addMonths(`${month}-01`, 1).slice(0, 7);
}

function previousMonth(month: string): string {
  return addMonths(`${month}-01`, -1).slice(0, 7);
}

/** Last day of a month, as two digits. */
function lastDayOf(month: string): string {
  return monthsCovering(`${month}-01`, `${month}-01`).to.slice(8);
}

function emptySums(): CellSums {
  return { ...emptyMeasures(), business: new Map(), raw: new Map(), spendCents: 0 };
}

function costOf(sums: CellSums, basis: KpiBasis): KpiCost {
  const spend = Math.round(sums.spendCents) / 100;
  if (basis === 'activity') {
    return { spend, costPerLead: null, costPerSale: null, roi: null };
  }
  const grossMargin = sums.grossMarginCents / 100;
  return {
    spend,
    costPerLead: euroRatio(spend, sums.leads),
    costPerSale: euroRatio(spend, sums.sales),
    roi: ratio(grossMargin - spend, spend),
  };
}

/** Divides an amount in EUR by a count, rounded to the cent; null when the count is zero. */
function euroRatio(amount: number, count: number): number | null {
  return count === 0 ? null : Math.round((amount / count) * 100) / 100;
}

function addCell(sums: CellSums, cell: DailyCell): void {
  for (const measure of CELL_MEASURES) {
    sums[measure] += cell[measure];
  }
  addHistogram(sums.business, cell.ttfcBusinessHistogram);
  addHistogram(sums.raw, cell.ttfcRawHistogram);
}

function addHistogram(target: Map<number, number>, histogram: MinuteHistogram): void {
  for (const [minutes, leads] of histogram) {
    target.set(minutes, (target.get(minutes) ?? 0) + leads);
  }
}

function figuresOf(sums: CellSums, basis: KpiBasis): Omit<KpiFigures, 'cost'> {
  const contacts = { calls: sums.calls, emails: sums.emails, smsMessages: sums.smsMessages, visits: sums.visits };
  return {
    leads: sums.leads,
    uniqueProspects: sums.prospects,
    contacted: sums.contacted,
    handled: sums.handled,
    handledWithinOneBusinessHour: sums.handledInTime,
    appointments: sums.appointments,
    appointmentsDue: sums.appointmentsDue,
    shows: sums.shows,
    testDrives: sums.testDrives,
    offers: sums.offers,
    sales: sums.sales,
    salesWithin30Days: sums.salesWithin30Days,
    salesWithin90Days: sums.salesWithin90Days,
    revenue: sums.revenueCents / 100,
    grossMargin: sums.grossMarginCents / 100,
    timeToFirstContact: {
      business: waitFigures(sums.ttfcBusinessCount, sums.ttfcBusinessSum, sums.business),
      raw: waitFigures(sums.ttfcRawCount, sums.ttfcRawSum, sums.raw),
    },
    rates: basis === 'cohort' ? ratesOf(sums) : null,
    contacts,
  };
}

function ratesOf(sums: CellSums): KpiRates {
  return {
    contactRate: ratio(sums.contacted, sums.leads),
    handledRate: ratio(sums.handled, sums.leads),
    handledWithinOneBusinessHourRate: ratio(sums.handledInTime, sums.leads),
    appointmentRate: ratio(sums.appointments, sums.leads),
    showRate: ratio(sums.shows, sums.appointmentsDue),
    testDriveRate: ratio(sums.testDrives, sums.leads),
    closeRate: ratio(sums.sales, sums.leads),
    closeRateWithin30Days: ratio(sums.salesWithin30Days, sums.leads),
    closeRateWithin90Days: ratio(sums.salesWithin90Days, sums.leads),
  };
}

/** Numerator over denominator rounded to 4 decimals, or null when the denominator is zero. */
export function ratio(numerator: number, denominator: number): number | null {
  return denominator === 0 ? null : Math.round((numerator / denominator) * 10_000) / 10_000;
}

function waitFigures(count: number, sum: number, histogram: Map<number, number>): WaitFigures {
  return {
    leads: count,
    meanMinutes: count === 0 ? null : Math.round((sum / count) * 10) / 10,
    medianMinutes: median(histogram),
  };
}

/** Exact median of a distribution of `minutes → leads`; null when it is empty. */
export function median(histogram: Map<number, number>): number | null {
  const values = [...histogram].filter(([, leads]) => leads > 0).sort(([left], [right]) => left - right);
  const total = values.reduce((sum, [, leads]) => sum + leads, 0);
  if (total === 0) {
    return null;
  }
  const valueAt = (position: number): number => {
    let seen = 0;
    for (const [minutes, leads] of values) {
      seen += leads;
      if (position < seen) {
        return minutes;
      }
    }
    throw new RangeError(`Position ${position} is outside a distribution of ${total} values`);
  };
  if (total % 2 === 1) {
    return valueAt((total - 1) / 2);
  }
  return (valueAt(total / 2 - 1) + valueAt(total / 2)) / 2;
}

function compareStrings(left: string, right: string): number {
  if (left < right) {
    return -1;
  }
  return left > right ? 1 : 0;
}

function isVisible(siteId: string, query: KpiQuery): boolean {
  if (query.site !== undefined && siteId !== query.site) {
    return false;
  }
  if (query.sites === '*') {
    return true;
  }
  return siteId !== UNASSIGNED_SITE && query.sites.includes(siteId);
}
