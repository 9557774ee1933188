/** The KPI report of `GET /v1/kpis`: the caller's scope and the request's parameters turned into a `readKpis` query. */
import type { Caller } from '#shared/api/caller';
import type { TenantRepository } from '#shared/tenant/repository';
import type { AggregateStore } from './aggregates';
import { type KpiGroupBy, type KpiQuery, type KpiQueryParams, type KpiReport, readKpis } from './read';
import type { SpendStore } from './spend';

export interface KpiReportDeps {
  aggregates: AggregateStore;
  spend: SpendStore;
  tenants: TenantRepository;
}

/**
 * Builds the KPI report that a caller requested, over the sites of the caller's token. A salesperson sees
 * only the figures of the leads and events assigned to them. The tenant's team list is read only when the
 * report groups or filters by team.
 */
export async function getKpiReport(
  deps: KpiReportDeps,
  caller: Caller,
  params: KpiQueryParams,
): Promise<KpiReport<KpiGroupBy>> {
  const { from, to, groupBy, basis, site, compare, ...filters } = params;
  const needsTeams = groupBy === 'team' || filters.team !== undefined;
  const team = needsTeams ? ((await deps.tenants.get(caller.tenantId))?.team ?? []) : [];
  const query: KpiQuery = {
    tenantId: caller.tenantId,
    from,
    to,
    groupBy,
    basis,
    sites: caller.sites === '*' ? '*' : [...caller.sites],
    ...(site === undefined ? {} : { site }),
    ...(compare === undefined ? {} : { compare }),
    filters: caller.role === 'salesperson' ? { ...filters, salesperson: caller.salespersonId ?? '' } : filters,
    teams: new Map(team.map((member) => [member.salespersonId, member.team])),
  };

  return readKpis(deps.aggregates, query, deps.spend);
}
