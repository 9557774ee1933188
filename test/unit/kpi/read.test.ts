import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  type KpiGroupBy,
  type KpiReport,
  kpiQueryParamsSchema,
  ratio,
  readKpis,
  WaitDistribution,
} from '#shared/kpi/read';
import { aDailyCell as cellFactory } from '#test/unit/kpi/cells';
import { MemoryAggregateStore } from '#test/unit/kpi/memory-aggregate-store';

/** Cuts the report's rows and totals down to their key and lead count. */
function leadCounts<G extends KpiGroupBy>(report: KpiReport<G>) {
  const key = report.groupBy as G;
  return {
    from: report.from,
    to: report.to,
    groupBy: report.groupBy,
    rows: report.rows.map((row) => ({ [key]: (row as Record<string, unknown>)[key], leads: row.leads })),
    totals: { leads: report.totals.leads },
  };
}

async function storeWithCells(): Promise<MemoryAggregateStore> {
  const store = new MemoryAggregateStore();
  await store.replaceDays(
    'demo',
    '2026-10-01',
    '2026-10-31',
    [
      cellFactory({ date: '2026-10-01', leads: 3 }),
      cellFactory({ date: '2026-10-01', siteId: 'abbeville', source: 'meta-ads', leads: 2 }),
      cellFactory({ date: '2026-10-02', siteId: 'unassigned', source: 'website', campaignId: '', leads: 4 }),
      cellFactory({ date: '2026-10-03', siteId: 'abbeville', source: 'google-ads', category: 'VO', leads: 5 }),
      cellFactory({ date: '2026-10-31', leads: 9 }),
    ],
    { runId: 'run', finishedAt: '2026-11-01T02:00:00.000Z' },
  );
  await store.replaceDays('other', '2026-10-01', '2026-10-01', [cellFactory({ date: '2026-10-01', leads: 50 })], {
    runId: 'run',
    finishedAt: '2026-11-01T02:00:00.000Z',
  });
  return store;
}

const query = { tenantId: 'demo', from: '2026-10-01', to: '2026-10-03', basis: 'cohort' } as const;

