import { createHash } from 'node:crypto';
import { QueryCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DynamoDbAggregateStore } from '#shared/adapters/aggregates-dynamodb';
import type { DailyCell } from '#shared/kpi/aggregates';
import { type BlockRequest, FULL_GRAIN } from '#shared/kpi/blocks';
import { cellsOfTable } from '#shared/kpi/cell-table';
import { AGGREGATES_TABLE } from '#shared/store/tables';
import { type LocalDynamoDb, startLocalDynamoDb } from '#test/integration/kpi/dynamodb-local';
import { aDailyCell as cellFactory } from '#test/unit/kpi/cells';

const TABLE_NAME = 'aggregates';

const run = (runId: string) => ({ runId, finishedAt: '2026-10-27T02:00:00.000Z' });

describe('DynamoDbAggregateStore', () => {
  let dynamoDb: LocalDynamoDb;
  let store: DynamoDbAggregateStore;

  beforeAll(async () => {
    dynamoDb = await startLocalDynamoDb(AGGREGATES_TABLE, TABLE_NAME);
    store = new DynamoDbAggregateStore({ client: dynamoDb.documentClient, tableName: TABLE_NAME });
  });

  afterAll(() => {
    dynamoDb?.stop();
  });

  it('reads back the cells it replaced', async () => {
    const cells = [
      cellFactory({ date: '2026-10-24', leads: 3 }),
      cellFactory({ date: '2026-10-24', siteId: 'unassigned', campaignId: '', leads: 1 }),
      cellFactory({ date: '2026-10-26', source: 'meta-ads', category: 'VO', leads: 2 }),
    ];

    await store.replaceDays('read-back', '2026-10-24', '2026-10-26', cells, run('run-1'));

    expect(await store.readDays('read-back', '2026-10-24', '2026-10-26')).toEqual(cells);
  });

  it('keeps both bases of a day and the wait distributions', async () => {
    const cells = [
      cellFactory({ date: '2026-10-24', basis: 'activity', leads: 0, sales: 2, grossMarginCents: -150_000 }),
      cellFactory({
        date: '2026-10-24',
        handled: 3,
        ttfcBusinessCount: 3,
        ttfcBusinessSum: 95,
        ttfcBusinessHistogram: [
          [5, 2],
          [85, 1],
        ],
        ttfcRawCount: 3,
        ttfcRawSum: 2_320,
        ttfcRawHistogram: [
          [5, 2],
          [2_310, 1],
        ],
      }),
    ];

    await store.replaceDays('bases', '2026-10-24', '2026-10-24', cells, run('run-1'));

    expect(await store.readDays('bases', '2026-10-24', '2026-10-24')).toEqual(cells);
  });

  it('leaves no stale cells after a re-run that finds fewer leads', async () => {
    await store.replaceDays(
      'rerun',
      '2026-10-24',
      '2026-10-26',
      [
        cellFactory({ date: '2026-10-24', leads: 5 }),
        cellFactory({ date: '2026-10-25', leads: 2 }),
        cellFactory({ date: '2026-10-26', leads: 4 }),
      ],
      run('run-1'),
    );

    await store.replaceDays(
      'rerun',
      '2026-10-25',
      '2026-10-26',
      [cellFactory({ date: '2026-10-26', leads: 1 })],
      run('run-2'),
    );

    expect(await store.readDays('rerun', '2026-10-24', '2026-10-26')).toEqual([
      cellFactory({ date: '2026-10-24', leads: 5 }),
      cellFactory({ date: '2026-10-26', leads: 1 }),
    ]);
  });

  it('keeps tenants apart and reads only the requested days', async () => {
    await store.replaceDays('tenant-a', '2026-10-01', '2026-10-03', [cellFactory({ date: '2026-10-02' })], run('a'));
    await store.replaceDays('tenant-b', '2026-10-01', '2026-10-03', [cellFactory({ date: '2026-10-03' })], run('b'));

    expect(await store.readDays('tenant-a', '2026-10-02', '2026-10-02')).toEqual([cellFactory({ date: '2026-10-02' })]);
    expect(await store.readDays('tenant-a', '2026-10-03', '2026-10-31')).toEqual([]);
  });

  // About 2 MB through DynamoDB Local takes seconds alone but can take over a minute on a loaded two-core machine.
  it('writes and reads a range of more than one batch and one query page', async () => {
    // 60 days take three BatchWriteItem calls, and about 2 MB of items exceed one 1 MB query page.
    const days = Array.from({ length: 60 }, (_, index) =>
      new Date(Date.UTC(2026, 0, 1 + index)).toISOString().slice(0, 10),
    );
    const cells = days.flatMap((date) =>
      Array.from({ length: 450 }, (_, index) =>
        cellFactory({ date, siteId: `site-${index % 30}`, source: `source-${index}` }),
      ),
    );

    await store.replaceDays('large', '2026-01-01', '2026-03-01', cells, run('large'));

    expect(await store.readDays('large', '2026-01-01', '2026-03-01')).toEqual(cells);
  }, 120_000);

  it('rejects a cell outside the replaced range', async () => {
    await expect(
      store.replaceDays('outside', '2026-10-01', '2026-10-02', [cellFactory({ date: '2026-10-03' })], run('x')),
    ).rejects.toThrow(RangeError);
  });

  it('splits a day too large for one item into chunks', async () => {
    // Distinct campaign ids of 64 hexadecimal digits make a dictionary that gzip cannot bring under 350 KB per item.
    const cells = Array.from({ length: 16_000 }, (_, index) =>
      cellFactory({
        date: '2026-10-01',
        campaignId: createHash('sha256').update(String(index)).digest('hex'),
      }),
    );

    await store.replaceDays('chunks', '2026-10-01', '2026-10-01', cells, run('x'));
    const items = await dynamoDb.documentClient.send(
      new QueryCommand({
        TableName: TABLE_NAME,
        KeyConditionExpression: 'pk = :pk AND begins_with(sk, :day)',
        ExpressionAttributeValues: { ':pk': 'AGG#chunks', ':day': 'D#cohort#all#2026-10-01#' },
        ProjectionExpression: 'sk',
      }),
    );

    expect(items.Items?.length).toBeGreaterThan(1);
    expect(await store.readDays('chunks', '2026-10-01', '2026-10-01')).toEqual(cells);
  }, 120_000);

  it('rolls up whole months and keeps them in step with re-runs', async () => {
    const cell = (date: string, overrides: Partial<DailyCell> = {}) =>
      cellFactory({ date, salespersonId: 's-1', ...overrides });
    await store.replaceDays(
      'rollups',
      '2026-09-30',
      '2026-10-02',
      [
        cell('2026-09-30', { leads: 4 }),
        cell('2026-10-01', {
          leads: 2,
          ttfcBusinessCount: 2,
          ttfcBusinessHistogram: [
            [5, 1],
            [30, 1],
          ],
        }),
        cell('2026-10-02', { leads: 3, ttfcBusinessCount: 2, ttfcBusinessHistogram: [[5, 2]] }),
        cell('2026-10-02', { basis: 'activity', leads: 1, calls: 3 }),
      ],
      run('run-1'),
    );
    // A re-run of 2 October alone keeps 1 October in the month rollup.
    await store.replaceDays('rollups', '2026-10-02', '2026-10-02', [cell('2026-10-02', { leads: 1 })], run('run-2'));

    const read = async (request: BlockRequest) =>
      (await store.readBlocks('rollups', request)).flatMap((table) => cellsOfTable(table));
    expect(await read({ basis: 'cohort', level: 'month', grain: FULL_GRAIN, from: '2026-09', to: '2026-10' })).toEqual([
      cell('2026-09-01', { leads: 4 }),
      cell('2026-10-01', {
        leads: 3,
        ttfcBusinessCount: 2,
        ttfcBusinessHistogram: [
          [5, 1],
          [30, 1],
        ],
      }),
    ]);
    expect(
      await read({ basis: 'activity', level: 'month', grain: FULL_GRAIN, from: '2026-10', to: '2026-10' }),
    ).toEqual([]);
    expect(await read({ basis: 'cohort', level: 'series', grain: 'site', from: '2026-10', to: '2026-10' })).toEqual([
      cell('2026-10-01', {
        source: '*',
        channel: '*',
        campaignId: '*',
        category: '*',
        salespersonId: '*',
        leads: 2,
        ttfcBusinessCount: 2,
        ttfcBusinessHistogram: [
          [5, 1],
          [30, 1],
        ],
      }),
      cell('2026-10-02', { source: '*', channel: '*', campaignId: '*', category: '*', salespersonId: '*', leads: 1 }),
    ]);
    expect(
      await read({ basis: 'cohort', level: 'day', grain: 'site+salespersonId', from: '2026-10-01', to: '2026-10-02' }),
    ).toEqual([
      cell('2026-10-01', {
        source: '*',
        channel: '*',
        campaignId: '*',
        category: '*',
        leads: 2,
        ttfcBusinessCount: 2,
        ttfcBusinessHistogram: [
          [5, 1],
          [30, 1],
        ],
      }),
      cell('2026-10-02', { source: '*', channel: '*', campaignId: '*', category: '*', leads: 1 }),
    ]);
    expect(
      await read({
        basis: 'cohort',
        level: 'series',
        grain: 'source',
        value: 'google-ads',
        from: '2026-09',
        to: '2026-09',
      }),
    ).toEqual([cell('2026-09-30', { salespersonId: '*', channel: '*', campaignId: '*', category: '*', leads: 4 })]);
  });

  it('reads the series of a value that has a # in it', async () => {
    await store.replaceDays(
      'values',
      '2026-10-01',
      '2026-10-01',
      [
        cellFactory({ date: '2026-10-01', campaignId: 'a#b', leads: 2 }),
        cellFactory({ date: '2026-10-01', campaignId: 'a', leads: 5 }),
      ],
      run('x'),
    );

    const tables = await store.readBlocks('values', {
      basis: 'cohort',
      level: 'series',
      grain: 'campaignId',
      value: 'a#b',
      from: '2026-10',
      to: '2026-10',
    });

    expect(tables.flatMap((table) => cellsOfTable(table))).toEqual([
      cellFactory({
        date: '2026-10-01',
        source: '*',
        channel: '*',
        campaignId: 'a#b',
        category: '*',
        salespersonId: '*',
        leads: 2,
      }),
    ]);
  });
});
