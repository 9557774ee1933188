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
import { addMonths, eachDay, isCalendarDate } from './dates';
import { allocateSpend, type DailySpend, monthsCovering, type SpendStore } from './spend';

export const KPI_GROUP_BY = ['source', 'site', 'channel', 'day'] as const;
export type KpiGroupBy = (typeof KPI_GROUP_BY)[number];

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
  /** Null in rows grouped by channel, because spend is entered per source, campaign and site, not channel. */
  cost: KpiCost | null;
}

/** One report row: the group's key under the `groupBy` name (`{ source: 'google-ads', leads: 12, ... }`). */
export type KpiRow<G extends KpiGroupBy = KpiGroupBy> = G extends KpiGroupBy ? Record<G, string> & KpiFigures : never;

export interface KpiReport<G extends KpiGroupBy = KpiGroupBy> {
  from: string;
  to: string;
  groupBy: G;
  basis: KpiBasis;
  /** Sorted by key. With `groupBy: 'day'`, every day of the range has a row, zero when it had no lead. */
  rows: KpiRow<G>[];
  totals: KpiFigures;
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

const keyOfCell: Record<KpiGroupBy, (cell: DailyCell) => string> = {
  source: (cell) => cell.source,
  site: (cell) => cell.siteId,
  channel: (cell) => cell.channel,
  day: (cell) => cell.date,
};

/** Sums of a group of cells: the measures and the merged wait distributions. */
interface CellSums extends CellMeasures {
  business: Map<number, number>;
  raw: Map<number, number>;
  spendCents: number;
}

/**
 * Builds a KPI report from the stored daily cells of the requested basis, and from the tenant's spend when a
 * spend store is given. Cells and spend of sites outside `query.sites` are left out, and `unassigned` leads
 * are visible only to callers that see every site.
 */
export async function readKpis<G extends KpiGroupBy>(
  aggregates: AggregateStore,
  query: KpiQuery<G>,
  spendStore?: SpendStore,
): Promise<KpiReport<G>> {
  // Whole months are read because spend without site is spread by the sites' share of the month's leads.
  const months = monthsCovering(query.from, query.to);
  const monthCells = await aggregates.readDays(query.tenantId, months.from, months.to);
  const cells = monthCells.filter((cell) => cell.date >= query.from && cell.date <= query.to);
  const visible = cells.filter((cell) => cell.basis === query.basis && isVisible(cell.siteId, query));
  const spendRows = spendStore
    ? await spendStore.readMonths(query.tenantId, months.from.slice(0, 7), months.to.slice(0, 7))
    : [];
  const spend = allocateSpend(spendRows, monthCells, query.from, query.to).filter((entry) =>
    isVisible(entry.siteId, query),
  );

  const sumsByKey = new Map<string, CellSums>();
  if (query.groupBy === 'day') {
    for (const day of eachDay(query.from, query.to)) {
      sumsByKey.set(day, emptySums());
    }
  }
  const keyOf = keyOfCell[query.groupBy];
  const totals = emptySums();
  for (const cell of visible) {
    const key = keyOf(cell);
    const sums = sumsByKey.get(key) ?? emptySums();
    addCell(sums, cell);
    addCell(totals, cell);
    sumsByKey.set(key, sums);
  }
  const spendKeyOf = spendKeyOfEntry[query.groupBy];
  for (const entry of spend) {
    totals.spendCents += entry.cents;
    if (spendKeyOf !== undefined) {
      const key = spendKeyOf(entry);
      const sums = sumsByKey.get(key) ?? emptySums();
      sums.spendCents += entry.cents;
      sumsByKey.set(key, sums);
    }
  }
  const withCost = (sums: CellSums, hasCost: boolean) => ({
    ...figuresOf(sums, query.basis),
    cost: hasCost ? costOf(sums, query.basis) : null,
  });

  // Keys are ids and ISO dates, so plain code-unit order is the intended order (no locale collation).
  const rows = [...sumsByKey]
    .sort(([left], [right]) => compareStrings(left, right))
    .map(([key, sums]) => ({ [query.groupBy]: key, ...withCost(sums, spendKeyOf !== undefined) }) as KpiRow<G>);
  return {
    from: query.from,
    to: query.to,
    groupBy: query.groupBy,
    basis: query.basis,
    rows,
    totals: withCost(totals, true),
  };
}

/** Group key of allocated spend; channel has none, because spend is not entered per channel. */
const spendKeyOfEntry: Record<KpiGroupBy, ((entry: DailySpend) => string) | undefined> = {
  source: (entry) => entry.source,
  site: (entry) => entry.siteId,
  channel: undefined,
  day: (entry) => entry.date,
};

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
