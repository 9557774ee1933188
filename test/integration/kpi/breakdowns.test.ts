import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DynamoDbAggregateStore } from '#shared/adapters/aggregates-dynamodb';
import { FsObjectStore } from '#shared/adapters/object-store-fs';
import { DuckDbQueryEngine } from '#shared/adapters/query-engine-duckdb';
import type { Caller } from '#shared/api/caller';
import { runNightly } from '#shared/kpi/nightly';
import type { KpiQueryParams } from '#shared/kpi/read';
import { getKpiReport } from '#shared/kpi/report';
import type { LeadEventInput } from '#shared/lifecycle/events';
import { AGGREGATES_TABLE } from '#shared/store/tables';
import type { TenantConfig } from '#shared/tenant/model';
import type { TenantRepository } from '#shared/tenant/repository';
import { type LocalDynamoDb, startLocalDynamoDb } from '#test/integration/kpi/dynamodb-local';
import { type ScenarioLead, writeScenarioLake } from '#test/integration/kpi/scenario-lake';
import { MemorySpendStore } from '#test/unit/kpi/memory-spend-store';
import { aLeadEvent, demoSite, demoTenant } from '#test/unit/lifecycle/factories';

const amiensNord = demoSite('amiens-nord');

const tenants: TenantRepository = {
  get: async (tenantId) => (tenantId === 'demo' ? (demoTenant as TenantConfig) : undefined),
  put: async () => {},
};

const groupAdmin: Caller = { tenantId: 'demo', role: 'group-admin', sites: '*', subject: 'admin' };

function assigned(salespersonId: string, occurredAt: string): LeadEventInput {
  return aLeadEvent({ type: 'assigned', salespersonId, occurredAt, actor: { type: 'system', id: 'router' } });
}

function contacted(
  channel: 'phone' | 'email' | 'sms' | 'visit',
  occurredAt: string,
  actor: LeadEventInput['actor'],
): LeadEventInput {
  return aLeadEvent({ type: 'contacted', channel, direction: 'outbound', occurredAt, actor });
}

/** The value of a row's group key; rows of a report of any grouping have it under the `groupBy` name. */
const keyOf = (row: object, groupBy: string): unknown => (row as Record<string, unknown>)[groupBy];

const lead = (leadId: string, receivedAt: string, events: LeadEventInput[] = []): ScenarioLead => ({
  leadId,
  receivedAt,
  site: amiensNord,
  events,
});

/**
 * March 2026 has three leads. Paul Lemaire (s-amiens-1, team VN) called his twice and sold it. Inès Caron
 * (s-amiens-2, team VO) emailed hers, and the call centre texted it. The third, never assigned, got only an
 * automated SMS. February 2026 and March 2025 have one lead of Paul Lemaire each.
 */
const LEADS: ScenarioLead[] = [
  lead('paul-march', '2026-03-02T08:00:00.000Z', [
    assigned('s-amiens-1', '2026-03-02T08:05:00.000Z'),
    contacted('phone', '2026-03-02T10:00:00.000Z', { type: 'salesperson', id: 's-amiens-1' }),
    contacted('phone', '2026-03-03T09:00:00.000Z', { type: 'salesperson', id: 's-amiens-1' }),
    aLeadEvent({
      type: 'sale',
      occurredAt: '2026-03-10T10:00:00.000Z',
      actor: { type: 'salesperson', id: 's-amiens-1' },
      vehicle: { make: 'Peugeot', model: '308', condition: 'new' },
      revenue: 20_000,
      grossMargin: 1_500,
    }),
  ]),
  lead('ines-march', '2026-03-03T08:00:00.000Z', [
    assigned('s-amiens-2', '2026-03-03T08:05:00.000Z'),
    contacted('email', '2026-03-03T10:00:00.000Z', { type: 'salesperson', id: 's-amiens-2' }),
    contacted('sms', '2026-03-04T10:00:00.000Z', { type: 'call-centre', id: 'cc-1' }),
  ]),
  lead('nobody-march', '2026-03-04T08:00:00.000Z', [
    contacted('sms', '2026-03-04T08:01:00.000Z', { type: 'system', id: 'auto-sms' }),
  ]),
  lead('paul-february', '2026-02-10T08:00:00.000Z', [assigned('s-amiens-1', '2026-02-10T08:05:00.000Z')]),
  lead('paul-march-2025', '2025-03-05T08:00:00.000Z', [assigned('s-amiens-1', '2025-03-05T08:05:00.000Z')]),
];

const MARCH = { from: '2026-03-01', to: '2026-03-31' } as const;

