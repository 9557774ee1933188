/**
 * Monthly targets of the sales managers (SMART objectives such as "90% of leads handled within one business
 * hour at Amiens Nord in June"), set per group, site, team or salesperson, for a closed list of KPIs.
 */
import * as z from 'zod';
import type { Caller } from '#shared/api/caller';
import { ForbiddenError, NotFoundError, ValidationError } from '#shared/errors';
import type { TenantConfig } from '#shared/tenant/model';
import type { TenantRepository } from '#shared/tenant/repository';
import type { KpiBasis } from './aggregates';
import type { KpiFigures } from './read';

export const TARGET_SCOPES = ['group', 'site', 'team', 'salesperson'] as const;
export type TargetScope = (typeof TARGET_SCOPES)[number];

/** `higher`: the target is attained when the actual value is at or above it; `lower`: at or below it. */
export type TargetDirection = 'higher' | 'lower';

/**
 * Unit of a KPI and so of its target. A `rate` is a ratio from 0 to 1, and a `ratio` may have any sign (ROI).
 * The others are `count`, `minutes` and `eur`.
 */
export type TargetUnit = 'count' | 'rate' | 'ratio' | 'minutes' | 'eur';

/** Definition of a target KPI: its direction, unit and basis, and its value in a KPI report. */
export interface TargetKpiDefinition {
  direction: TargetDirection;
  unit: TargetUnit;
  /**
   * Time basis of the report that gives the actual value: `cohort` for figures about the leads created in the
   * month, `activity` for what the salespeople did in the month (sales made in June, whatever the lead's date).
   */
  basis: KpiBasis;
  /** Whether month-to-date values add up day by day, so that pacing can project them to the month end. */
  additive: boolean;
  valueOf(figures: KpiFigures): number | null;
}

const rate = (read: (rates: NonNullable<KpiFigures['rates']>) => number | null): TargetKpiDefinition => ({
  direction: 'higher',
  unit: 'rate',
  basis: 'cohort',
  additive: false,
  valueOf: (figures) => (figures.rates === null ? null : read(figures.rates)),
});

/** The KPIs a target may name, keyed by the name used in requests and responses. */
export const TARGET_KPIS = {
  leads: { direction: 'higher', unit: 'count', basis: 'cohort', additive: true, valueOf: (figures) => figures.leads },
  uniqueProspects: {
    direction: 'higher',
    unit: 'count',
    basis: 'cohort',
    additive: true,
    valueOf: (figures) => figures.uniqueProspects,
  },
  contactRate: rate((rates) => rates.contactRate),
  handledRate: rate((rates) => rates.handledRate),
  handledWithinOneBusinessHourRate: rate((rates) => rates.handledWithinOneBusinessHourRate),
  appointmentRate: rate((rates) => rates.appointmentRate),
  showRate: rate((rates) => rates.showRate),
  testDriveRate: rate((rates) => rates.testDriveRate),
  closeRate: rate((rates) => rates.closeRate),
  closeRateWithin30Days: rate((rates) => rates.closeRateWithin30Days),
  closeRateWithin90Days: rate((rates) => rates.closeRateWithin90Days),
  medianTtfcBusinessMinutes: {
    direction: 'lower',
    unit: 'minutes',
    basis: 'cohort',
    additive: false,
    valueOf: (figures) => figures.timeToFirstContact.business.medianMinutes,
  },
  meanTtfcBusinessMinutes: {
    direction: 'lower',
    unit: 'minutes',
    basis: 'cohort',
    additive: false,
    valueOf: (figures) => figures.timeToFirstContact.business.meanMinutes,
  },
  appointments: {
    direction: 'higher',
    unit: 'count',
    basis: 'activity',
    additive: true,
    valueOf: (figures) => figures.appointments,
  },
  sales: { direction: 'higher', unit: 'count', basis: 'activity', additive: true, valueOf: (figures) => figures.sales },
  revenue: {
    direction: 'higher',
    unit: 'eur',
    basis: 'activity',
    additive: true,
    valueOf: (figures) => figures.revenue,
  },
  grossMargin: {
    direction: 'higher',
    unit: 'eur',
    basis: 'activity',
    additive: true,
    valueOf: (figures) => figures.grossMargin,
  },
  /** A budget: attained while the spend stays at or below it. */
  spend: {
    direction: 'lower',
    unit: 'eur',
    basis: 'cohort',
    additive: true,
    valueOf: (figures) => figures.cost?.spend ?? null,
  },
  costPerLead: {
    direction: 'lower',
    unit: 'eur',
    basis: 'cohort',
    additive: false,
    valueOf: (figures) => figures.cost?.costPerLead ?? null,
  },
  costPerSale: {
    direction: 'lower',
    unit: 'eur',
    basis: 'cohort',
    additive: false,
    valueOf: (figures) => figures.cost?.costPerSale ?? null,
  },
  roi: {
    direction: 'higher',
    unit: 'ratio',
    basis: 'cohort',
    additive: false,
    valueOf: (figures) => figures.cost?.roi ?? null,
  },
} as const satisfies Record<string, TargetKpiDefinition>;

