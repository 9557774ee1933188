import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FsObjectStore } from '#shared/adapters/object-store-fs';
import { DuckDbQueryEngine } from '#shared/adapters/query-engine-duckdb';
import { runNightly } from '#shared/kpi/nightly';
import { type KpiGroupBy, type KpiQuery, readKpis } from '#shared/kpi/read';
import type { LeadEventInput } from '#shared/lifecycle/events';
import { type ScenarioLead, writeScenarioLake } from '#test/integration/kpi/scenario-lake';
import { MemoryAggregateStore } from '#test/unit/kpi/memory-aggregate-store';
import { MemorySpendStore } from '#test/unit/kpi/memory-spend-store';
import { aLeadEvent, demoSite } from '#test/unit/lifecycle/factories';

const amiensNord = demoSite('amiens-nord');

function sale(occurredAt: string, revenue = 20_000, grossMargin = 1_500): LeadEventInput {
  return aLeadEvent({
    type: 'sale',
    occurredAt,
    vehicle: { make: 'Peugeot', model: '308', condition: 'new' },
    revenue,
    grossMargin,
  });
}

/** Leads at Amiens Nord, one per day from `firstDay` of the month, with an id prefix. */
function leadsOf(prefix: string, month: string, count: number, firstDay = 1): ScenarioLead[] {
  return Array.from({ length: count }, (_, index) => ({
    leadId: `${prefix}-${index}`,
    receivedAt: `${month}-${String(firstDay + index).padStart(2, '0')}T09:00:00.000Z`,
    site: amiensNord,
  }));
}

