import { describe, expect, it } from 'vitest';
import type { DailyCell } from '#shared/kpi/aggregates';
import { kpiQueryParamsSchema, readKpis } from '#shared/kpi/read';
import { MemoryAggregateStore } from '#test/unit/kpi/memory-aggregate-store';

const cellFactory = (overrides: Partial<DailyCell> & Pick<DailyCell, 'date'>): DailyCell => ({
  siteId: 'amiens-nord',
  source: 'google-ads',
  channel: 'lead-form',
  campaignId: 'cmp-1',
  category: 'VN',
  leads: 1,
  ...overrides,
});

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

const query = { tenantId: 'demo', from: '2026-10-01', to: '2026-10-03' } as const;

describe('readKpis', () => {
  it('groups by source for a caller who sees every site', async () => {
    const report = await readKpis(await storeWithCells(), { ...query, groupBy: 'source', sites: '*' });

    expect(report).toEqual({
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

    expect(report).toEqual({
      from: '2026-10-01',
      to: '2026-10-03',
      groupBy: 'site',
      rows: [{ site: 'abbeville', leads: 7 }],
      totals: { leads: 7 },
    });
  });

  it('shows unassigned leads to a caller who sees every site', async () => {
    const report = await readKpis(await storeWithCells(), { ...query, groupBy: 'site', sites: '*' });

    expect(report.rows).toEqual([
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
      sites: ['amiens-nord'],
    });

    expect(report).toEqual({
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

    expect(report.rows).toEqual([
      { source: 'google-ads', leads: 5 },
      { source: 'meta-ads', leads: 2 },
    ]);
    expect(report.totals).toEqual({ leads: 7 });
  });

  it('returns nothing for a site filter outside the visible sites', async () => {
    const report = await readKpis(await storeWithCells(), {
      ...query,
      groupBy: 'source',
      sites: ['amiens-nord'],
      site: 'abbeville',
    });

    expect(report.rows).toEqual([]);
    expect(report.totals).toEqual({ leads: 0 });
  });
});

describe('kpiQueryParamsSchema', () => {
  it('accepts a range of 13 months minus one day with a site', () => {
    const params = { from: '2025-01-01', to: '2026-01-31', groupBy: 'day', site: 'amiens-nord' };

    expect(kpiQueryParamsSchema.parse(params)).toEqual(params);
  });

  it.each([
    ['a range over 13 months', { from: '2025-01-01', to: '2026-02-01', groupBy: 'day' }],
    ['from after to', { from: '2026-02-02', to: '2026-02-01', groupBy: 'day' }],
    ['an invalid date', { from: '2026-02-30', to: '2026-03-01', groupBy: 'day' }],
    ['a date with a time', { from: '2026-02-01T00:00:00Z', to: '2026-03-01', groupBy: 'day' }],
    ['an unknown groupBy', { from: '2026-02-01', to: '2026-03-01', groupBy: 'campaign' }],
    ['a missing groupBy', { from: '2026-02-01', to: '2026-03-01' }],
    ['an invalid site id', { from: '2026-02-01', to: '2026-03-01', groupBy: 'site', site: 'Amiens Nord' }],
  ])('rejects %s', (_case, params) => {
    expect(kpiQueryParamsSchema.safeParse(params).success).toBe(false);
  });
});
