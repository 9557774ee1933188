/** Comparison of a KPI report with the previous period or the same period a year before. */
import { addDays, addMonths, daysInRange } from './dates';

export const KPI_COMPARISONS = ['previous-period', 'previous-year'] as const;
export type KpiComparison = (typeof KPI_COMPARISONS)[number];

/** A range of local dates, both included. */
export interface DateRange {
  from: string;
  to: string;
}

/**
 * Range that a report over `range` is compared with. `previous-period`: the same number of days, ending the
 * day before `from`. `previous-year`: the same dates one year earlier, where 29 February becomes 28 February.
 */
export function comparisonRange(range: DateRange, comparison: KpiComparison): DateRange {
  if (comparison === 'previous-year') {
    return { from: addMonths(range.from, -12), to: addMonths(range.to, -12) };
  }
  const days = daysInRange(range.from, range.to);
  return { from: addDays(range.from, -days), to: addDays(range.from, -1) };
}

/**
 * Day of the comparison range that a day of the report is compared with: the day as many days after the
 * comparison's start (`previous-period`), or the same date a year earlier (`previous-year`).
 */
export function comparisonDay(day: string, range: DateRange, comparison: KpiComparison): string {
  if (comparison === 'previous-year') {
    return addMonths(day, -12);
  }
  return addDays(day, -daysInRange(range.from, range.to));
}

/** Change of one figure from the comparison to the report. */
export interface FigureChange {
  /** current − previous, rounded to 4 decimals; null when either figure is null. */
  absolute: number | null;
  /** (current − previous) / previous, rounded to 4 decimals; null when previous is 0 or null. */
  relative: number | null;
}

/** Changes of every numeric figure, by the figure's dotted path (`leads`, `rates.closeRate`, `cost.spend`). */
export type FigureChanges = Record<string, FigureChange>;

/**
 * Computes the change of every numeric or null figure of `current` from `previous`. Nested objects give
 * dotted paths, and an object that is null on one side (such as `cost`) gives null changes for its figures.
 */
export function figureChanges(current: object, previous: object): FigureChanges {
  const changes: FigureChanges = {};
  collectChanges(changes, '', current, previous);
  return changes;
}

function collectChanges(changes: FigureChanges, prefix: string, current: unknown, previous: unknown): void {
  const currentObject = isRecord(current) ? current : undefined;
  const previousObject = isRecord(previous) ? previous : undefined;
  if (currentObject === undefined && previousObject === undefined) {
    changes[prefix] = changeOf(asFigure(current), asFigure(previous));
    return;
  }
  const names = new Set([...Object.keys(currentObject ?? {}), ...Object.keys(previousObject ?? {})]);
  for (const name of names) {
    const path = prefix === '' ? name : `${prefix}.${name}`;
    collectChanges(changes, path, currentObject?.[name] ?? null, previousObject?.[name] ?? null);
  }
}

function changeOf(current: number | null, previous: number | null): FigureChange {
  if (current === null || previous === null) {
    return { absolute: null, relative: null };
  }
  const difference = current - previous;
  return {
    absolute: roundTo4(difference),
    relative: previous === 0 ? null : roundTo4(difference / previous),
  };
}

function asFigure(value: unknown): number | null {
  return typeof value === 'number' && Number.isFinite(value) ? value : null;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function roundTo4(value: number): number {
  return Math.round(value * 10_000) / 10_000;
}