export type TargetKpi = keyof typeof TARGET_KPIS;
export const TARGET_KPI_NAMES = Object.keys(TARGET_KPIS) as [TargetKpi, ...TargetKpi[]];

/** KPIs that need marketing spend, which KPI reports filtered by team or salesperson do not carry. */
const COST_KPIS: ReadonlySet<TargetKpi> = new Set(['spend', 'costPerLead', 'costPerSale', 'roi']);

/** Maximum rows of one `PUT /v1/targets` request; 2,000 rows take about 180 KB of JSON, below the body limit. */
export const MAX_TARGET_ROWS = 2_000;

export const monthSchema = z.string().regex(/^\d{4}-(0[1-9]|1[0-2])$/, 'must be a month YYYY-MM');

export const targetRowSchema = z
  .object({
    month: monthSchema,
    scope: z.enum(TARGET_SCOPES),
    /** Site id, team name or salesperson id as the tenant configuration names them; absent for the group. */
    scopeId: z.string().min(1).max(128).optional(),
    kpi: z.enum(TARGET_KPI_NAMES),
    /** In the KPI's unit: rates from 0 to 1, amounts in EUR, times in business minutes. */
    target: z.number().finite(),
  })
  .superRefine((row, context) => {
    if (row.scope === 'group' && row.scopeId !== undefined) {
      context.addIssue({ code: 'custom', path: ['scopeId'], message: 'must be absent for the group scope' });
    }
    if (row.scope !== 'group' && row.scopeId === undefined) {
      context.addIssue({ code: 'custom', path: ['scopeId'], message: `is required for the ${row.scope} scope` });
    }
    if ((row.scope === 'team' || row.scope === 'salesperson') && COST_KPIS.has(row.kpi)) {
      context.addIssue({
        code: 'custom',
        path: ['kpi'],
        message: `${row.kpi} is not available for the ${row.scope} scope, because spend is entered per source, campaign and site only`,
      });
    }
    const unit = TARGET_KPIS[row.kpi].unit;
    if (unit === 'rate' && (row.target < 0 || row.target > 1)) {
      context.addIssue({ code: 'custom', path: ['target'], message: `must be a rate from 0 to 1 for ${row.kpi}` });
    } else if (unit !== 'ratio' && unit !== 'rate' && row.target < 0) {
      context.addIssue({ code: 'custom', path: ['target'], message: `must not be negative for ${row.kpi}` });
    }
  });
export type TargetRow = z.infer<typeof targetRowSchema>;

/** Body of `PUT /v1/targets`: the rows replace all targets of every month they name. */
export const targetsBodySchema = z
  .object({ rows: z.array(targetRowSchema).min(1).max(MAX_TARGET_ROWS) })
  .superRefine((body, context) => {
    const seen = new Map<string, number>();
    for (const [index, row] of body.rows.entries()) {
      const key = targetKeyOf(row);
      const first = seen.get(key);
      if (first !== undefined) {
        context.addIssue({
          code: 'custom',
          path: ['rows', index],
          message: `repeats the month, scope, scopeId and kpi of rows.${first}`,
        });
      }
      seen.set(key, first ?? index);
    }
  });

/** Identity of a target: one value per month, scope, scope id and KPI. */
export function targetKeyOf(row: TargetRow): string {
  return [row.month, row.scope, row.scopeId ?? '', row.kpi].join('|');
}

