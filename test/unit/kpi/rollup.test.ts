import { describe, expect, it } from 'vitest';
import { mergeHistograms, rollUpDaySite, rollUpMonth } from '#shared/kpi/rollup';
import { aDailyCell } from '#test/unit/kpi/cells';

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

describe('rollUpMonth', () => {
  it('sums each key over its month and dates it on the first day', () => {
    const cells = [
      aDailyCell({ date: '2026-10-01', leads: 2, salespersonId: 's-1', ttfcRawHistogram: [[10, 2]] }),
      aDailyCell({ date: '2026-10-15', leads: 3, salespersonId: 's-1', calls: 4, ttfcRawHistogram: [[5, 1]] }),
      aDailyCell({ date: '2026-10-15', leads: 1, salespersonId: 's-2' }),
      aDailyCell({ date: '2026-11-02', leads: 5, salespersonId: 's-1' }),
      aDailyCell({ date: '2026-10-03', basis: 'activity', leads: 7, salespersonId: 's-1' }),
    ];

    expect(rollUpMonth(cells)).toEqual([
      aDailyCell({
        date: '2026-10-01',
        leads: 5,
        calls: 4,
        salespersonId: 's-1',
        ttfcRawHistogram: [
          [5, 1],
          [10, 2],
        ],
      }),
      aDailyCell({ date: '2026-10-01', leads: 1, salespersonId: 's-2' }),
      aDailyCell({ date: '2026-11-01', leads: 5, salespersonId: 's-1' }),
      aDailyCell({ date: '2026-10-01', basis: 'activity', leads: 7, salespersonId: 's-1' }),
    ]);
  });

  it('leaves the input cells unchanged', () => {
    const first = aDailyCell({ date: '2026-10-01', ttfcRawHistogram: [[10, 1]] });
    const second = aDailyCell({ date: '2026-10-02', ttfcRawHistogram: [[20, 1]] });

    rollUpMonth([first, second]);

    expect(first).toEqual(aDailyCell({ date: '2026-10-01', ttfcRawHistogram: [[10, 1]] }));
  });
});

describe('rollUpDaySite', () => {
  it('sums every key but the day and the site', () => {
    const cells = [
      aDailyCell({ date: '2026-10-01', source: 'google-ads', leads: 2 }),
      aDailyCell({ date: '2026-10-01', source: 'meta-ads', category: 'VO', leads: 3 }),
      aDailyCell({ date: '2026-10-01', siteId: 'abbeville', leads: 1 }),
    ];
    const anyKeys = { source: '*', channel: '*', campaignId: '*', category: '*', salespersonId: '*' };

    expect(rollUpDaySite(cells)).toEqual([
      aDailyCell({ date: '2026-10-01', ...anyKeys, leads: 5 }),
      aDailyCell({ date: '2026-10-01', siteId: 'abbeville', ...anyKeys, leads: 1 }),
    ]);
  });
});