describe('readKpis', () => {
  it('groups by source for a caller who sees every site', async () => {
    const report = await readKpis(await storeWithCells(), { ...query, groupBy: 'source', sites: '*' });

    expect(leadCounts(report)).toEqual({
      from: '2026-10-01',
      to: '2026-10-03',
      groupBy: 'source',
      rows: [
        { source: 'google-ads', leads: 8 },
        { source: 'meta-ads', leads: 2 },
        { source: 'website', leads: 4 },
      ],
      totals: { leads: 14 },
    });
  });

  it('groups by site and hides unassigned leads from a site-restricted caller', async () => {
    const report = await readKpis(await storeWithCells(), {
      ...query,
      groupBy: 'site',
      sites: ['abbeville', 'unassigned'],
    });

    expect(leadCounts(report)).toEqual({
      from: '2026-10-01',
      to: '2026-10-03',
      groupBy: 'site',
      rows: [{ site: 'abbeville', leads: 7 }],
      totals: { leads: 7 },
    });
  });

  it('shows unassigned leads to a caller who sees every site', async () => {
    const report = await readKpis(await storeWithCells(), { ...query, groupBy: 'site', sites: '*' });

    expect(leadCounts(report).rows).toEqual([
      { site: 'abbeville', leads: 7 },
      { site: 'amiens-nord', leads: 3 },
      { site: 'unassigned', leads: 4 },
    ]);
  });

  it('groups by day with a zero row for each day without leads', async () => {
    const report = await readKpis(await storeWithCells(), {
      tenantId: 'demo',
      from: '2026-09-30',
      to: '2026-10-03',
      groupBy: 'day',
      basis: 'cohort',
      sites: ['amiens-nord'],
    });

    expect(leadCounts(report)).toEqual({
      from: '2026-09-30',
      to: '2026-10-03',
      groupBy: 'day',
      rows: [
        { day: '2026-09-30', leads: 0 },
        { day: '2026-10-01', leads: 3 },
        { day: '2026-10-02', leads: 0 },
        { day: '2026-10-03', leads: 0 },
      ],
      totals: { leads: 3 },
    });
  });

  it('restricts to one site within the visible sites', async () => {
    const report = await readKpis(await storeWithCells(), {
      ...query,
      groupBy: 'source',
      sites: '*',
      site: 'abbeville',
    });

    expect(leadCounts(report).rows).toEqual([
      { source: 'google-ads', leads: 5 },
      { source: 'meta-ads', leads: 2 },
    ]);
    expect(report.totals.leads).toBe(7);
  });

  it('returns nothing for a site filter outside the visible sites', async () => {
    const report = await readKpis(await storeWithCells(), {
      ...query,
      groupBy: 'source',
      sites: ['amiens-nord'],
      site: 'abbeville',
    });

    expect(report.rows).toEqual([]);
    expect(report.totals.leads).toBe(0);
  });

  it('computes rates from summed counts, not from daily rates', async () => {
    const store = new MemoryAggregateStore();
    await store.replaceDays(
      'demo',
      '2026-10-01',
      '2026-10-02',
      [
        cellFactory({ date: '2026-10-01', leads: 1, handled: 1, sales: 1 }),
        cellFactory({ date: '2026-10-02', leads: 9, handled: 0, sales: 0 }),
      ],
      { runId: 'run', finishedAt: '2026-10-03T02:00:00.000Z' },
    );

    const report = await readKpis(store, { ...query, to: '2026-10-02', groupBy: 'source', sites: '*' });

    // The mean of the daily rates would be 0.5; the rate of the range is 1 / 10.
    expect(report.totals.rates?.handledRate).toBe(0.1);
    expect(report.totals.rates?.closeRate).toBe(0.1);
  });

  it('returns null rates for zero denominators', async () => {
    const store = new MemoryAggregateStore();
    await store.replaceDays(
      'demo',
      '2026-10-01',
      '2026-10-01',
      [cellFactory({ date: '2026-10-01', leads: 2, appointments: 1, appointmentsDue: 0 })],
      { runId: 'run', finishedAt: '2026-10-02T02:00:00.000Z' },
    );

    const report = await readKpis(store, { ...query, groupBy: 'source', sites: '*' });

    expect(report.totals.rates).toEqual({
      contactRate: 0,
      handledRate: 0,
      handledWithinOneBusinessHourRate: 0,
      appointmentRate: 0.5,
      showRate: null,
      testDriveRate: 0,
      closeRate: 0,
      closeRateWithin30Days: 0,
      closeRateWithin90Days: 0,
    });
    expect(report.totals.timeToFirstContact).toEqual({
      business: { leads: 0, meanMinutes: null, medianMinutes: null },
      raw: { leads: 0, meanMinutes: null, medianMinutes: null },
    });
  });

  it('gives activity counts without rates', async () => {
    const store = new MemoryAggregateStore();
    await store.replaceDays(
      'demo',
      '2026-10-01',
      '2026-10-01',
      [
        cellFactory({ date: '2026-10-01', leads: 2, sales: 1 }),
        cellFactory({ date: '2026-10-01', basis: 'activity', leads: 2, sales: 4, revenueCents: 8_000_000 }),
      ],
      { runId: 'run', finishedAt: '2026-10-02T02:00:00.000Z' },
    );

    const report = await readKpis(store, { ...query, basis: 'activity', groupBy: 'source', sites: '*' });

    expect(report.totals).toMatchObject({ leads: 2, sales: 4, revenue: 80_000, rates: null });
  });

  it('merges wait distributions of several cells into exact medians and means', async () => {
    const store = new MemoryAggregateStore();
    await store.replaceDays(
      'demo',
      '2026-10-01',
      '2026-10-02',
      [
        cellFactory({
          date: '2026-10-01',
          handled: 2,
          ttfcBusinessCount: 2,
          ttfcBusinessSum: 40,
          ttfcBusinessHistogram: [
            [10, 1],
            [30, 1],
          ],
          ttfcRawCount: 2,
          ttfcRawSum: 40,
          ttfcRawHistogram: [
            [10, 1],
            [30, 1],
          ],
        }),
        cellFactory({
          date: '2026-10-02',
          handled: 1,
          ttfcBusinessCount: 1,
          ttfcBusinessSum: 500,
          ttfcBusinessHistogram: [[500, 1]],
          ttfcRawCount: 1,
          ttfcRawSum: 2_000,
          ttfcRawHistogram: [[2_000, 1]],
        }),
      ],
      { runId: 'run', finishedAt: '2026-10-03T02:00:00.000Z' },
    );

    const report = await readKpis(store, { ...query, to: '2026-10-02', groupBy: 'channel', sites: '*' });

    expect(report.rows.map((row) => row.channel)).toEqual(['lead-form']);
    expect(report.totals.timeToFirstContact).toEqual({
      business: { leads: 3, meanMinutes: 180, medianMinutes: 30 },
      raw: { leads: 3, meanMinutes: 680, medianMinutes: 30 },
    });
  });
});

