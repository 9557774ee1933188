import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Context } from 'aws-lambda';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { DynamoDbAggregateStore } from '#shared/adapters/aggregates-dynamodb';
import { FsObjectStore } from '#shared/adapters/object-store-fs';
import { DuckDbQueryEngine } from '#shared/adapters/query-engine-duckdb';
import type { DailyCell } from '#shared/kpi/aggregates';
import { runNightly } from '#shared/kpi/nightly';
import { AGGREGATES_TABLE } from '#shared/store/tables';
import { type LocalDynamoDb, startLocalDynamoDb } from '#test/integration/kpi/dynamodb-local';
import { lakeRowFactory, writeLakePartition } from '#test/integration/kpi/lake-files';
import { aDailyCell } from '#test/unit/kpi/cells';
import { MemoryAggregateStore } from '#test/unit/kpi/memory-aggregate-store';

/**
 * Returns the cells of the demo lake. Each lead's only milestone is its arrival, so its activity cell equals
 * its cohort cell. All leads are person-1's, so only the first live one (b, on 2026-10-24) is a new prospect.
 */
function demoLakeCells(): DailyCell[] {
  return [
    aDailyCell({ date: '2026-10-24', siteId: 'abbeville', prospects: 1 }),
    aDailyCell({ date: '2026-10-25', source: 'meta-ads' }),
    aDailyCell({ date: '2026-10-26' }),
  ].flatMap((cell) => [{ ...cell, basis: 'activity' as const }, cell]);
}

/** Writes a lake whose closed partitions contain two stream batches each, plus today's open partition. */
function writeDemoLake(lakeRoot: string): void {
  writeLakePartition(lakeRoot, 'demo', '2026-10-24', [lakeRowFactory({ lead_id: 'a', local_date: '2026-10-24' })], {
    file: 'part-a1',
  });
  writeLakePartition(
    lakeRoot,
    'demo',
    '2026-10-24',
    [lakeRowFactory({ lead_id: 'b', local_date: '2026-10-24', site_id: 'abbeville' })],
    { file: 'part-a2' },
  );
  writeLakePartition(
    lakeRoot,
    'demo',
    '2026-10-25',
    [lakeRowFactory({ lead_id: 'c', local_date: '2026-10-25', source: 'meta-ads' })],
    { file: 'part-b1' },
  );
  writeLakePartition(
    lakeRoot,
    'demo',
    '2026-10-25',
    [lakeRowFactory({ lead_id: 'a', event_name: 'REMOVE', local_date: '2026-10-24', is_deleted: true })],
    { file: 'part-b2' },
  );
  writeLakePartition(lakeRoot, 'demo', '2026-10-27', [lakeRowFactory({ lead_id: 'd', local_date: '2026-10-26' })], {
    file: 'part-c1',
  });
}

const clock = () => new Date('2026-10-27T01:00:00.000Z');

describe('runNightly on the local lake', () => {
  let lakeRoot: string;

  beforeEach(() => {
    lakeRoot = mkdtempSync(join(tmpdir(), 'kpi-nightly-'));
    writeDemoLake(lakeRoot);
  });

  afterEach(() => {
    rmSync(lakeRoot, { recursive: true, force: true });
  });

  it('compacts closed partitions and counts the same leads as before compaction', async () => {
    const aggregates = new MemoryAggregateStore();
    const deps = { engine: new DuckDbQueryEngine({ lakeRoot }), aggregates, lake: new FsObjectStore(lakeRoot), clock };
    const input = { tenantId: 'demo', from: '2026-10-24', to: '2026-10-26' };

    const first = await runNightly(deps, input);
    const second = await runNightly(deps, input);

    expect(first).toMatchObject({ cells: 6, leads: 3, compactedPartitions: 2, failedCompactions: 0 });
    expect(second).toMatchObject({ cells: 6, leads: 3, compactedPartitions: 0, failedCompactions: 0 });
    expect(readdirSync(join(lakeRoot, 'lead_changes/tenant=demo/dt=2026-10-24'))).toEqual([
      expect.stringMatching(/^compact-[0-9a-f]+\.parquet$/),
    ]);
    expect(readdirSync(join(lakeRoot, 'lead_changes/tenant=demo/dt=2026-10-27'))).toEqual(['part-c1.parquet']);
    const sortByBasis = (cells: DailyCell[]) =>
      [...cells].sort((a, b) => (a.date + a.basis < b.date + b.basis ? -1 : 1));
    expect(sortByBasis(await aggregates.readDays('demo', '2026-10-24', '2026-10-26'))).toEqual(demoLakeCells());
  });
});

describe('nightly handler', () => {
  let dynamoDb: LocalDynamoDb;
  let lakeRoot: string;

  beforeAll(async () => {
    dynamoDb = await startLocalDynamoDb(AGGREGATES_TABLE, 'aggregates');
    lakeRoot = mkdtempSync(join(tmpdir(), 'kpi-handler-'));
    writeDemoLake(lakeRoot);
    const endpoint = await dynamoDb.client.config.endpoint?.();
    vi.stubEnv('DYNAMODB_ENDPOINT', `${endpoint?.protocol}//${endpoint?.hostname}:${endpoint?.port}`);
    vi.stubEnv('AWS_ACCESS_KEY_ID', 'local');
    vi.stubEnv('AWS_SECRET_ACCESS_KEY', 'local');
    vi.stubEnv('AGGREGATES_TABLE_NAME', 'aggregates');
    vi.stubEnv('LAKE_URI', pathToFileURL(lakeRoot).href);
    vi.stubEnv('QUERY_ENGINE', 'duckdb');
  });

  afterAll(() => {
    vi.unstubAllEnvs();
    dynamoDb?.stop();
    if (lakeRoot) {
      rmSync(lakeRoot, { recursive: true, force: true });
    }
  });

  const context = { functionName: 'nightly', awsRequestId: 'request-1' } as Context;

  it('runs the job for an explicit range and stores the cells', async () => {
    const { handler } = await import('#functions/nightly');

    const result = await handler({ tenantId: 'demo', from: '2026-10-24', to: '2026-10-26' }, context);

    expect(result).toMatchObject({ tenantId: 'demo', from: '2026-10-24', to: '2026-10-26', cells: 6, leads: 3 });
    const store = new DynamoDbAggregateStore({ client: dynamoDb.documentClient, tableName: 'aggregates' });
    expect(await store.readDays('demo', '2026-10-24', '2026-10-26')).toEqual(demoLakeCells());
  });

  it.each([
    ['an invalid tenant id', { tenantId: 'Demo Group' }],
    ['from without to', { tenantId: 'demo', from: '2026-10-24' }],
    ['an invalid date', { tenantId: 'demo', from: '2026-10-24', to: '2026-10-32' }],
  ])('rejects %s with a ValidationError', async (_case, event) => {
    const { handler } = await import('#functions/nightly');

    await expect(handler(event, context)).rejects.toMatchObject({ name: 'ValidationError', code: 'VALIDATION_FAILED' });
  });
});
