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
  emptyMeasures,
  KPI_BASES,
  type KpiBasis,
  UNASSIGNED_SITE,
} from './aggregates';
import { type BlockRequest, dayGrainFor, FULL_GRAIN, grainFor, grainId, SERIES_DIMENSIONS } from './blocks';
import {
  type CellTable,
  cellsOfTable,
  type GrainDimension,
  type IntColumn,
  type KeyDimension,
  type NumberColumn,
} from './cell-table';
import {
  comparisonDay,
  comparisonRange,
  type DateRange,
  type FigureChanges,
  figureChanges,
  KPI_COMPARISONS,
  type KpiComparison,
} from './compare';
import { addDays, addMonths, eachDay, isCalendarDate } from './dates';
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

/** The key dimension that each `groupBy` and filter reads; team is read from the salesperson. */
const DIMENSION_OF: Record<KpiGroupBy | KpiFilter, KeyDimension> = {
  site: 'siteId',
  team: 'salespersonId',
  salesperson: 'salespersonId',
  source: 'source',
  campaign: 'campaignId',
  channel: 'channel',
  category: 'category',
  day: 'date',
};

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
  business: WaitDistribution;
  raw: WaitDistribution;
  spendCents: number;
}

/** Buckets of minutes that `WaitDistribution.median` counts leads in before it sorts the one bucket it needs. */
const MEDIAN_BUCKETS = 4_096;

/**
 * The leads of a group by minutes waited to first contact, for the exact median. Pairs are appended to typed
 * arrays, and the median is found by counting leads per bucket of minutes and sorting the pairs of one bucket
 * only. A map updated for every pair, or a sort of every pair, took most of a report's time: the rows of a
 * report carry about a hundred thousand pairs.
 */
export class WaitDistribution {
  private minutes: Float64Array = new Float64Array(64);
  private leads: Float64Array = new Float64Array(64);
  private length = 0;

  /**
   * Adds `leads` leads that waited `minutes` minutes. `leads` is negative to subtract leads added before; the
   * net count of every minute value must not be negative.
   */
  add(minutes: number, leads: number): void {
    if (this.length === this.minutes.length) {
      this.minutes = grown(this.minutes);
      this.leads = grown(this.leads);
    }
    this.minutes[this.length] = minutes;
    this.leads[this.length] = leads;
    this.length += 1;
  }

