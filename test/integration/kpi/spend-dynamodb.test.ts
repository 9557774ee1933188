import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DynamoDbSpendStore } from '#shared/adapters/spend-dynamodb';
import { AGGREGATES_TABLE } from '#shared/store/tables';
import { type LocalDynamoDb, startLocalDynamoDb } from '#test/integration/kpi/dynamodb-local';

describe('DynamoDbSpendStore', () => {
  let dynamoDb: LocalDynamoDb;
  let store: DynamoDbSpendStore;

  beforeAll(async () => {
    dynamoDb = await startLocalDynamoDb(AGGREGATES_TABLE, 'aggregates');
    store = new DynamoDbSpendStore({ client: dynamoDb.documentClient, tableName: 'aggregates' });
  });

  afterAll(() => {
    dynamoDb?.stop();
  });

  it('reads back rows with and without campaign and site, in exact cents', async () => {
    const may = [{ month: '2026-05', source: 'google-ads', amount: 19.99 }];
    const june = [
      { month: '2026-06', source: 'meta-ads', campaign: 'cmp-9', site: 'abbeville', amount: 1_234.56 },
      { month: '2026-06', source: 'google-ads', amount: 0.1 },
    ];

    await store.replaceMonths(
      'demo',
      new Map([
        ['2026-05', may],
        ['2026-06', june],
      ]),
    );

    expect(await store.readMonths('demo', '2026-05', '2026-06')).toEqual([...may, ...june]);
    expect(await store.readMonths('demo', '2026-06', '2026-07')).toEqual(june);
  });

  it('replaces a month and keeps tenants apart', async () => {
    await store.replaceMonths('tenant-a', new Map([['2026-06', [{ month: '2026-06', source: 'old', amount: 5 }]]]));
    await store.replaceMonths('tenant-b', new Map([['2026-06', [{ month: '2026-06', source: 'b', amount: 7 }]]]));

    await store.replaceMonths('tenant-a', new Map([['2026-06', [{ month: '2026-06', source: 'new', amount: 6 }]]]));

    expect(await store.readMonths('tenant-a', '2026-01', '2026-12')).toEqual([
      { month: '2026-06', source: 'new', amount: 6 },
    ]);
    expect(await store.readMonths('tenant-b', '2026-01', '2026-12')).toEqual([
      { month: '2026-06', source: 'b', amount: 7 },
    ]);
  });
});
