import { describe, expect, it } from 'vitest';
import { mergeHistograms } from '#shared/kpi/rollup';

describe('mergeHistograms', () => {
  it('adds the leads of equal minutes and keeps minutes in order', () => {
    expect(
      mergeHistograms(
        [
          [0, 1],
          [5, 2],
          [90, 1],
        ],
        [
          [5, 1],
          [30, 4],
          [120, 1],
        ],
      ),
    ).toEqual([
      [0, 1],
      [5, 3],
      [30, 4],
      [90, 1],
      [120, 1],
    ]);
  });

  it('returns the other histogram when one is empty', () => {
    expect(mergeHistograms([], [[5, 1]])).toEqual([[5, 1]]);
    expect(mergeHistograms([[5, 1]], [])).toEqual([[5, 1]]);
  });
});
