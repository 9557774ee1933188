import { describe, expect, it } from 'vitest';
import { comparisonDay, comparisonRange, figureChanges } from '#shared/kpi/compare';

describe('comparisonRange', () => {
  it.each([
    ['a month of 31 days', { from: '2026-03-01', to: '2026-03-31' }, { from: '2026-01-29', to: '2026-02-28' }],
    ['one day', { from: '2026-03-01', to: '2026-03-01' }, { from: '2026-02-28', to: '2026-02-28' }],
    ['a week over a year end', { from: '2027-01-01', to: '2027-01-07' }, { from: '2026-12-25', to: '2026-12-31' }],
  ])('takes the days just before %s as the previous period', (_case, range, expected) => {
    expect(comparisonRange(range, 'previous-period')).toEqual(expected);
  });

  it.each([
    ['a month', { from: '2026-03-01', to: '2026-03-31' }, { from: '2025-03-01', to: '2025-03-31' }],
    [
      'a range ending on 29 February',
      { from: '2028-02-01', to: '2028-02-29' },
      { from: '2027-02-01', to: '2027-02-28' },
    ],
    [
      'a range starting on 29 February',
      { from: '2028-02-29', to: '2028-03-01' },
      { from: '2027-02-28', to: '2027-03-01' },
    ],
  ])('takes the same dates a year before %s as the previous year', (_case, range, expected) => {
    expect(comparisonRange(range, 'previous-year')).toEqual(expected);
  });
});

describe('comparisonDay', () => {
  it('shifts a day by the length of the range for the previous period', () => {
    expect(comparisonDay('2026-03-05', { from: '2026-03-01', to: '2026-03-10' }, 'previous-period')).toBe('2026-02-23');
  });

  it('maps 29 February to 28 February for the previous year', () => {
    expect(comparisonDay('2028-02-29', { from: '2028-02-01', to: '2028-02-29' }, 'previous-year')).toBe('2027-02-28');
  });
});

describe('figureChanges', () => {
  it('gives absolute and relative changes by dotted path', () => {
    const current = { leads: 12, rates: { closeRate: 0.3 }, cost: { spend: 150 } };
    const previous = { leads: 8, rates: { closeRate: 0.25 }, cost: { spend: 0 } };

    expect(figureChanges(current, previous)).toEqual({
      leads: { absolute: 4, relative: 0.5 },
      'rates.closeRate': { absolute: 0.05, relative: 0.2 },
      'cost.spend': { absolute: 150, relative: null },
    });
  });

  it('gives null changes when a figure or its object is null', () => {
    const current = { medianMinutes: 30, rates: null };
    const previous = { medianMinutes: null, rates: { closeRate: 0.5 } };

    expect(figureChanges(current, previous)).toEqual({
      medianMinutes: { absolute: null, relative: null },
      'rates.closeRate': { absolute: null, relative: null },
    });
  });

  it('handles a zero base and a fall', () => {
    expect(figureChanges({ sales: 3, leads: 5 }, { sales: 0, leads: 10 })).toEqual({
      sales: { absolute: 3, relative: null },
      leads: { absolute: -5, relative: -0.5 },
    });
  });
});
