import { describe, expect, it } from 'vitest';
import { decodeCells, encodeCells } from '#shared/kpi/cell-codec';
import { aDailyCell } from '#test/unit/kpi/cells';

describe('encodeCells', () => {
  it('round-trips keys, measures and histograms', () => {
    const cells = [
      aDailyCell({
        date: '2026-10-01',
        salespersonId: 's-1',
        leads: 3,
        calls: 7,
        revenueCents: 4_500_000_000,
        grossMarginCents: -150_000,
        ttfcBusinessHistogram: [
          [5, 2],
          [85, 1],
        ],
        ttfcRawHistogram: [[2_310, 1]],
      }),
      aDailyCell({ date: '2026-10-02', siteId: 'unassigned', campaignId: '', leads: 1 }),
    ];

    expect(decodeCells('cohort', encodeCells(cells))).toEqual(cells);
  });

  it('round-trips an empty block', () => {
    expect(decodeCells('activity', encodeCells([]))).toEqual([]);
  });

  it('rejects a count outside the Int32 range', () => {
    expect(() => encodeCells([aDailyCell({ date: '2026-10-01', leads: 2 ** 31 })])).toThrow(RangeError);
  });

  it('rejects a body that does not match its header', () => {
    const first = encodeCells([aDailyCell({ date: '2026-10-01' })]);
    const second = encodeCells([aDailyCell({ date: '2026-10-01' }), aDailyCell({ date: '2026-10-02' })]);

    expect(() => decodeCells('cohort', { header: first.header, body: second.body })).toThrow(/bytes, expected/);
  });
});