  /** Exact median of the minutes, weighted by leads; null when there are no leads. */
  median(): number | null {
    let total = 0;
    let highest = 0;
    for (let index = 0; index < this.length; index += 1) {
      total += this.leads[index] as number;
      highest = Math.max(highest, this.minutes[index] as number);
    }
    if (total === 0) {
      return null;
    }
    const width = Math.max(1, Math.ceil((highest + 1) / MEDIAN_BUCKETS));
    const counts = new Float64Array(Math.floor(highest / width) + 1);
    for (let index = 0; index < this.length; index += 1) {
      const bucket = Math.floor((this.minutes[index] as number) / width);
      counts[bucket] = (counts[bucket] as number) + (this.leads[index] as number);
    }
    const valueAt = (position: number): number => {
      let seen = 0;
      let bucket = 0;
      while (seen + (counts[bucket] as number) <= position) {
        seen += counts[bucket] as number;
        bucket += 1;
      }
      const inBucket: [number, number][] = [];
      for (let index = 0; index < this.length; index += 1) {
        const minutes = this.minutes[index] as number;
        if (Math.floor(minutes / width) === bucket) {
          inBucket.push([minutes, this.leads[index] as number]);
        }
      }
      inBucket.sort(([left], [right]) => left - right);
      // Leads of equal minutes are added up first: a report that subtracts days adds negative counts.
      for (let index = 0; index < inBucket.length; ) {
        const minutes = (inBucket[index] as [number, number])[0];
        let leads = 0;
        for (; index < inBucket.length && (inBucket[index] as [number, number])[0] === minutes; index += 1) {
          leads += (inBucket[index] as [number, number])[1];
        }
        seen += Math.max(leads, 0);
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
}

function grown(values: Float64Array): Float64Array {
  const larger = new Float64Array(values.length * 2);
  larger.set(values);
  return larger;
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
  const [tables, spend] = await Promise.all([
    loadTables(aggregates, query, range),
    spendStore === undefined ? [] : loadSpend(aggregates, spendStore, query, range),
  ]);
  const byKey = new Map<string, CellSums>();
  const totals = emptySums();
  for (const part of tables) {
    addTable(part, query, range, teams, byKey, totals);
  }
  if (tables.some((part) => part.sign < 0)) {
    // A group whose days were all subtracted nets to zero; it had no cell in the range, so it has no row.
    for (const [key, sums] of byKey) {
      if (CELL_MEASURES.every((measure) => sums[measure] === 0)) {
        byKey.delete(key);
      }
    }
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
 * Adds the rows of a table that are in the range, visible to the caller and match the filters to the sums of
 * their group and to the totals. Every test is decided once per dictionary value, so the loop over rows only
 * reads indexes and numbers.
 */
function addTable(
  { table, sign, anyDate }: TablePart,
  query: KpiQuery,
  range: DateRange,
  teams: ReadonlyMap<string, string>,
  byKey: Map<string, CellSums>,
  totals: CellSums,
): void {
  const filters = query.filters ?? {};
  const checks: { column: IntColumn; allowed: boolean[] }[] = [
    {
      column: table.keys.date,
      allowed: table.dictionaries.date.map((date) => anyDate || (date >= range.from && date <= range.to)),
    },
    { column: table.keys.siteId, allowed: table.dictionaries.siteId.map((siteId) => isVisible(siteId, query)) },
  ];
  for (const filter of KPI_FILTERS) {
    const value = filters[filter];
    if (value === undefined) {
      continue;
    }
    const dimension = DIMENSION_OF[filter];
    const filteredValue = filter === 'team' ? (id: string) => teams.get(id) ?? '' : (id: string) => id;
    checks.push({
      column: table.keys[dimension],
      allowed: table.dictionaries[dimension].map((entry) => filteredValue(entry) === value),
    });
  }
  const groupDimension = DIMENSION_OF[query.groupBy];
  const groupColumn = table.keys[groupDimension];
  const groupKeys = table.dictionaries[groupDimension].map((entry) =>
    query.groupBy === 'team' ? (teams.get(entry) ?? '') : entry,
  );
  const groupSums: (CellSums | undefined)[] = [];
  // Measures are summed into arrays indexed like CELL_MEASURES and named once per group after the loop:
  // a property store by a variable name on every row took most of the time of a report.
  const measureCount = CELL_MEASURES.length;
  const groupTotals: (Float64Array | undefined)[] = [];
  const tableTotals = new Float64Array(measureCount);
  const columns = CELL_MEASURES.map((measure) => table.measures[measure]);

  rows: for (let row = 0; row < table.rows; row += 1) {
    for (const check of checks) {
      if (!check.allowed[check.column[row] as number]) {
        continue rows;
      }
    }
    const groupIndex = groupColumn[row] as number;
    let sums = groupSums[groupIndex];
    let sumsOfGroup = groupTotals[groupIndex];
    if (sums === undefined || sumsOfGroup === undefined) {
      const key = groupKeys[groupIndex] as string;
      sums = byKey.get(key);
      if (sums === undefined) {
        sums = emptySums();
        byKey.set(key, sums);
      }
      groupSums[groupIndex] = sums;
      sumsOfGroup = new Float64Array(measureCount);
      groupTotals[groupIndex] = sumsOfGroup;
    }
    for (let index = 0; index < measureCount; index += 1) {
      const value = sign * ((columns[index] as NumberColumn)[row] as number);
      sumsOfGroup[index] = (sumsOfGroup[index] as number) + value;
      tableTotals[index] = (tableTotals[index] as number) + value;
    }
    addPairs(sums.business, totals.business, table.businessStarts, table.businessPairs, row, sign);
    addPairs(sums.raw, totals.raw, table.rawStarts, table.rawPairs, row, sign);
  }

  groupSums.forEach((sums, groupIndex) => {
    const sumsOfGroup = groupTotals[groupIndex];
    if (sums !== undefined && sumsOfGroup !== undefined) {
      addMeasures(sums, sumsOfGroup);
    }
  });
  addMeasures(totals, tableTotals);
}

/** Adds measures summed in CELL_MEASURES order to the named measures of `sums`. */
function addMeasures(sums: CellSums, values: Float64Array): void {
  CELL_MEASURES.forEach((measure, index) => {
    sums[measure] += values[index] as number;
  });
}

/** Adds the histogram pairs of one row to a group's and the totals' distributions. */
function addPairs(
  group: WaitDistribution,
  totals: WaitDistribution,
  starts: Int32Array,
  pairs: Int32Array,
  row: number,
  sign: 1 | -1,
): void {
  for (let pair = starts[row] as number; pair < (starts[row + 1] as number); pair += 1) {
    const minutes = pairs[pair * 2] as number;
    const leads = sign * (pairs[pair * 2 + 1] as number);
    group.add(minutes, leads);
    totals.add(minutes, leads);
  }
}

/**
 * A table to add to a report's sums: `sign` -1 subtracts it, and `anyDate` counts its rows whatever their date
 * (a month block standing for part of its month, and the days subtracted from it).
 */
interface TablePart {
  table: CellTable;
  sign: 1 | -1;
  anyDate: boolean;
}

/**
 * Reads the blocks that cover a range at the smallest grain that keeps the dimensions the query groups and
 * filters by: month blocks for whole months and day blocks for the days of partial months. A daily series
 * reads series blocks: by site, or of the one filtered value. Blocks may extend beyond the range; the caller
 * filters rows by date.
 *
 * Days are stored at one dimension at most, so the days of a report by two dimensions are full cells, about
 * 900 rows a day for a 30-site group. When a partial month covers more than half of its month, the report
 * reads the month block at its grain and subtracts the fewer days outside the range instead.
 */
async function loadTables(aggregates: AggregateStore, query: KpiQuery, range: DateRange): Promise<TablePart[]> {
  const filters = Object.entries(query.filters ?? {}).filter(([, value]) => value !== undefined) as [
    KpiFilter,
    string,
  ][];
  const dimensions = new Set<GrainDimension>(
    [
      ...filters.map(([filter]) => filter),
      ...(query.groupBy === 'day' || query.groupBy === 'site' ? [] : [query.groupBy]),
    ].map((name) => DIMENSION_OF[name] as GrainDimension),
  );
  const grain = grainFor(dimensions);
  const dayGrain = dayGrainFor(dimensions);
  const read = async (request: Omit<BlockRequest, 'basis'>, sign: 1 | -1 = 1, anyDate = false) =>
    (await aggregates.readBlocks(query.tenantId, { basis: query.basis, ...request })).map(
      (table): TablePart => ({ table, sign, anyDate }),
    );
  const firstMonth = range.from.slice(0, 7);
  const lastMonth = range.to.slice(0, 7);

  if (query.groupBy === 'day') {
    const [only] = filters;
    if (only === undefined) {
      return read({ level: 'series', grain: grainId([]), from: firstMonth, to: lastMonth });
    }
    const dimension = DIMENSION_OF[only[0]] as GrainDimension;
    if (filters.length === 1 && only[0] !== 'team' && SERIES_DIMENSIONS.includes(dimension)) {
      return read({ level: 'series', grain: dimension, value: only[1], from: firstMonth, to: lastMonth });
    }
    return read({ level: 'day', grain: dayGrain, from: range.from, to: range.to });
  }

  const months = monthsCovering(range.from, range.to);
  const firstWholeMonth = range.from === months.from ? firstMonth : nextMonth(firstMonth);
  const lastWholeMonth = range.to === months.to ? lastMonth : previousMonth(lastMonth);
  const reads: Promise<TablePart[]>[] = [];
  if (firstWholeMonth <= lastWholeMonth) {
    reads.push(read({ level: 'month', grain, from: firstWholeMonth, to: lastWholeMonth }));
  }
  const partialMonths = [...new Set([firstMonth, lastMonth])].filter(
    (month) => month < firstWholeMonth || month > lastWholeMonth,
  );
  for (const month of partialMonths) {
    const monthStart = `${month}-01`;
    const monthEnd = `${month}-${lastDayOf(month)}`;
    const from = range.from > monthStart ? range.from : monthStart;
    const to = range.to < monthEnd ? range.to : monthEnd;
    const covered = eachDay(from, to).length;
    const outside = eachDay(monthStart, monthEnd).length - covered;
    if (dayGrain !== FULL_GRAIN || outside >= covered) {
      reads.push(read({ level: 'day', grain: dayGrain, from, to }));
      continue;
    }
    reads.push(read({ level: 'month', grain, from: month, to: month }, 1, true));
    if (from > monthStart) {
      reads.push(read({ level: 'day', grain: FULL_GRAIN, from: monthStart, to: addDays(from, -1) }, -1, true));
    }
    if (to < monthEnd) {
      reads.push(read({ level: 'day', grain: FULL_GRAIN, from: addDays(to, 1), to: monthEnd }, -1, true));
    }
  }
  return (await Promise.all(reads)).flat();
}

/**
 * Spend allocated to the days of the range and the visible sites, filtered by source and campaign.
 * Spend without a site is spread by the month's cohort leads per site, source and campaign.
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
    ? (
        await aggregates.readBlocks(query.tenantId, {
          basis: 'cohort',
          level: 'month',
          grain: grainId(['source', 'campaignId']),
          from: months.from.slice(0, 7),
          to: months.to.slice(0, 7),
        })
      ).flatMap((table) => cellsOfTable(table))
    : [];
  const filters = query.filters ?? {};
  return allocateSpend(rows, monthCells, range.from, range.to).filter(
    (entry) =>
      isVisible(entry.siteId, query) &&
      (filters.source === undefined || entry.source === filters.source) &&
      (filters.campaign === undefined || entry.campaignId === filters.campaign),
  );
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
  return { ...emptyMeasures(), business: new WaitDistribution(), raw: new WaitDistribution(), spendCents: 0 };
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

function waitFigures(count: number, sum: number, distribution: WaitDistribution): WaitFigures {
  return {
    leads: count,
    meanMinutes: count === 0 ? null : Math.round((sum / count) * 10) / 10,
    medianMinutes: distribution.median(),
  };
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
