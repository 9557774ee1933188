import { GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DynamoDbAggregateStore } from '#shared/adapters/aggregates-dynamodb';
import { AggregatesWriteError } from '#shared/kpi/errors';
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

  it('reads and replaces pre-basis items', async () => {
    await dynamoDb.documentClient.send(
      new PutCommand({
        TableName: TABLE_NAME,
        Item: {
          pk: 'AGG#legacy',
          sk: 'DAY#2026-10-24',
          date: '2026-10-24',
          cells: [['amiens-nord', 'google-ads', 'lead-form', 'cmp-1', 'VN', 4]],
        },
      }),
    );

    const before = await store.readDays('legacy', '2026-10-24', '2026-10-24');
    await store.replaceDays('legacy', '2026-10-24', '2026-10-24', [cellFactory({ date: '2026-10-24' })], run('new'));
    const legacyItem = await dynamoDb.documentClient.send(
      new GetCommand({ TableName: TABLE_NAME, Key: { pk: 'AGG#legacy', sk: 'DAY#2026-10-24' } }),
    );

    expect(before).toEqual([cellFactory({ date: '2026-10-24', leads: 4 })]);
    expect(legacyItem.Item).toBeUndefined();
    expect(await store.readDays('legacy', '2026-10-24', '2026-10-24')).toEqual([cellFactory({ date: '2026-10-24' })]);
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

  it('rejects a day too large for one item', async () => {
    const cells = Array.from({ length: 6_000 }, (_, index) =>
      cellFactory({ date: '2026-10-01', campaignId: `campaign-with-a-rather-long-identifier-${index}` }),
    );

    await expect(store.replaceDays('too-large', '2026-10-01', '2026-10-01', cells, run('x'))).rejects.toBeInstanceOf(
      AggregatesWriteError,
    );
  });
});