describe('readKpis over part of a month by two dimensions', () => {
  it('equals the sums of the cells in range, whether it reads days or subtracts them from the month', async () => {
    const cellArbitrary = fc.record({
      day: fc.integer({ min: 1, max: 31 }),
      source: fc.constantFrom('google-ads', 'meta-ads', 'website'),
      salespersonId: fc.constantFrom('', 's-1', 's-2'),
      leads: fc.integer({ min: 1, max: 20 }),
      minutes: fc.integer({ min: 0, max: 3_000 }),
    });
    await fc.assert(
      fc.asyncProperty(
        fc.array(cellArbitrary, { maxLength: 40 }),
        fc.integer({ min: 1, max: 31 }),
        fc.integer({ min: 0, max: 30 }),
        async (drawn, first, length) => {
          const from = `2026-10-${String(first).padStart(2, '0')}`;
          const to = `2026-10-${String(Math.min(31, first + length)).padStart(2, '0')}`;
          const cells = drawn.map(({ day, minutes, ...cell }) =>
            cellFactory({
              ...cell,
              date: `2026-10-${String(day).padStart(2, '0')}`,
              ttfcBusinessCount: cell.leads,
              ttfcBusinessHistogram: [[minutes, cell.leads]],
            }),
          );
          const store = new MemoryAggregateStore();
          await store.replaceDays('demo', '2026-10-01', '2026-10-31', cells, { runId: 'run', finishedAt: 'x' });

          const report = await readKpis(store, {
            tenantId: 'demo',
            from,
            to,
            basis: 'cohort',
            groupBy: 'source',
            sites: '*',
            filters: { salesperson: 's-1' },
          });

          const inRange = cells.filter((cell) => cell.date >= from && cell.date <= to && cell.salespersonId === 's-1');
          const sources = [...new Set(inRange.map((cell) => cell.source))].sort();
          const medianOf = (selected: typeof cells) => {
            const distribution = new WaitDistribution();
            for (const cell of selected) {
              for (const [minutes, leads] of cell.ttfcBusinessHistogram) {
                distribution.add(minutes, leads);
              }
            }
            return distribution.median();
          };
          expect(
            report.rows.map((row) => ({
              source: row.source,
              leads: row.leads,
              median: row.timeToFirstContact.business.medianMinutes,
            })),
          ).toEqual(
            sources.map((source) => {
              const ofSource = inRange.filter((cell) => cell.source === source);
              return {
                source,
                leads: ofSource.reduce((total, cell) => total + cell.leads, 0),
                median: medianOf(ofSource),
              };
            }),
          );
          expect(report.totals.leads).toBe(inRange.reduce((total, cell) => total + cell.leads, 0));
        },
      ),
      { numRuns: 60 },
    );
  });
});

