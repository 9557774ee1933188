/**
 * Targets for the overview cards, from `GET /v1/targets/attainment`. Targets are set per month, so a period
 * inside one month shows that month's targets. A longer period shows only the additive ones (counts and
 * amounts), summed over its months, because a month's rate target says nothing about a quarter.
 */
import { getJson, NotAvailableError } from '../api';
import { isRecord } from '../auth';
import type { Filters } from '../filters';

export interface TargetFigure {
  target: number;
  /** Whether the actual value meets the target (month to date for the current month); null when unknown. */
  attained: boolean | null;
}

/** KPIs whose monthly targets add up over several months. */
const ADDITIVE_KPIS = new Set(['leads', 'uniqueProspects', 'appointments', 'sales', 'revenue', 'grossMargin', 'spend']);

/** Reads the targets of the period, keyed by KPI name (`leads`, `closeRate`...); empty when none is set. */
export async function readTargets(filters: Filters): Promise<Map<string, TargetFigure>> {
  const firstMonth = filters.from.slice(0, 7);
  const lastMonth = filters.to.slice(0, 7);
  const query =
    firstMonth === lastMonth
      ? new URLSearchParams({ month: firstMonth })
      : new URLSearchParams({ from: firstMonth, to: lastMonth });
  let body: unknown;
  try {
    body = await getJson(`/v1/targets/attainment?${query}`);
  } catch (error) {
    if (error instanceof NotAvailableError) {
      return new Map();
    }
    throw error;
  }
  return parseTargets(body, filters.site, firstMonth === lastMonth);
}

/**
 * Picks the targets of the group (or of the filtered site) out of an attainment report
 * (`{ rows: [{ month, scope, scopeId?, kpi, target, attained }] }`).
 */
export function parseTargets(body: unknown, site: string | undefined, singleMonth: boolean): Map<string, TargetFigure> {
  const targets = new Map<string, TargetFigure>();
  const rows = isRecord(body) && Array.isArray(body.rows) ? body.rows : [];
  for (const row of rows) {
    if (!isRecord(row) || typeof row.kpi !== 'string' || typeof row.target !== 'number') {
      continue;
    }
    const matchesScope = site ? row.scope === 'site' && row.scopeId === site : row.scope === 'group';
    if (!matchesScope || (!singleMonth && !ADDITIVE_KPIS.has(row.kpi))) {
      continue;
    }
    const attained = singleMonth && typeof row.attained === 'boolean' ? row.attained : null;
    const known = targets.get(row.kpi);
    targets.set(row.kpi, { target: (known?.target ?? 0) + row.target, attained });
  }
  return targets;
}
