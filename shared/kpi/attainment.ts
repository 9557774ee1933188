/**
 * Attainment of the targets: each target of a month next to the actual value of its KPI, read from the
 * nightly aggregates through `readKpis`, and, for the current month, its projection to the month end.
 */
import * as z from 'zod';
import type { Caller } from '#shared/api/caller';
import type { TenantRepository } from '#shared/tenant/repository';
import type { AggregateStore, KpiBasis } from './aggregates';
import { addMonths } from './dates';
import { type MonthProgress, type MonthStatus, monthProgress, projectToMonthEnd } from './pacing';
import { type KpiFigures, type KpiQuery, MAX_KPI_RANGE_MONTHS, readKpis } from './read';
import type { SpendStore } from './spend';
import {
  canSeeTarget,
  isAttained,
  loadTenant,
  monthSchema,
  TARGET_KPIS,
  type TargetDirection,
  type TargetRow,
  type TargetStore,
} from './targets';

/** Query of `GET /v1/targets/attainment`: one `month`, or a range of months `from`..`to` of at most 13 months. */
export const attainmentQuerySchema = z
  .object({ month: monthSchema.optional(), from: monthSchema.optional(), to: monthSchema.optional() })
  .superRefine((query, context) => {
    if (query.month !== undefined) {
      if (query.from !== undefined || query.to !== undefined) {
        context.addIssue({ code: 'custom', path: ['month'], message: 'must not be combined with from and to' });
      }
      return;
    }
    if (query.from === undefined || query.to === undefined) {
      context.addIssue({ code: 'custom', path: ['month'], message: 'is required unless from and to are given' });
      return;
    }
    if (query.from > query.to) {
      context.addIssue({ code: 'custom', path: ['to'], message: 'must not be before from' });
    } else if (`${query.to}-01` >= addMonths(`${query.from}-01`, MAX_KPI_RANGE_MONTHS)) {
      context.addIssue({
        code: 'custom',
        path: ['to'],
        message: `must be within ${MAX_KPI_RANGE_MONTHS} months of from`,
      });
    }
  })
  .transform((query) => ({ from: query.month ?? query.from ?? '', to: query.month ?? query.to ?? '' }));
export type AttainmentQuery = z.infer<typeof attainmentQuerySchema>;

/** Projection of a target of the current month. */
export interface TargetPacing {
  /** The actual value projected to the month end (see `projectToMonthEnd`); null when no day has elapsed. */
  projected: number | null;
  /** Whether the projection meets the target; null when the projection is null. */
  projectedAttained: boolean | null;
}

/** One target and how far it is met. */
export interface TargetAttainment extends TargetRow {
  direction: TargetDirection;
  basis: KpiBasis;
  monthStatus: MonthStatus;
  /**
   * The KPI over the month's elapsed days (the whole month once closed). Null for a future month, on the
   * first day of a month, and when the ratio's denominator is zero.
   */
  actual: number | null;
  /** Whether `actual` meets the target; for the current month it compares the month to date. */
  attained: boolean | null;
  /** For additive KPIs of the current month only; null otherwise. */
  pacing: TargetPacing | null;
}

export interface AttainmentReport {
  from: string;
  to: string;
  /** Sorted by month, scope, scope id and KPI. */
  rows: TargetAttainment[];
}

interface AttainmentDeps {
  aggregates: AggregateStore;
  spend: SpendStore;
  targets: TargetStore;
  tenants: TenantRepository;
  now: Date;
}

/**
 * Returns the targets of the months `from`..`to` that the caller may see (see `canSeeTarget`), each with the
 * actual value of its KPI for the target's scope. Months are judged in the tenant's default time zone.
 */
export async function readAttainment(
  deps: AttainmentDeps,
  caller: Caller,
  query: AttainmentQuery,
): Promise<AttainmentReport> {
  const tenant = await loadTenant(deps.tenants, caller.tenantId);
  const stored = await deps.targets.readMonths(caller.tenantId, query.from, query.to);
  const visible = stored.filter((row) => canSeeTarget(caller, tenant, row)).sort(compareTargets);

  const teams = new Map(tenant.team.map((member) => [member.salespersonId, member.team]));
  // Targets of the same month, scope and basis share one report.
  const reports = new Map<string, Promise<KpiFigures | null>>();
  const figuresFor = (row: TargetRow, progress: MonthProgress): Promise<KpiFigures | null> => {
    const basis = TARGET_KPIS[row.kpi].basis;
    const key = [row.month, row.scope, row.scopeId ?? '', basis].join('|');
    let report = reports.get(key);
    if (report === undefined) {
      report = readScopeFigures(deps, caller.tenantId, row, basis, progress, teams);
      reports.set(key, report);
    }
    return report;
  };

  const rows = await Promise.all(
    visible.map(async (row) => {
      const progress = monthProgress(row.month, deps.now, tenant.defaultTimeZone);
      const figures = await figuresFor(row, progress);
      return attainmentOf(row, progress, figures);
    }),
  );
  return { from: query.from, to: query.to, rows };
}

function attainmentOf(row: TargetRow, progress: MonthProgress, figures: KpiFigures | null): TargetAttainment {
  const definition = TARGET_KPIS[row.kpi];
  const actual = figures === null ? null : definition.valueOf(figures);
  let pacing: TargetPacing | null = null;
  if (progress.status === 'current' && definition.additive) {
    const projected = projectToMonthEnd(actual, progress);
    pacing = { projected, projectedAttained: isAttained(row.kpi, row.target, projected) };
  }
  return {
    ...row,
    direction: definition.direction,
    basis: definition.basis,
    monthStatus: progress.status,
    actual,
    attained: isAttained(row.kpi, row.target, actual),
    pacing,
  };
}

/**
 * Reads the figures of a target's scope over the month's elapsed days, whatever sites the caller sees: the
 * caller may see the target, so they may see the figures it is measured on.
 */
async function readScopeFigures(
  deps: AttainmentDeps,
  tenantId: string,
  row: TargetRow,
  basis: KpiBasis,
  progress: MonthProgress,
  teams: ReadonlyMap<string, string>,
): Promise<KpiFigures | null> {
  if (progress.covered === null) {
    return null;
  }
  const report = await readKpis(
    deps.aggregates,
    { tenantId, ...progress.covered, groupBy: 'site', basis, sites: '*', teams, ...kpiFilterOf(row) },
    deps.spend,
  );
  return report.totals;
}

/** Returns the `readKpis` restriction of a target's scope; `readKpis` matches teams through the team list. */
function kpiFilterOf(row: TargetRow): Pick<KpiQuery, 'site' | 'filters'> {
  switch (row.scope) {
    case 'group':
      return {};
    case 'site':
      return { site: row.scopeId };
    case 'team':
      return { filters: { team: row.scopeId } };
    case 'salesperson':
      return { filters: { salesperson: row.scopeId } };
  }
}

const SCOPE_ORDER = { group: 0, site: 1, team: 2, salesperson: 3 } as const;

function compareTargets(left: TargetRow, right: TargetRow): number {
  const keys = (row: TargetRow) => [row.month, SCOPE_ORDER[row.scope], row.scopeId ?? '', row.kpi] as const;
  const [leftKeys, rightKeys] = [keys(left), keys(right)];
  for (const [index, value] of leftKeys.entries()) {
    const other = rightKeys[index] as typeof value;
    if (value !== other) {
      return value < other ? -1 : 1;
    }
  }
  return 0;
}
