/** The nightly job on Athena queries that end cancelled or failed: it throws and writes no aggregate. */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  AthenaClient,
  GetQueryExecutionCommand,
  type QueryExecutionState,
  StartQueryExecutionCommand,
} from '@aws-sdk/client-athena';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { BatchWriteCommand, DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { DynamoDbAggregateStore } from '#shared/adapters/aggregates-dynamodb';
import { FsObjectStore } from '#shared/adapters/object-store-fs';
import { AthenaQueryEngine } from '#shared/adapters/query-engine-athena';
import { QueryCancelledError, QueryFailedError } from '#shared/kpi/errors';
import { runNightly } from '#shared/kpi/nightly';

describe('runNightly on a failing Athena', () => {
  const athena = mockClient(AthenaClient);
  const dynamodb = mockClient(DynamoDBDocumentClient);
  let lakeRoot: string;

  beforeAll(async () => {
    lakeRoot = await mkdtemp(join(tmpdir(), 'leadpilot-athena-fault-'));
  });

  afterEach(() => {
    athena.reset();
    dynamodb.reset();
  });

  afterAll(async () => {
    athena.restore();
    dynamodb.restore();
    await rm(lakeRoot, { recursive: true, force: true });
  });

  function deps() {
    return {
      engine: new AthenaQueryEngine({
        client: new AthenaClient({ region: 'eu-west-3' }),
        workGroup: 'leadpilot',
        database: 'leadpilot',
        pollIntervalMs: 1,
      }),
      aggregates: new DynamoDbAggregateStore({
        client: DynamoDBDocumentClient.from(new DynamoDBClient({ region: 'eu-west-3' })),
        tableName: 'aggregates',
      }),
      lake: new FsObjectStore(lakeRoot),
      clock: () => new Date('2026-12-04T03:00:00Z'),
    };
  }

  function queryEndsIn(state: QueryExecutionState, reason: string): void {
    athena.on(StartQueryExecutionCommand).resolves({ QueryExecutionId: 'query-1' });
    athena
      .on(GetQueryExecutionCommand)
      .resolvesOnce({ QueryExecution: { Status: { State: 'RUNNING' } } })
      .resolves({ QueryExecution: { Status: { State: state, StateChangeReason: reason } } });
  }

  it('throws QueryCancelledError and writes no aggregate when the cutoff cancels the query', async () => {
    queryEndsIn('CANCELLED', 'Bytes scanned limit was exceeded');

    const outcome = runNightly(deps(), { tenantId: 'demo', from: '2026-11-01', to: '2026-11-30' });

    await expect(outcome).rejects.toBeInstanceOf(QueryCancelledError);
    await expect(outcome).rejects.toThrow('Bytes scanned limit was exceeded');
    expect(dynamodb.commandCalls(BatchWriteCommand)).toEqual([]);
  });

  it('throws QueryFailedError and writes no aggregate when the query fails', async () => {
    queryEndsIn('FAILED', 'HIVE_BAD_DATA: malformed Parquet file');

    const outcome = runNightly(deps(), { tenantId: 'demo', from: '2026-11-01', to: '2026-11-30' });

    await expect(outcome).rejects.toBeInstanceOf(QueryFailedError);
    await expect(outcome).rejects.toThrow('HIVE_BAD_DATA');
    expect(dynamodb.commandCalls(BatchWriteCommand)).toEqual([]);
  });
});