describe('WaitDistribution', () => {
  it.each([
    ['an empty distribution', [], null],
    ['one value', [[7, 1]], 7],
    [
      'an even count',
      [
        [10, 1],
        [20, 1],
      ],
      15,
    ],
    [
      'repeated values',
      [
        [5, 3],
        [100, 2],
      ],
      5,
    ],
  ] as [string, [number, number][], number | null][])('returns the median of %s', (_case, values, expected) => {
    const distribution = new WaitDistribution();
    for (const [minutes, leads] of values) {
      distribution.add(minutes, leads);
    }

    expect(distribution.median()).toBe(expected);
  });

  it('takes the median of net counts when leads are subtracted', () => {
    const distribution = new WaitDistribution();
    distribution.add(5, 3);
    distribution.add(9, 1);
    distribution.add(5, -3);

    expect(distribution.median()).toBe(9);
  });

  it('finds the median among minute values spread over many buckets', () => {
    const distribution = new WaitDistribution();
    // 10,001 leads at minutes 0..10,000 in shuffled order, so the median sits inside one bucket of several minutes.
    for (let step = 0; step <= 10_000; step += 1) {
      distribution.add((step * 7_919) % 10_001, 1);
    }
    distribution.add(5_000, 0);

    expect(distribution.median()).toBe(5_000);
  });
});

describe('ratio', () => {
  it('returns null for a zero denominator and rounds to 4 decimals', () => {
    expect(ratio(1, 0)).toBeNull();
    expect(ratio(0, 0)).toBeNull();
    expect(ratio(1, 3)).toBe(0.3333);
  });
});

describe('kpiQueryParamsSchema', () => {
  it('accepts a range of 13 months minus one day with a site', () => {
    const params = { from: '2025-01-01', to: '2026-01-31', groupBy: 'day', site: 'amiens-nord' };

    expect(kpiQueryParamsSchema.parse(params)).toEqual({ ...params, basis: 'cohort' });
  });

  it('accepts the activity basis', () => {
    const params = { from: '2026-01-01', to: '2026-01-31', groupBy: 'source', basis: 'activity' };

    expect(kpiQueryParamsSchema.parse(params)).toEqual(params);
  });

  it.each([
    ['a range over 13 months', { from: '2025-01-01', to: '2026-02-01', groupBy: 'day' }],
    ['from after to', { from: '2026-02-02', to: '2026-02-01', groupBy: 'day' }],
    ['an invalid date', { from: '2026-02-30', to: '2026-03-01', groupBy: 'day' }],
    ['a date with a time', { from: '2026-02-01T00:00:00Z', to: '2026-03-01', groupBy: 'day' }],
    ['an unknown groupBy', { from: '2026-02-01', to: '2026-03-01', groupBy: 'integration' }],
    ['an unknown comparison', { from: '2026-02-01', to: '2026-03-01', groupBy: 'day', compare: 'last-week' }],
    ['an unknown basis', { from: '2026-02-01', to: '2026-03-01', groupBy: 'day', basis: 'period' }],
    ['a missing groupBy', { from: '2026-02-01', to: '2026-03-01' }],
    ['an invalid site id', { from: '2026-02-01', to: '2026-03-01', groupBy: 'site', site: 'Amiens Nord' }],
  ])('rejects %s', (_case, params) => {
    expect(kpiQueryParamsSchema.safeParse(params).success).toBe(false);
  });
});

