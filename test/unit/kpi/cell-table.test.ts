import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { DailyCell } from '#shared/kpi/aggregates';
import { blocksOfMonth, DAY_GRAINS, FULL_GRAIN, GRAINS, grainFor, grainId } from '#shared/kpi/blocks';
import { decodeTable, encodeTable } from '#shared/kpi/cell-codec';
import { cellsOfTable, concatTables, partitionTable, rollUpTable, tableOfCells } from '#shared/kpi/cell-table';
import { addCellInto } from '#shared/kpi/rollup';
import { aDailyCell } from '#test/unit/kpi/cells';

const anyKeys = { source: '*', channel: '*', campaignId: '*', category: '*', salespersonId: '*' };

describe('rollUpTable', () => {
  it('sums each kept key over its month and dates it on the given day', () => {
    const cells = [
      aDailyCell({ date: '2026-10-01', leads: 2, salespersonId: 's-1', ttfcRawHistogram: [[10, 2]] }),
      aDailyCell({ date: '2026-10-15', leads: 3, salespersonId: 's-1', calls: 4, ttfcRawHistogram: [[5, 1]] }),
      aDailyCell({ date: '2026-10-15', leads: 1, salespersonId: 's-2', ttfcRawHistogram: [[10, 1]] }),
      aDailyCell({ date: '2026-10-20', leads: 4, source: 'meta-ads', salespersonId: 's-1' }),
    ];

    const rolled = rollUpTable(tableOfCells('cohort', cells), {
      keep: ['salespersonId'],
      keepDate: false,
      date: '2026-10-01',
    });

    expect(cellsOfTable(rolled)).toEqual([
      aDailyCell({
        date: '2026-10-01',
        ...anyKeys,
        salespersonId: 's-1',
        leads: 9,
        calls: 4,
        ttfcRawHistogram: [
          [5, 1],
          [10, 2],
        ],
      }),
      aDailyCell({ date: '2026-10-01', ...anyKeys, salespersonId: 's-2', leads: 1, ttfcRawHistogram: [[10, 1]] }),
    ]);
  });

  it('keeps each day when asked and sums every key but the day and the site', () => {
    const cells = [
      aDailyCell({ date: '2026-10-01', source: 'google-ads', leads: 2 }),
      aDailyCell({ date: '2026-10-01', source: 'meta-ads', category: 'VO', leads: 3 }),
      aDailyCell({ date: '2026-10-01', siteId: 'abbeville', leads: 1 }),
      aDailyCell({ date: '2026-10-02', leads: 6 }),
    ];

    expect(cellsOfTable(rollUpTable(tableOfCells('cohort', cells), { keep: [], keepDate: true }))).toEqual([
      aDailyCell({ date: '2026-10-01', ...anyKeys, leads: 5 }),
      aDailyCell({ date: '2026-10-01', siteId: 'abbeville', ...anyKeys, leads: 1 }),
      aDailyCell({ date: '2026-10-02', ...anyKeys, leads: 6 }),
    ]);
  });

  it('gives the sums that adding the cells one by one gives, for any cells and grain', () => {
    const cellArbitrary = fc.record({
      date: fc.constantFrom('2026-10-01', '2026-10-02', '2026-10-31'),
      siteId: fc.constantFrom('amiens-nord', 'abbeville'),
      source: fc.constantFrom('google-ads', 'meta-ads', 'website'),
      campaignId: fc.constantFrom('', 'c-1'),
      category: fc.constantFrom('VN', 'VO'),
      salespersonId: fc.constantFrom('', 's-1', 's-2'),
      leads: fc.integer({ min: 0, max: 50 }),
      revenueCents: fc.integer({ min: 0, max: 10_000_000 }),
      business: fc.array(fc.tuple(fc.integer({ min: 0, max: 5000 }), fc.integer({ min: 1, max: 9 })), {
        maxLength: 4,
      }),
    });
    fc.assert(
      fc.property(fc.array(cellArbitrary, { maxLength: 30 }), fc.constantFrom(...GRAINS), (drawn, keep) => {
        const cells = drawn.map(({ business, ...fields }) =>
          aDailyCell({ ...fields, ttfcBusinessHistogram: normalised(business) }),
        );
        const expected = new Map<string, DailyCell>();
        for (const cell of cells) {
          const key = {
            ...cell,
            ...anyKeys,
            ...Object.fromEntries(keep.map((dimension) => [dimension, cell[dimension]])),
          };
          const id = [key.date, key.siteId, key.source, key.campaignId, key.category, key.salespersonId].join('|');
          const target = expected.get(id);
          if (target === undefined) {
            expected.set(id, { ...key, ttfcBusinessHistogram: [...cell.ttfcBusinessHistogram] });
          } else {
            addCellInto(target, cell);
          }
        }

        const rolled = cellsOfTable(rollUpTable(tableOfCells('cohort', cells), { keep, keepDate: true }));

        expect(rolled).toEqual([...expected.values()]);
      }),
    );
  });
});

