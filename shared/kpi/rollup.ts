/**
 * Month rollups of daily KPI cells, so that a report over 13 months reads about 13 stored blocks per basis
 * instead of 400 days. Every measure is a count or a sum, and histograms merge by adding the leads of equal
 * minutes, so a rollup gives exactly the figures of the days it sums, medians included.
 */
import { ANY_KEY, CELL_MEASURES, type DailyCell, type MinuteHistogram, type RollupGrain } from './aggregates';

/** Sums cells of equal key, where `keyOf` decides which fields make the key and `base` sets the merged cell's fields. */
function rollUp(
  cells: readonly DailyCell[],
  keyOf: (cell: DailyCell) => string,
  base: (cell: DailyCell) => DailyCell,
): DailyCell[] {
  const merged = new Map<string, DailyCell>();
  for (const cell of cells) {
    const key = keyOf(cell);
    const target = merged.get(key);
    if (target === undefined) {
      merged.set(key, {
        ...base(cell),
        ttfcBusinessHistogram: [...cell.ttfcBusinessHistogram],
        ttfcRawHistogram: [...cell.ttfcRawHistogram],
      });
      continue;
    }
    addCellInto(target, cell);
  }
  return [...merged.values()];
}

/** Adds the measures and histograms of `cell` into `target`. */
export function addCellInto(target: DailyCell, cell: DailyCell): void {
  for (const measure of CELL_MEASURES) {
    target[measure] += cell[measure];
  }
  target.ttfcBusinessHistogram = mergeHistograms(target.ttfcBusinessHistogram, cell.ttfcBusinessHistogram);
  target.ttfcRawHistogram = mergeHistograms(target.ttfcRawHistogram, cell.ttfcRawHistogram);
}

/** Merges two histograms in ascending order of minutes, adding the leads of equal minutes. */
export function mergeHistograms(left: MinuteHistogram, right: MinuteHistogram): MinuteHistogram {
  if (right.length === 0) {
    return left;
  }
  if (left.length === 0) {
    return [...right];
  }
  const merged: MinuteHistogram = [];
  let leftIndex = 0;
  let rightIndex = 0;
  while (leftIndex < left.length || rightIndex < right.length) {
    const leftPair = left[leftIndex];
    const rightPair = right[rightIndex];
    if (rightPair === undefined || (leftPair !== undefined && leftPair[0] < rightPair[0])) {
      merged.push([...(leftPair as [number, number])]);
      leftIndex += 1;
    } else if (leftPair === undefined || rightPair[0] < leftPair[0]) {
      merged.push([...rightPair]);
      rightIndex += 1;
    } else {
      merged.push([leftPair[0], leftPair[1] + rightPair[1]]);
      leftIndex += 1;
      rightIndex += 1;
    }
  }
  return merged;
}

/** Sums the cells of each key over its month; the merged cells are dated on the first day of the month. */
export function rollUpMonth(cells: readonly DailyCell[]): DailyCell[] {
  return rollUp(
    cells,
    (cell) =>
      [
        cell.basis,
        cell.date.slice(0, 7),
        cell.siteId,
        cell.source,
        cell.channel,
        cell.campaignId,
        cell.category,
        cell.salespersonId,
      ].join('\u0000'),
    (cell) => ({ ...cell, date: `${cell.date.slice(0, 7)}-01` }),
  );
}

/** Sums the cells of each basis, day and site over every other dimension, which become `*`. */
export function rollUpDaySite(cells: readonly DailyCell[]): DailyCell[] {
  return rollUp(
    cells,
    (cell) => [cell.basis, cell.date, cell.siteId].join('\u0000'),
    (cell) => ({
      ...cell,
      source: ANY_KEY,
      channel: ANY_KEY,
      campaignId: ANY_KEY,
      category: ANY_KEY,
      salespersonId: ANY_KEY,
    }),
  );
}

/** The rollup of `grain`. */
export function rollUpCells(grain: RollupGrain, cells: readonly DailyCell[]): DailyCell[] {
  return grain === 'month' ? rollUpMonth(cells) : rollUpDaySite(cells);
}
