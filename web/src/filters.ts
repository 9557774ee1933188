/**
 * The dashboard's filters, kept in the URL query so that a link shows the same view: `period` (a preset or
 * `custom` with `from` and `to`), `site`, `source`, `campaign`, `category` and `basis`.
 */

export const PERIOD_PRESETS = ['this-month', 'last-month', 'last-30-days', 'this-year', 'custom'] as const;
export type PeriodPreset = (typeof PERIOD_PRESETS)[number];

export const BASES = ['cohort', 'activity'] as const;
export type Basis = (typeof BASES)[number];

export const CATEGORIES = ['VN', 'VO', 'APV', 'other'] as const;

export interface Filters {
  period: PeriodPreset;
  /** First local date of the period, `yyyy-mm-dd`. */
  from: string;
  /** Last local date of the period, included. */
  to: string;
  basis: Basis;
  site?: string;
  source?: string;
  campaign?: string;
  category?: string;
}

/** Time zone that "today" is read in: the demo group's and most French sites' zone. */
const REPORTING_TIME_ZONE = 'Europe/Paris';
const ISO_DATE = /^\d{4}-\d{2}-\d{2}$/;

/** Returns today's date in Paris as `yyyy-mm-dd`. */
export function today(now = new Date()): string {
  // en-CA formats dates as yyyy-mm-dd.
  return new Intl.DateTimeFormat('en-CA', { timeZone: REPORTING_TIME_ZONE }).format(now);
}

export function addDays(isoDate: string, days: number): string {
  const date = new Date(`${isoDate}T00:00:00Z`);
  date.setUTCDate(date.getUTCDate() + days);
  return date.toISOString().slice(0, 10);
}

/** Days from `from` to `to`, both included. */
export function dayCount(from: string, to: string): number {
  return Math.round((Date.parse(`${to}T00:00:00Z`) - Date.parse(`${from}T00:00:00Z`)) / 86_400_000) + 1;
}

/** Returns the dates of a preset period on the given day. */
export function presetRange(preset: Exclude<PeriodPreset, 'custom'>, on: string): { from: string; to: string } {
  const month = on.slice(0, 7);
  switch (preset) {
    case 'this-month':
      return { from: `${month}-01`, to: on };
    case 'last-month': {
      const lastDay = addDays(`${month}-01`, -1);
      return { from: `${lastDay.slice(0, 7)}-01`, to: lastDay };
    }
    case 'last-30-days':
      return { from: addDays(on, -29), to: on };
    case 'this-year':
      return { from: `${on.slice(0, 4)}-01-01`, to: on };
  }
}

/** The period of the same length that ends the day before `from`. */
export function previousPeriod(from: string, to: string): { from: string; to: string } {
  const length = dayCount(from, to);
  return { from: addDays(from, -length), to: addDays(from, -1) };
}

function isIsoDate(value: string | null): value is string {
  return value !== null && ISO_DATE.test(value) && !Number.isNaN(Date.parse(`${value}T00:00:00Z`));
}

/** Reads the filters from a query string; a missing or invalid value falls back to this month on the cohort basis. */
export function readFilters(search: string, on = today()): Filters {
  const params = new URLSearchParams(search);
  const requested = params.get('period');
  const from = params.get('from');
  const to = params.get('to');
  const customValid = isIsoDate(from) && isIsoDate(to) && from <= to;
  const period: PeriodPreset =
    requested === 'custom'
      ? customValid
        ? 'custom'
        : 'this-month'
      : (PERIOD_PRESETS.find((preset) => preset === requested) ?? (customValid ? 'custom' : 'this-month'));
  const range =
    period === 'custom' && customValid ? { from, to } : presetRange(period === 'custom' ? 'this-month' : period, on);
  const basis = params.get('basis') === 'activity' ? 'activity' : 'cohort';
  const filters: Filters = { period, ...range, basis };
  for (const name of ['site', 'source', 'campaign', 'category'] as const) {
    const value = params.get(name)?.trim();
    if (value) {
      filters[name] = value;
    }
  }
  return filters;
}

/** Writes the filters as a query string; presets carry no dates, so a shared link follows the calendar. */
export function writeFilters(filters: Filters): URLSearchParams {
  const params = new URLSearchParams({ period: filters.period });
  if (filters.period === 'custom') {
    params.set('from', filters.from);
    params.set('to', filters.to);
  }
  if (filters.basis !== 'cohort') {
    params.set('basis', filters.basis);
  }
  for (const name of ['site', 'source', 'campaign', 'category'] as const) {
    const value = filters[name];
    if (value) {
      params.set(name, value);
    }
  }
  return params;
}

/** Builds the query of `GET /v1/kpis` (and of its exports) for the filters and a breakdown. */
export function kpiQuery(
  filters: Filters,
  groupBy: string,
  range: { from: string; to: string } = filters,
): URLSearchParams {
  const query = new URLSearchParams({ from: range.from, to: range.to, groupBy, basis: filters.basis });
  for (const name of ['site', 'source', 'campaign', 'category'] as const) {
    const value = filters[name];
    if (value) {
      query.set(name, value);
    }
  }
  return query;
}