describe('readKpis over rollups, breakdowns and comparisons', () => {
  const run = { runId: 'run', finishedAt: '2026-12-01T02:00:00.000Z' };
  const cells = [
    cellFactory({
      date: '2026-09-20',
      leads: 1,
      salespersonId: 's-1',
      ttfcRawCount: 1,
      ttfcRawSum: 40,
      ttfcRawHistogram: [[40, 1]],
    }),
    cellFactory({
      date: '2026-10-01',
      leads: 2,
      salespersonId: 's-1',
      ttfcRawCount: 1,
      ttfcRawSum: 10,
      ttfcRawHistogram: [[10, 1]],
    }),
    cellFactory({ date: '2026-10-20', leads: 4, salespersonId: 's-2', source: 'meta-ads', category: 'VO' }),
    cellFactory({
      date: '2026-11-05',
      leads: 8,
      salespersonId: '',
      ttfcRawCount: 1,
      ttfcRawSum: 20,
      ttfcRawHistogram: [[20, 1]],
    }),
    cellFactory({ date: '2026-11-25', leads: 16, salespersonId: 's-2' }),
  ];
  const teams = new Map([
    ['s-1', 'VN'],
    ['s-2', 'VO'],
  ]);

  async function store(): Promise<MemoryAggregateStore> {
    const memory = new MemoryAggregateStore();
    await memory.replaceDays('demo', '2026-09-01', '2026-11-30', cells, run);
    return memory;
  }

  it('sums partial months from days and whole months from rollups, medians included', async () => {
    const report = await readKpis(await store(), {
      tenantId: 'demo',
      from: '2026-09-20',
      to: '2026-11-05',
      groupBy: 'site',
      basis: 'cohort',
      sites: '*',
    });

    expect(report.totals.leads).toBe(15);
    expect(report.totals.timeToFirstContact.raw).toEqual({ leads: 3, meanMinutes: 23.3, medianMinutes: 20 });
  });

  it('groups by team and salesperson', async () => {
    const query = {
      tenantId: 'demo',
      from: '2026-10-01',
      to: '2026-11-30',
      basis: 'cohort',
      sites: '*',
      teams,
    } as const;

    const byTeam = await readKpis(await store(), { ...query, groupBy: 'team' });
    const bySalesperson = await readKpis(await store(), { ...query, groupBy: 'salesperson' });

    expect(byTeam.rows.map((row) => [row.team, row.leads, row.cost])).toEqual([
      ['', 8, null],
      ['VN', 2, null],
      ['VO', 20, null],
    ]);
    expect(bySalesperson.rows.map((row) => [row.salesperson, row.leads])).toEqual([
      ['', 8],
      ['s-1', 2],
      ['s-2', 20],
    ]);
  });

  it('filters by team, category and campaign', async () => {
    const query = {
      tenantId: 'demo',
      from: '2026-09-01',
      to: '2026-11-30',
      groupBy: 'source',
      basis: 'cohort',
      sites: '*',
      teams,
    } as const;

    const teamVo = await readKpis(await store(), { ...query, filters: { team: 'VO' } });
    const categoryVo = await readKpis(await store(), { ...query, filters: { category: 'VO' } });
    const noCampaign = await readKpis(await store(), { ...query, filters: { campaign: '' } });

    expect(teamVo.totals).toMatchObject({ leads: 20, cost: null });
    expect(categoryVo.rows.map((row) => [row.source, row.leads])).toEqual([['meta-ads', 4]]);
    expect(noCampaign.totals.leads).toBe(0);
  });

  it('compares each row with the previous period', async () => {
    const report = await readKpis(await store(), {
      tenantId: 'demo',
      from: '2026-11-01',
      to: '2026-11-30',
      groupBy: 'salesperson',
      basis: 'cohort',
      sites: '*',
      compare: 'previous-period',
    });

    expect(report.comparison).toEqual({ compare: 'previous-period', from: '2026-10-02', to: '2026-10-31' });
    expect(report.rows.map((row) => [row.salesperson, row.leads, row.previous?.leads, row.change?.leads])).toEqual([
      ['', 8, 0, { absolute: 8, relative: null }],
      ['s-2', 16, 4, { absolute: 12, relative: 3 }],
    ]);
    expect(report.totals.change?.leads).toEqual({ absolute: 20, relative: 5 });
  });

  it('compares a daily series with the same dates a year before', async () => {
    const memory = await store();
    await memory.replaceDays('demo', '2025-11-01', '2025-11-30', [cellFactory({ date: '2025-11-05', leads: 3 })], run);

    const report = await readKpis(memory, {
      tenantId: 'demo',
      from: '2026-11-05',
      to: '2026-11-06',
      groupBy: 'day',
      basis: 'cohort',
      sites: '*',
      compare: 'previous-year',
    });

    expect(report.rows.map((row) => [row.day, row.leads, row.previous?.leads])).toEqual([
      ['2026-11-05', 8, 3],
      ['2026-11-06', 0, 0],
    ]);
  });
});