describe('KPI breakdowns and comparisons on DuckDB and DynamoDB Local', () => {
  let lakeRoot: string;
  let dynamoDb: LocalDynamoDb;
  let aggregates: DynamoDbAggregateStore;

  beforeAll(async () => {
    lakeRoot = mkdtempSync(join(tmpdir(), 'kpi-breakdowns-'));
    writeScenarioLake(lakeRoot, 'demo', LEADS);
    dynamoDb = await startLocalDynamoDb(AGGREGATES_TABLE, 'aggregates');
    aggregates = new DynamoDbAggregateStore({ client: dynamoDb.documentClient, tableName: 'aggregates' });
    await runNightly(
      {
        engine: new DuckDbQueryEngine({ lakeRoot }),
        aggregates,
        lake: new FsObjectStore(lakeRoot),
        clock: () => new Date('2026-04-01T01:00:00.000Z'),
      },
      { tenantId: 'demo', from: '2025-03-01', to: '2026-03-31' },
    );
  }, 240_000);

  afterAll(() => {
    dynamoDb?.stop();
    rmSync(lakeRoot, { recursive: true, force: true });
  });

  const report = (params: Partial<KpiQueryParams> & Pick<KpiQueryParams, 'groupBy'>, caller = groupAdmin) =>
    getKpiReport({ aggregates, spend: new MemorySpendStore(), tenants }, caller, {
      ...MARCH,
      basis: 'cohort',
      ...params,
    });

  it('breaks cohort leads, sales and contacts down by salesperson', async () => {
    const bySalesperson = await report({ groupBy: 'salesperson' });

    expect(bySalesperson.rows.map((row) => [keyOf(row, 'salesperson'), row.leads, row.sales, row.contacts])).toEqual([
      ['', 1, 0, { calls: 0, emails: 0, smsMessages: 0, visits: 0 }],
      ['s-amiens-1', 1, 1, { calls: 2, emails: 0, smsMessages: 0, visits: 0 }],
      ['s-amiens-2', 1, 0, { calls: 0, emails: 1, smsMessages: 1, visits: 0 }],
    ]);
    expect(bySalesperson.rows.map((row) => row.cost)).toEqual([null, null, null]);
  });

  it('gives activity contacts to the salesperson of the event or of the lead', async () => {
    const bySalesperson = await report({ groupBy: 'salesperson', basis: 'activity' });

    expect(bySalesperson.rows.map((row) => [keyOf(row, 'salesperson'), row.leads, row.sales, row.contacts])).toEqual([
      ['', 1, 0, { calls: 0, emails: 0, smsMessages: 0, visits: 0 }],
      ['s-amiens-1', 1, 1, { calls: 2, emails: 0, smsMessages: 0, visits: 0 }],
      ['s-amiens-2', 1, 0, { calls: 0, emails: 1, smsMessages: 1, visits: 0 }],
    ]);
  });

  it('groups and filters by team from the tenant team list', async () => {
    const byTeam = await report({ groupBy: 'team' });
    const teamVn = await report({ groupBy: 'site', team: 'VN' });

    expect(byTeam.rows.map((row) => [keyOf(row, 'team'), row.leads, row.sales])).toEqual([
      ['', 1, 0],
      ['VN', 1, 1],
      ['VO', 1, 0],
    ]);
    expect(teamVn.totals).toMatchObject({ leads: 1, sales: 1, revenue: 20_000, cost: null });
  });

  it('shows a salesperson only their own figures', async () => {
    const ines: Caller = { ...groupAdmin, role: 'salesperson', subject: 'ines', salespersonId: 's-amiens-2' };

    const own = await report({ groupBy: 'salesperson' }, ines);

    expect(own.rows.map((row) => [keyOf(row, 'salesperson'), row.leads])).toEqual([['s-amiens-2', 1]]);
  });

  it('compares with the previous period, row by row', async () => {
    const compared = await report({ groupBy: 'salesperson', compare: 'previous-period' });

    // March has 31 days, so the previous period is 29 January to 28 February.
    expect(compared.comparison).toEqual({ compare: 'previous-period', from: '2026-01-29', to: '2026-02-28' });
    expect(compared.totals.previous?.leads).toBe(1);
    expect(compared.totals.change?.leads).toEqual({ absolute: 2, relative: 2 });
    expect(compared.rows.map((row) => [keyOf(row, 'salesperson'), row.previous?.leads, row.change?.leads])).toEqual([
      ['', 0, { absolute: 1, relative: null }],
      ['s-amiens-1', 1, { absolute: 0, relative: 0 }],
      ['s-amiens-2', 0, { absolute: 1, relative: null }],
    ]);
    expect(compared.totals.change?.['rates.closeRate']).toEqual({ absolute: 0.3333, relative: null });
  });

  it('compares with the same dates a year before', async () => {
    const compared = await report({ groupBy: 'site', compare: 'previous-year' });

    expect(compared.comparison).toEqual({ compare: 'previous-year', from: '2025-03-01', to: '2025-03-31' });
    expect(compared.rows.map((row) => [keyOf(row, 'site'), row.leads, row.previous?.leads])).toEqual([
      ['amiens-nord', 3, 1],
    ]);
  });

  it('compares a daily series day by day', async () => {
    const compared = await report({ from: '2026-03-02', to: '2026-03-03', groupBy: 'day', compare: 'previous-year' });

    expect(compared.rows.map((row) => [keyOf(row, 'day'), row.leads, row.previous?.leads])).toEqual([
      ['2026-03-02', 1, 0],
      ['2026-03-03', 1, 0],
    ]);
    expect(compared.totals.previous?.leads).toBe(0);
  });
});
