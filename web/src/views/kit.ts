/** What every view receives and the helpers that several views share. */
import { getReport, type Report } from '../api';
import type { Child } from '../dom';
import { type Filters, kpiQuery } from '../filters';
import { formatDate } from '../format';
import { type MessageKey, t } from '../i18n';

export interface ViewContext {
  filters: Filters;
  signal: AbortSignal;
}

export interface View {
  /** Path segment of the view (`/sources`); the overview is `/`. */
  path: string;
  title: MessageKey;
  /** False for views that ignore the period (today's live counts). */
  usesPeriod?: boolean;
  /** Breakdown that the view's exports request. */
  exportGroupBy: string;
  /** Builds the view's content; rejects with `NotAvailableError` when its endpoint is missing. */
  render(context: ViewContext): Promise<Child[]>;
}

const MAX_CACHED_REPORTS = 40;
const reports = new Map<string, Promise<Report>>();

/**
 * Fetches a KPI report once per query: the overview, funnel and trend share the daily report. Failed requests
 * leave the cache so that a retry requests the report again.
 */
export function cachedReport(filters: Filters, groupBy: string, range?: { from: string; to: string }): Promise<Report> {
  const query = kpiQuery(filters, groupBy, range);
  const key = query.toString();
  let pending = reports.get(key);
  if (!pending) {
    pending = getReport(query);
    reports.set(key, pending);
    pending.catch(() => reports.delete(key));
    if (reports.size > MAX_CACHED_REPORTS) {
      const oldest = reports.keys().next().value;
      if (oldest !== undefined) {
        reports.delete(oldest);
      }
    }
  }
  return pending;
}

/** Empties the report cache, so that the next views read fresh figures. */
export function clearReportCache(): void {
  reports.clear();
}

/** The key of a report row (`source`, `site`...) as a string. */
export function rowKey(row: Record<string, unknown>, groupBy: string): string {
  const value = row[groupBy];
  return typeof value === 'string' ? value : String(value ?? '');
}

/** Label of a site id; the API uses `unassigned` for leads that no rule routed to a site. */
export function siteLabel(siteId: string): string {
  return siteId === 'unassigned' ? t('unassignedSite') : siteId;
}

/** The period as it reads inside a sentence (`du 01/12/2026 au 04/12/2026`). */
export function periodText(filters: { from: string; to: string }): string {
  return t('periodRange', { from: formatDate(filters.from), to: formatDate(filters.to) });
}
