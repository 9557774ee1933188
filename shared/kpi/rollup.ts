/**
 * Sums of KPI cells as objects. Every measure is a count or a sum, and histograms merge by adding the leads of
 * equal minutes, so a sum gives exactly the figures of the cells it adds, medians included. The stored rollups
 * are computed on columnar tables instead (cell-table.ts).
 */
import { CELL_MEASURES, type DailyCell, type MinuteHistogram } from './aggregates';

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
