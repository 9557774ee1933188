import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Context, DynamoDBStreamEvent } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { FsObjectStore } from '#shared/adapters/object-store-fs';
import { decodeRows } from '#shared/lake/parquet';
import { buildLead, buildStreamRecord, leadItem } from '#test/unit/lake/stream-records';

const context: Context = {
  callbackWaitsForEmptyEventLoop: false,
  functionName: 'stream-to-lake',
  functionVersion: '$LATEST',
  invokedFunctionArn: 'arn:aws:lambda:eu-west-3:123456789012:function:stream-to-lake',
  memoryLimitInMB: '512',
  awsRequestId: 'c6af9ac6-7b61-11e6-9a41-93e812345678',
  logGroupName: '/aws/lambda/stream-to-lake',
  logStreamName: '2026/11/06/[$LATEST]abcdef',
  getRemainingTimeInMillis: () => 30_000,
  done: () => undefined,
  fail: () => undefined,
  succeed: () => undefined,
};

describe('stream-to-lake handler', () => {
  let root: string;
  let handler: (event: DynamoDBStreamEvent, context: Context) => Promise<unknown>;

  beforeAll(async () => {
    root = await mkdtemp(join(tmpdir(), 'leadpilot-handler-'));
    vi.stubEnv('LAKE_URI', pathToFileURL(root).href);
    vi.resetModules();
    ({ handler } = await import('#functions/stream-to-lake'));
  });

  afterAll(async () => {
    vi.unstubAllEnvs();
    await rm(root, { recursive: true, force: true });
  });

  it('writes leads to the lake and reports the poison record', async () => {
    const { leadId: _leadId, ...itemWithoutLeadId } = leadItem(buildLead());
    const event: DynamoDBStreamEvent = {
      Records: [
        buildStreamRecord({ eventId: 'e1', sequenceNumber: '100' }),
        buildStreamRecord({ eventId: 'e2', sequenceNumber: '200', newItem: itemWithoutLeadId }),
        buildStreamRecord({
          eventId: 'e3',
          sequenceNumber: '300',
          newItem: { pk: 'TENANT#demo', sk: 'CONFIG', entity: 'tenant' },
        }),
      ],
    };

    const response = await handler(event, context);

    expect(response).toEqual({ batchItemFailures: [{ itemIdentifier: '200' }] });
    const store = new FsObjectStore(root);
    const keys = await store.list('lead_changes/');
    expect(keys).toHaveLength(1);
    const rows = await decodeRows((await store.get(keys[0] ?? '')) ?? new Uint8Array());
    expect(rows.map((row) => row.event_id)).toEqual(['e1']);
  });

  it('rejects an event without Records', async () => {
    await expect(handler({} as DynamoDBStreamEvent, context)).rejects.toMatchObject({ code: 'VALIDATION_FAILED' });
  });
});