export interface TargetStore {
  /** Replaces all targets of each month that `rowsByMonth` names with its rows. */
  replaceMonths(tenantId: string, rowsByMonth: Map<string, TargetRow[]>): Promise<void>;
  /** Returns the targets of every month from `fromMonth` to `toMonth` (`yyyy-mm`, both included). */
  readMonths(tenantId: string, fromMonth: string, toMonth: string): Promise<TargetRow[]>;
}

/** The months a target upload replaced and the rows it stored. */
export interface TargetUploadResult {
  months: string[];
  rows: number;
}

/**
 * Stores a tenant's targets: the rows replace all targets of the months they name, so a corrected upload of a
 * month leaves no stale target. Only group admins may set targets.
 *
 * @throws ForbiddenError for every other role.
 * @throws ValidationError when a row names a site, team or salesperson that the tenant configuration lacks.
 * @throws NotFoundError when the caller's tenant has no configuration.
 */
export async function replaceTargets(
  deps: { targets: TargetStore; tenants: TenantRepository },
  caller: Caller,
  rows: readonly TargetRow[],
): Promise<TargetUploadResult> {
  if (caller.role !== 'group-admin') {
    throw new ForbiddenError(`The ${caller.role} role cannot set targets; group admins can`);
  }
  const tenant = await loadTenant(deps.tenants, caller.tenantId);
  const known = scopeIdsOf(tenant);
  for (const [index, row] of rows.entries()) {
    if (row.scope !== 'group' && !known[row.scope].has(row.scopeId ?? '')) {
      throw new ValidationError(
        `Invalid request body: rows.${index}.scopeId: ${row.scope} ${row.scopeId} is not in the tenant configuration`,
      );
    }
  }

  const rowsByMonth = new Map<string, TargetRow[]>();
  for (const row of rows) {
    rowsByMonth.set(row.month, [...(rowsByMonth.get(row.month) ?? []), row]);
  }
  await deps.targets.replaceMonths(caller.tenantId, rowsByMonth);
  return { months: [...rowsByMonth.keys()].sort(), rows: rows.length };
}

/** Reads the tenant configuration of a caller. @throws NotFoundError when the tenant has none. */
export async function loadTenant(tenants: TenantRepository, tenantId: string): Promise<TenantConfig> {
  const tenant = await tenants.get(tenantId);
  if (!tenant) {
    throw new NotFoundError(`Tenant ${tenantId} has no configuration`);
  }
  return tenant;
}

function scopeIdsOf(tenant: TenantConfig): Record<Exclude<TargetScope, 'group'>, Set<string>> {
  return {
    site: new Set(tenant.sites.map((site) => site.siteId)),
    team: new Set(tenant.team.map((member) => member.team)),
    salesperson: new Set(tenant.team.map((member) => member.salespersonId)),
  };
}

/**
 * Whether a caller may see a target. Callers that see every site see every target. A site manager sees the
 * targets of their sites, of teams with a member at one of their sites and of salespeople of their sites,
 * but not the group's. A salesperson sees only their own targets (the token's subject is the salesperson id).
 */
export function canSeeTarget(caller: Caller, tenant: TenantConfig, row: TargetRow): boolean {
  if (caller.role === 'salesperson') {
    return row.scope === 'salesperson' && row.scopeId === (caller.salespersonId ?? caller.subject);
  }
  const sites = caller.sites;
  if (sites === '*') {
    return true;
  }
  switch (row.scope) {
    case 'group':
      return false;
    case 'site':
      return sites.includes(row.scopeId ?? '');
    case 'team':
      return tenant.team.some((member) => member.team === row.scopeId && sites.includes(member.siteId));
    case 'salesperson':
      return tenant.team.some((member) => member.salespersonId === row.scopeId && sites.includes(member.siteId));
  }
}

/** Checks an actual value against a target in the KPI's direction; returns null when the value is unknown. */
export function isAttained(kpi: TargetKpi, target: number, actual: number | null): boolean | null {
  if (actual === null) {
    return null;
  }
  return TARGET_KPIS[kpi].direction === 'higher' ? actual >= target : actual <= target;
}
