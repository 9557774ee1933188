/**
 * Pacing: a month's additive KPIs to date, projected to the month end at the rate of the days already
 * covered by the nightly aggregates.
 */
import * as z from 'zod';
import type { Caller } from '#shared/api/caller';
import type { TenantRepository } from '#shared/tenant/repository';
import type { AggregateStore } from './aggregates';
import { addDays, dateInTimeZone, daysInRange } from './dates';
import { type KpiFigures, readKpis } from './read';
import { monthsCovering, type SpendStore } from './spend';
import { loadTenant, monthSchema, TARGET_KPIS, type TargetKpi } from './targets';

/** `closed`: the month is over; `current`: it contains today; `future`: it has not started. */
export type MonthStatus = 'closed' | 'current' | 'future';

/** Progress of a month on a given day, in one time zone. */
export interface MonthProgress {
  month: string;
  status: MonthStatus;
  /** IANA time zone that decides which day is today. */
  timeZone: string;
  /** Today's date in `timeZone`. */
  today: string;
  daysInMonth: number;
  /**
   * Whole days of the month before today, which the nightly aggregates cover: 0 on the first of the month
   * and for a future month, every day for a closed month.
   */
  elapsedDays: number;
  /** First and last dates of the elapsed days, or null when no day has elapsed. */
  covered: { from: string; to: string } | null;
}

/**
 * Returns the progress of `month` at `now` in `timeZone`. Today is not counted as elapsed because the nightly
 * job has not aggregated it yet.
 */
export function monthProgress(month: string, now: Date, timeZone: string): MonthProgress {
  const today = dateInTimeZone(now, timeZone);
  const { from: monthStart, to: monthEnd } = monthsCovering(`${month}-01`, `${month}-01`);
  const daysInMonth = daysInRange(monthStart, monthEnd);
  const base = { month, timeZone, today, daysInMonth };
  if (today > monthEnd) {
    return { ...base, status: 'closed', elapsedDays: daysInMonth, covered: { from: monthStart, to: monthEnd } };
  }
  if (today < monthStart) {
    return { ...base, status: 'future', elapsedDays: 0, covered: null };
  }
  const elapsedDays = daysInRange(monthStart, today) - 1;
  return {
    ...base,
    status: 'current',
    elapsedDays,
    covered: elapsedDays === 0 ? null : { from: monthStart, to: addDays(today, -1) },
  };
}

/**
 * Projects a month-to-date value of an additive KPI to the month end: `monthToDate / elapsedDays ×
 * daysInMonth`, rounded to 2 decimals. A closed month returns its value as it is. Returns null when no day
 * has elapsed or the value is unknown.
 */
export function projectToMonthEnd(monthToDate: number | null, progress: MonthProgress): number | null {
  if (monthToDate === null || progress.elapsedDays === 0) {
    return null;
  }
  if (progress.status === 'closed') {
    return monthToDate;
  }
  return Math.round((monthToDate / progress.elapsedDays) * progress.daysInMonth * 100) / 100;
}

/** KPIs that pacing projects: the additive ones that managers track against a monthly objective. */
export const PACED_KPIS = ['leads', 'sales', 'revenue', 'grossMargin', 'spend'] as const satisfies TargetKpi[];
export type PacedKpi = (typeof PACED_KPIS)[number];

/** A paced KPI: its value over the elapsed days and its projection to the month end. */
export interface PacedFigure {
  monthToDate: number;
  projected: number | null;
}
export type PacedFigures = Record<PacedKpi, PacedFigure>;

export interface PacingReport extends MonthProgress {
  /** One row per site with figures in the month, sorted by site id. */
  rows: (PacedFigures & { site: string })[];
  totals: PacedFigures;
}

export const pacingQuerySchema = z.object({ month: monthSchema });

/**
 * Reads the month-to-date figures of the paced KPIs by site and for the caller's sites together, and projects
 * them to the month end. Leads and spend come from the cohort basis and sales, revenue and gross margin from
 * the activity basis, as for targets. The tenant's default time zone decides which day is today.
 */
export async function readPacing(
  deps: { aggregates: AggregateStore; spend: SpendStore; tenants: TenantRepository; now: Date },
  caller: Caller,
  month: string,
): Promise<PacingReport> {
  const tenant = await loadTenant(deps.tenants, caller.tenantId);
  const progress = monthProgress(month, deps.now, tenant.defaultTimeZone);
  if (progress.covered === null) {
    return { ...progress, rows: [], totals: pacedFigures(() => 0, progress) };
  }

  const query = {
    tenantId: caller.tenantId,
    ...progress.covered,
    groupBy: 'site' as const,
    sites: caller.sites === '*' ? ('*' as const) : [...caller.sites],
  };
  const [cohort, activity] = await Promise.all([
    readKpis(deps.aggregates, { ...query, basis: 'cohort' }, deps.spend),
    readKpis(deps.aggregates, { ...query, basis: 'activity' }, deps.spend),
  ]);

  const sites = [...new Set([...cohort.rows, ...activity.rows].map((row) => row.site))].sort();
  const rows = sites.map((site) => {
    const reports = {
      cohort: cohort.rows.find((row) => row.site === site),
      activity: activity.rows.find((row) => row.site === site),
    };
    return { site, ...pacedFigures((kpi) => valueIn(reports[TARGET_KPIS[kpi].basis], kpi), progress) };
  });
  const totals = { cohort: cohort.totals, activity: activity.totals };
  return { ...progress, rows, totals: pacedFigures((kpi) => valueIn(totals[TARGET_KPIS[kpi].basis], kpi), progress) };
}

function valueIn(figures: KpiFigures | undefined, kpi: PacedKpi): number {
  return figures === undefined ? 0 : (TARGET_KPIS[kpi].valueOf(figures) ?? 0);
}

function pacedFigures(monthToDateOf: (kpi: PacedKpi) => number, progress: MonthProgress): PacedFigures {
  const entries = PACED_KPIS.map((kpi) => {
    const monthToDate = monthToDateOf(kpi);
    return [kpi, { monthToDate, projected: projectToMonthEnd(monthToDate, progress) }];
  });
  return Object.fromEntries(entries) as PacedFigures;
}
