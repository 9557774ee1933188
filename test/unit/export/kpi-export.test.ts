import { describe, expect, it } from 'vitest';
import { writeCsv } from '#shared/export/csv';
import { groupKeyLabels, kpiExportFileName, kpiExportQuerySchema, kpiExportTable } from '#shared/export/kpi-export';
import { readKpis } from '#shared/kpi/read';
import type { TenantConfig } from '#shared/tenant/model';
import { aDailyCell } from '#test/unit/kpi/cells';
import { MemoryAggregateStore } from '#test/unit/kpi/memory-aggregate-store';

async function storeWithCells(): Promise<MemoryAggregateStore> {
  const store = new MemoryAggregateStore();
  await store.replaceDays(
    'demo',
    '2026-10-01',
    '2026-10-31',
    [
      aDailyCell({ date: '2026-10-01', siteId: 'evreux-centre', source: 'website', leads: 12, sales: 5 }),
      aDailyCell({ date: '2026-10-02', siteId: 'abbeville', source: 'meta-ads', leads: 2 }),
      aDailyCell({ date: '2026-10-02', siteId: 'unassigned', source: 'website', leads: 4 }),
    ],
    { runId: 'run', finishedAt: '2026-11-01T02:00:00.000Z' },
  );
  return store;
}

const query = { tenantId: 'demo', from: '2026-10-01', to: '2026-10-03', basis: 'cohort', sites: '*' } as const;

describe('kpiExportTable', () => {
  it('starts with the group key and ends with the totals', async () => {
    const report = await readKpis(await storeWithCells(), { ...query, groupBy: 'site' });

    const table = kpiExportTable(report, { locale: 'fr', keyLabels: { 'evreux-centre': 'Évreux Centre' } });

    expect(table.columns[0]).toEqual({ header: 'Site', kind: 'text' });
    expect(table.rows.map((row) => row[0])).toEqual(['abbeville', 'Évreux Centre', 'Sans site', 'Total']);
    expect(table.rows.map((row) => row[1])).toEqual([2, 12, 4, 18]);
  });

  it('flattens every figure of the report into a typed column', async () => {
    const report = await readKpis(await storeWithCells(), { ...query, groupBy: 'source' });

    const columns = kpiExportTable(report, { locale: 'fr' }).columns;

    expect(columns).toContainEqual({ header: 'Leads', kind: 'integer' });
    expect(columns).toContainEqual({ header: 'Taux de transformation (%)', kind: 'rate' });
    expect(columns).toContainEqual({ header: 'Coût par vente (€)', kind: 'money' });
    expect(columns).toContainEqual({ header: 'ROI (%)', kind: 'rate' });
    expect(columns).toContainEqual({
      header: 'Délai de premier contact – heures ouvrées – médiane (min)',
      kind: expect.stringMatching(/^(integer|decimal)$/),
    });
  });

  it('gives each row the values of its own figures', async () => {
    const report = await readKpis(await storeWithCells(), { ...query, groupBy: 'source' });

    const table = kpiExportTable(report, { locale: 'en' });
    const closeRate = table.columns.findIndex((column) => column.header === 'Close rate (%)');
    const website = table.rows.find((row) => row[0] === 'website');

    expect(website?.[closeRate]).toBe(report.rows.find((row) => row.source === 'website')?.rates?.closeRate);
  });

  it('has no rates columns on the activity basis', async () => {
    const report = await readKpis(await storeWithCells(), { ...query, basis: 'activity', groupBy: 'source' });

    const headers = kpiExportTable(report, { locale: 'fr' }).columns.map((column) => column.header);

    expect(headers.filter((header) => header.startsWith('Taux'))).toEqual([]);
  });

  it('keeps days as dates and the totals label as text', async () => {
    const report = await readKpis(await storeWithCells(), { ...query, groupBy: 'day' });

    const table = kpiExportTable(report, { locale: 'fr' });
    const csv = writeCsv({ columns: table.columns.slice(0, 2), rows: table.rows.map((row) => row.slice(0, 2)) }, 'fr');

    expect(table.columns[0]).toEqual({ header: 'Jour', kind: 'date' });
    expect(csv).toBe('\uFEFFJour;Leads\r\n01/10/2026;12\r\n02/10/2026;6\r\n03/10/2026;0\r\nTotal;18\r\n');
  });

  it('adds comparison columns after the figures', async () => {
    const report = await readKpis(await storeWithCells(), { ...query, groupBy: 'source', compare: 'previous-period' });

    const headers = kpiExportTable(report, { locale: 'fr' }).columns;

    expect(headers).toContainEqual({ header: 'Leads – période de comparaison', kind: 'integer' });
    expect(headers).toContainEqual({ header: 'Leads – évolution (%)', kind: 'rate' });
    expect(headers).toContainEqual({ header: 'Taux de transformation (%) – écart', kind: 'rate' });
  });
});

describe('groupKeyLabels', () => {
  const tenant = {
    sites: [{ siteId: 'evreux-centre', name: 'Évreux Centre' }],
    team: [{ salespersonId: 's-1', name: 'Camille Martin' }],
  } as TenantConfig;

  it.each([
    ['site', { 'evreux-centre': 'Évreux Centre' }],
    ['salesperson', { 's-1': 'Camille Martin' }],
    ['source', {}],
  ])('labels %s keys', (groupBy, labels) => {
    expect(groupKeyLabels(tenant, groupBy)).toEqual(labels);
  });
});

describe('kpiExportQuerySchema', () => {
  it('defaults the locale to French', () => {
    const parsed = kpiExportQuerySchema.parse({ from: '2026-10-01', to: '2026-10-31', groupBy: 'site' });

    expect(parsed.locale).toBe('fr');
  });

  it('rejects an unknown locale', () => {
    expect(
      kpiExportQuerySchema.safeParse({ from: '2026-10-01', to: '2026-10-31', groupBy: 'site', locale: 'de' }).success,
    ).toBe(false);
  });
});

describe('kpiExportFileName', () => {
  it('names the file after the range', () => {
    expect(kpiExportFileName({ from: '2026-10-01', to: '2026-10-31' }, 'xlsx')).toBe(
      'leadpilot-kpis-2026-10-01-2026-10-31.xlsx',
    );
  });
});
