/** KPI reports read from the aggregate store, for the KPI API. */
import { z } from 'zod';
import { identifierSchema } from '#shared/tenant/model';
import { type AggregateStore, type DailyCell, UNASSIGNED_SITE } from './aggregates';
import { addMonths, eachDay, isCalendarDate } from './dates';

export const KPI_GROUP_BY = ['source', 'site', 'day'] as const;
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
  /** Sites the caller may see; `*` is every site, including `unassigned` (leads with no site). */
  sites: string[] | '*';
  /** Restricts the report to one site, within `sites`. */
  site?: string;
}

/** One report row: the group's key under the `groupBy` name (`{ source: 'google-ads', leads: 12 }`). */
export type KpiRow<G extends KpiGroupBy = KpiGroupBy> = G extends KpiGroupBy
  ? Record<G, string> & { leads: number }
  : never;

export interface KpiReport<G extends KpiGroupBy = KpiGroupBy> {
  from: string;
  to: string;
  groupBy: G;
  /** Sorted by key. With `groupBy: 'day'`, every day of the range has a row, zero when it had no lead. */
  rows: KpiRow<G>[];
  totals: { leads: number };
}

const calendarDate = z.string().refine(isCalendarDate, { message: 'must be a calendar date as YYYY-MM-DD' });

/** Query string parameters of the KPI endpoint. `to` is at most 13 months after `from`, minus one day. */
export const kpiQueryParamsSchema = z
  .object({
    from: calendarDate,
    to: calendarDate,
    groupBy: z.enum(KPI_GROUP_BY),
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
  day: (cell) => cell.date,
};

/**
 * Builds a KPI report from the stored daily cells. Cells of sites outside `query.sites` are left out, and
 * `unassigned` leads are visible only to callers that see every site.
 */
export async function readKpis<G extends KpiGroupBy>(
  aggregates: AggregateStore,
  query: KpiQuery<G>,
): Promise<KpiReport<G>> {
  const cells = await aggregates.readDays(query.tenantId, query.from, query.to);
  const visible = cells.filter((cell) => isVisible(cell.siteId, query));

  const leadsByKey = new Map<string, number>();
  if (query.groupBy === 'day') {
    for (const day of eachDay(query.from, query.to)) {
      leadsByKey.set(day, 0);
    }
  }
  const keyOf = keyOfCell[query.groupBy];
  for (const cell of visible) {
    const key = keyOf(cell);
    leadsByKey.set(key, (leadsByKey.get(key) ?? 0) + cell.leads);
  }

  // Keys are ids and ISO dates, so plain code-unit order is the intended order (no locale collation).
  const rows = [...leadsByKey]
    .sort(([left], [right]) => compareStrings(left, right))
    .map(([key, leads]) => ({ [query.groupBy]: key, leads }) as KpiRow<G>);
  return {
    from: query.from,
    to: query.to,
    groupBy: query.groupBy,
    rows,
    totals: { leads: visible.reduce((total, cell) => total + cell.leads, 0) },
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