describe('KPI scenarios on the nightly SQL and DuckDB', () => {
  let lakeRoot: string;
  let aggregates: MemoryAggregateStore;
  let spend: MemorySpendStore;

  beforeEach(() => {
    lakeRoot = mkdtempSync(join(tmpdir(), 'kpi-scenario-'));
    aggregates = new MemoryAggregateStore();
    spend = new MemorySpendStore();
  });

  afterEach(() => {
    rmSync(lakeRoot, { recursive: true, force: true });
  });

  async function runAndRead(range: { from: string; to: string }, clockAt: string) {
    const deps = {
      engine: new DuckDbQueryEngine({ lakeRoot }),
      aggregates,
      // The real lake store, so closed partitions are compacted before the query, as every night.
      lake: new FsObjectStore(lakeRoot),
      clock: () => new Date(clockAt),
    };
    await runNightly(deps, { tenantId: 'demo', ...range });
    return <G extends KpiGroupBy>(query: Omit<KpiQuery<G>, 'tenantId' | 'sites'>) =>
      readKpis(aggregates, { ...query, tenantId: 'demo', sites: '*' }, spend);
  }

  it('separates cohort conversion from the sales of the period (March and April)', async () => {
    const march = leadsOf('march', '2026-03', 10);
    march[0] = { ...(march[0] as ScenarioLead), events: [sale('2026-03-20T10:00:00.000Z')] };
    for (const index of [1, 2, 3]) {
      march[index] = { ...(march[index] as ScenarioLead), events: [sale(`2026-04-0${index + 1}T10:00:00.000Z`)] };
    }
    const april = leadsOf('april', '2026-04', 2, 10);
    april[0] = { ...(april[0] as ScenarioLead), events: [sale('2026-04-20T10:00:00.000Z')] };
    writeScenarioLake(lakeRoot, 'demo', [...march, ...april]);

    const read = await runAndRead({ from: '2026-03-01', to: '2026-04-30' }, '2026-05-01T01:00:00.000Z');
    const cohortMarch = await read({ from: '2026-03-01', to: '2026-03-31', groupBy: 'source', basis: 'cohort' });
    const cohortApril = await read({ from: '2026-04-01', to: '2026-04-30', groupBy: 'source', basis: 'cohort' });
    const activityMarch = await read({ from: '2026-03-01', to: '2026-03-31', groupBy: 'source', basis: 'activity' });
    const activityApril = await read({ from: '2026-04-01', to: '2026-04-30', groupBy: 'source', basis: 'activity' });

    expect(cohortMarch.totals).toMatchObject({ leads: 10, sales: 4, revenue: 80_000, grossMargin: 6_000 });
    expect(cohortMarch.totals.rates?.closeRate).toBe(0.4);
    // Leads of 2 to 4 March sold on 2 to 4 April waited 31 days: only the March sale is within 30 days.
    expect(cohortMarch.totals.rates?.closeRateWithin30Days).toBe(0.1);
    expect(cohortMarch.totals.rates?.closeRateWithin90Days).toBe(0.4);
    expect(cohortApril.totals).toMatchObject({ leads: 2, sales: 1 });
    expect(cohortApril.totals.rates?.closeRate).toBe(0.5);
    expect(activityMarch.totals).toMatchObject({ leads: 10, sales: 1, rates: null });
    // Four sales against two leads: the activity basis gives the counts and never a 200% rate.
    expect(activityApril.totals).toMatchObject({ leads: 2, sales: 4, revenue: 80_000, rates: null });
  });

  it('computes cost and close rate per source', async () => {
    const leads = leadsOf('web', '2026-06', 3);
    leads[1] = { ...(leads[1] as ScenarioLead), events: [sale('2026-06-10T10:00:00.000Z', 20_000, 1_500)] };
    writeScenarioLake(lakeRoot, 'demo', leads);
    await spend.replaceMonths(
      'demo',
      new Map([
        [
          '2026-06',
          [
            { month: '2026-06', source: 'google-ads', amount: 300 },
            { month: '2026-06', source: 'meta-ads', amount: 500 },
          ],
        ],
      ]),
    );

    const read = await runAndRead({ from: '2026-06-01', to: '2026-06-30' }, '2026-07-01T01:00:00.000Z');
    const bySource = await read({ from: '2026-06-01', to: '2026-06-30', groupBy: 'source', basis: 'cohort' });
    const byDay = await read({ from: '2026-06-04', to: '2026-06-04', groupBy: 'day', basis: 'cohort' });

    expect(bySource.rows.map((row) => [row.source, row.leads, row.sales, row.rates?.closeRate, row.cost])).toEqual([
      ['google-ads', 3, 1, 0.3333, { spend: 300, costPerLead: 100, costPerSale: 300, roi: 4 }],
      ['meta-ads', 0, 0, null, { spend: 500, costPerLead: null, costPerSale: null, roi: -1 }],
    ]);
    expect(byDay.rows).toHaveLength(1);
    // One of June's 30 days of 800 EUR.
    expect(byDay.rows[0]).toMatchObject({ day: '2026-06-04', leads: 0, sales: 0, cost: { spend: 26.67 } });
    expect(byDay.rows[0]?.rates).toEqual({
      contactRate: null,
      handledRate: null,
      handledWithinOneBusinessHourRate: null,
      appointmentRate: null,
      showRate: null,
      testDriveRate: null,
      closeRate: null,
      closeRateWithin30Days: null,
      closeRateWithin90Days: null,
    });
  });

  it('dates leads and sales around the Paris DST changes on their local day', async () => {
    writeScenarioLake(lakeRoot, 'demo', [
      // 23:30 UTC on 2026-03-28 is 00:30 on 2026-03-29 in Paris (UTC+1).
      { leadId: 'spring-1', receivedAt: '2026-03-28T23:30:00.000Z', site: amiensNord },
      // 22:30 UTC on 2026-03-29 is 00:30 on 2026-03-30 (UTC+2 after the change), sold 22:30 UTC on 2026-03-30.
      {
        leadId: 'spring-2',
        receivedAt: '2026-03-29T22:30:00.000Z',
        site: amiensNord,
        events: [sale('2026-03-30T22:30:00.000Z')],
      },
      // 22:30 UTC on 2026-10-24 is 00:30 on 2026-10-25 (UTC+2 before the change).
      { leadId: 'autumn-1', receivedAt: '2026-10-24T22:30:00.000Z', site: amiensNord },
      // 22:30 UTC on 2026-10-25 is 23:30 on 2026-10-25 (UTC+1 after the change), sold 23:30 UTC on 2026-10-25.
      {
        leadId: 'autumn-2',
        receivedAt: '2026-10-25T22:30:00.000Z',
        site: amiensNord,
        events: [sale('2026-10-25T23:30:00.000Z')],
      },
    ]);

    const read = await runAndRead({ from: '2026-03-01', to: '2026-10-31' }, '2026-11-01T01:00:00.000Z');
    const leadDays = async (from: string, to: string) =>
      (await read({ from, to, groupBy: 'day', basis: 'cohort' })).rows
        .filter((row) => row.leads > 0)
        .map((row) => [row.day, row.leads]);
    const saleDays = async (from: string, to: string) =>
      (await read({ from, to, groupBy: 'day', basis: 'activity' })).rows
        .filter((row) => row.sales > 0)
        .map((row) => [row.day, row.sales]);

    expect(await leadDays('2026-03-28', '2026-03-31')).toEqual([
      ['2026-03-29', 1],
      ['2026-03-30', 1],
    ]);
    expect(await saleDays('2026-03-28', '2026-03-31')).toEqual([['2026-03-31', 1]]);
    expect(await leadDays('2026-10-24', '2026-10-27')).toEqual([['2026-10-25', 2]]);
    expect(await saleDays('2026-10-24', '2026-10-27')).toEqual([['2026-10-26', 1]]);
  });

  it('reports business and raw waits of a weekend lead', async () => {
    writeScenarioLake(lakeRoot, 'demo', [
      {
        leadId: 'saturday',
        // Saturday 2026-11-07 18:30 in Paris; the first call on Monday 09:00 follows an automated SMS.
        receivedAt: '2026-11-07T17:30:00.000Z',
        site: amiensNord,
        events: [
          aLeadEvent({ occurredAt: '2026-11-07T17:31:00.000Z', actor: { type: 'system', id: 'auto-sms' } }),
          aLeadEvent({ occurredAt: '2026-11-09T08:00:00.000Z' }),
        ],
      },
    ]);

    const read = await runAndRead({ from: '2026-11-01', to: '2026-11-30' }, '2026-12-01T01:00:00.000Z');
    const cohort = await read({ from: '2026-11-01', to: '2026-11-30', groupBy: 'site', basis: 'cohort' });
    const activity = await read({ from: '2026-11-09', to: '2026-11-09', groupBy: 'site', basis: 'activity' });

    expect(cohort.totals).toMatchObject({ leads: 1, contacted: 1, handled: 1, handledWithinOneBusinessHour: 1 });
    expect(cohort.totals.timeToFirstContact).toEqual({
      business: { leads: 1, meanMinutes: 30, medianMinutes: 30 },
      raw: { leads: 1, meanMinutes: 2_310, medianMinutes: 2_310 },
    });
    expect(cohort.totals.rates?.handledRate).toBe(1);
    expect(activity.totals).toMatchObject({ leads: 0, handled: 1, contacted: 0 });
  });
});