describe('encodeTable', () => {
  it('decodes to a table with the same cells', () => {
    const cells = [
      aDailyCell({
        date: '2026-10-01',
        leads: 3,
        revenueCents: 4_000_000_000,
        ttfcBusinessHistogram: [[0, 1]],
        ttfcRawHistogram: [[7, 2]],
      }),
      aDailyCell({ date: '2026-10-02', siteId: 'abbeville', salespersonId: 's-1', grossMarginCents: -12_345 }),
    ];

    expect(cellsOfTable(decodeTable('cohort', encodeTable(tableOfCells('cohort', cells))))).toEqual(cells);
  });
});

describe('concatTables', () => {
  it('keeps every row of every table with its own key values', () => {
    const first = [aDailyCell({ date: '2026-10-01', source: 'google-ads', leads: 1 })];
    const second = [
      aDailyCell({ date: '2026-10-02', source: 'meta-ads', leads: 2 }),
      aDailyCell({ date: '2026-10-01', source: 'google-ads', leads: 3 }),
    ];

    const table = concatTables('cohort', [tableOfCells('cohort', first), tableOfCells('cohort', second)]);

    expect(cellsOfTable(table)).toEqual([...first, ...second]);
  });
});

describe('partitionTable', () => {
  it('splits rows by value in their order', () => {
    const cells = [
      aDailyCell({ date: '2026-10-01', leads: 1 }),
      aDailyCell({ date: '2026-10-02', leads: 2 }),
      aDailyCell({ date: '2026-10-01', leads: 3 }),
    ];

    const parts = partitionTable(tableOfCells('cohort', cells), 'date');

    expect(new Map([...parts].map(([date, table]) => [date, cellsOfTable(table)]))).toEqual(
      new Map([
        ['2026-10-01', [cells[0], cells[2]]],
        ['2026-10-02', [cells[1]]],
      ]),
    );
  });
});

describe('partitionTable of a daily rollup', () => {
  it('gives each value its daily series', () => {
    const cells = [
      aDailyCell({ date: '2026-10-01', source: 'google-ads', category: 'VN', leads: 1 }),
      aDailyCell({ date: '2026-10-01', source: 'google-ads', category: 'VO', leads: 2 }),
      aDailyCell({ date: '2026-10-02', source: 'meta-ads', leads: 4 }),
    ];

    const daily = rollUpTable(tableOfCells('cohort', cells), { keep: ['source'], keepDate: true });
    const series = partitionTable(daily, 'source');

    expect(new Map([...series].map(([value, table]) => [value, cellsOfTable(table)]))).toEqual(
      new Map([
        ['google-ads', [aDailyCell({ date: '2026-10-01', ...anyKeys, source: 'google-ads', leads: 3 })]],
        ['meta-ads', [aDailyCell({ date: '2026-10-02', ...anyKeys, source: 'meta-ads', leads: 4 })]],
      ]),
    );
  });
});

describe('grainFor', () => {
  it('names the stored grain of up to two dimensions and the full cells beyond', () => {
    expect({
      none: grainFor(new Set()),
      one: grainFor(new Set(['salespersonId'])),
      two: grainFor(new Set(['category', 'source'])),
      three: grainFor(new Set(['category', 'source', 'channel'])),
    }).toEqual({
      none: 'site',
      one: 'site+salespersonId',
      two: 'site+source+category',
      three: FULL_GRAIN,
    });
  });
});

describe('blocksOfMonth', () => {
  it('gives day blocks for the replaced days only, and month and series blocks of the whole month', () => {
    const cells = [
      aDailyCell({ date: '2026-10-01', source: 'google-ads', leads: 1 }),
      aDailyCell({ date: '2026-10-02', source: 'meta-ads', leads: 2 }),
    ];

    const blocks = blocksOfMonth('2026-10', tableOfCells('cohort', cells), new Set(['2026-10-02']));

    const summary = blocks.map(
      (block) => `${block.level} ${block.grain}${block.value === undefined ? '' : `=${block.value}`} ${block.period}`,
    );
    expect(summary.sort()).toEqual(
      [
        `day ${FULL_GRAIN} 2026-10-02`,
        ...DAY_GRAINS.map((keep) => `day ${grainId(keep)} 2026-10-02`),
        `month ${FULL_GRAIN} 2026-10`,
        ...GRAINS.map((keep) => `month ${grainId(keep)} 2026-10`),
        'series site 2026-10',
        'series source=google-ads 2026-10',
        'series source=meta-ads 2026-10',
        'series campaignId=cmp-1 2026-10',
        'series channel=lead-form 2026-10',
        'series category=VN 2026-10',
      ].sort(),
    );
  });
});

/** Sorts pairs by minutes and adds the leads of equal minutes, as stored histograms are. */
function normalised(pairs: [number, number][]): [number, number][] {
  const merged = new Map<number, number>();
  for (const [minutes, leads] of pairs) {
    merged.set(minutes, (merged.get(minutes) ?? 0) + leads);
  }
  return [...merged].sort(([left], [right]) => left - right);
}
