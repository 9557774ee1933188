/** The stream poller against a real DynamoDB Local stream, with a fake stream handler. */
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DeleteTableCommand, PutItemCommand } from '@aws-sdk/client-dynamodb';
import { DynamoDBStreamsClient } from '@aws-sdk/client-dynamodb-streams';
import type { DynamoDBBatchResponse, DynamoDBRecord, DynamoDBStreamEvent } from 'aws-lambda';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type DynamoDbLocal, ensureTable, LOCAL_AWS, startDynamoDbLocal } from '#infra/local/dynamodb-local';
import { type StreamHandler, StreamPoller } from '#infra/local/stream-poller';
import { LEADS_TABLE } from '#shared/store/tables';

const TABLE = 'leads';

describe('stream poller', () => {
  let dataDir: string;
  let dynamodb: DynamoDbLocal;
  let streams: DynamoDBStreamsClient;
  let streamArn: string;
  let pollers: StreamPoller[];
  let logs: string[];

  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'leadpilot-poller-'));
    dynamodb = await startDynamoDbLocal({ dataDir });
    streams = new DynamoDBStreamsClient({
      region: LOCAL_AWS.region,
      endpoint: dynamodb.endpoint,
      credentials: { accessKeyId: LOCAL_AWS.accessKeyId, secretAccessKey: LOCAL_AWS.secretAccessKey },
    });
  });

  afterAll(async () => {
    streams?.destroy();
    await dynamodb?.stop();
    await rm(dataDir, { recursive: true, force: true });
  });

  // Each test gets a new table, hence a new stream, and its own checkpoint folder.
  let testDir: string;
  beforeEach(async () => {
    pollers = [];
    logs = [];
    testDir = await mkdtemp(join(dataDir, 'test-'));
    const arn = await ensureTable(dynamodb.client, TABLE, LEADS_TABLE);
    if (!arn) {
      throw new Error('The lead table has no stream');
    }
    streamArn = arn;
  });

  afterEach(async () => {
    for (const poller of pollers) {
      await poller.stop();
    }
    await dynamodb.client.send(new DeleteTableCommand({ TableName: TABLE }));
  });

  function startPoller(handler: StreamHandler, options: { maxRetryAttempts?: number } = {}): StreamPoller {
    const poller = new StreamPoller({
      client: streams,
      streamArn,
      region: LOCAL_AWS.region,
      handler,
      dataDir: testDir,
      pollIntervalMs: 50,
      retryBaseDelayMs: 10,
      log: (line) => logs.push(line),
      ...options,
    });
    pollers.push(poller);
    return poller;
  }

  async function putItem(pk: string, entity: string): Promise<void> {
    await dynamodb.client.send(
      new PutItemCommand({
        TableName: TABLE,
        Item: { pk: { S: pk }, sk: { S: 'LEAD' }, entity: { S: entity }, tags: { M: {} }, count: { N: '1' } },
      }),
    );
  }

  function recordingHandler(batches: DynamoDBRecord[][]): StreamHandler {
    return async (event: DynamoDBStreamEvent) => {
      batches.push(event.Records);
      return { batchItemFailures: [] };
    };
  }

  const keysOf = (batches: DynamoDBRecord[][]) => batches.flat().map((record) => record.dynamodb?.Keys?.pk?.S);

  it('hands every lead record to the handler before drain resolves', async () => {
    const batches: DynamoDBRecord[][] = [];
    await putItem('LEAD#demo#1', 'lead');
    await putItem('TENANT#demo', 'tenant');
    await putItem('LEAD#demo#2', 'lead');
    const poller = startPoller(recordingHandler(batches));
    await poller.start();

    await poller.drain();

    expect(keysOf(batches)).toEqual(['LEAD#demo#1', 'LEAD#demo#2']);
  });

  it('builds Lambda-shaped records', async () => {
    const batches: DynamoDBRecord[][] = [];
    await putItem('LEAD#demo#1', 'lead');
    const poller = startPoller(recordingHandler(batches));
    await poller.start();

    await poller.drain();

    expect(batches[0]?.[0]).toEqual({
      eventID: expect.any(String),
      eventName: 'INSERT',
      eventVersion: '1.1',
      eventSource: 'aws:dynamodb',
      awsRegion: 'eu-west-3',
      eventSourceARN: streamArn,
      dynamodb: {
        ApproximateCreationDateTime: expect.any(Number),
        Keys: { pk: { S: 'LEAD#demo#1' }, sk: { S: 'LEAD' } },
        NewImage: {
          pk: { S: 'LEAD#demo#1' },
          sk: { S: 'LEAD' },
          entity: { S: 'lead' },
          tags: { M: {} },
          count: { N: '1' },
        },
        OldImage: undefined,
        SequenceNumber: expect.stringMatching(/^\d+$/),
        SizeBytes: expect.any(Number),
        StreamViewType: 'NEW_AND_OLD_IMAGES',
      },
    });
    // Lambda gives the creation time in epoch seconds, not milliseconds.
    const created = batches[0]?.[0]?.dynamodb?.ApproximateCreationDateTime ?? 0;
    expect(Math.abs(created - Date.now() / 1000)).toBeLessThan(600);
  });

  it('retries from the lowest failed record', async () => {
    const batches: DynamoDBRecord[][] = [];
    let failed = false;
    const handler: StreamHandler = async (event): Promise<DynamoDBBatchResponse> => {
      batches.push(event.Records);
      const second = event.Records[1]?.dynamodb?.SequenceNumber;
      if (!failed && second) {
        failed = true;
        return { batchItemFailures: [{ itemIdentifier: second }] };
      }
      return { batchItemFailures: [] };
    };
    for (const id of ['1', '2', '3']) {
      await putItem(`LEAD#demo#${id}`, 'lead');
    }
    const poller = startPoller(handler);
    await poller.start();

    await poller.drain();

    expect(batches.map((batch) => batch.map((record) => record.dynamodb?.Keys?.pk?.S))).toEqual([
      ['LEAD#demo#1', 'LEAD#demo#2', 'LEAD#demo#3'],
      ['LEAD#demo#2', 'LEAD#demo#3'],
    ]);
  });

  it('retries a batch whose handler throws', async () => {
    let calls = 0;
    const handler: StreamHandler = async () => {
      calls += 1;
      if (calls === 1) {
        throw new Error('transient failure');
      }
      return { batchItemFailures: [] };
    };
    await putItem('LEAD#demo#1', 'lead');
    const poller = startPoller(handler);
    await poller.start();

    await poller.drain();

    expect(calls).toBe(2);
  });

  it('sends records to stream-failures after the retries are spent', async () => {
    const batches: DynamoDBRecord[][] = [];
    const handler: StreamHandler = async (event) => {
      batches.push(event.Records);
      const failing = event.Records.find((record) => record.dynamodb?.Keys?.pk?.S === 'LEAD#demo#poison');
      return { batchItemFailures: failing ? [{ itemIdentifier: failing.dynamodb?.SequenceNumber ?? '' }] : [] };
    };
    await putItem('LEAD#demo#poison', 'lead');
    const poller = startPoller(handler, { maxRetryAttempts: 2 });
    await poller.start();
    await poller.drain();
    await putItem('LEAD#demo#after', 'lead');

    await poller.drain();

    expect(keysOf(batches)).toEqual(['LEAD#demo#poison', 'LEAD#demo#poison', 'LEAD#demo#poison', 'LEAD#demo#after']);
    const files = await readdir(join(testDir, 'stream-failures'));
    expect(files).toHaveLength(1);
    const failure = JSON.parse(await readFile(join(testDir, 'stream-failures', files[0] ?? ''), 'utf8'));
    expect(failure.requestContext).toEqual({ condition: 'RetryAttemptsExhausted', approximateInvokeCount: 3 });
    expect(failure.DDBStreamBatchInfo.batchSize).toBe(1);
    expect(failure.records.map((record: DynamoDBRecord) => record.dynamodb?.Keys?.pk?.S)).toEqual(['LEAD#demo#poison']);
  });

  it('resumes after its checkpoint when restarted', async () => {
    const firstRun: DynamoDBRecord[][] = [];
    const secondRun: DynamoDBRecord[][] = [];
    await putItem('LEAD#demo#1', 'lead');
    const first = startPoller(recordingHandler(firstRun));
    await first.start();
    await first.drain();
    await first.stop();
    await putItem('LEAD#demo#2', 'lead');

    const second = startPoller(recordingHandler(secondRun));
    await second.start();
    await second.drain();

    expect(keysOf(firstRun)).toEqual(['LEAD#demo#1']);
    expect(keysOf(secondRun)).toEqual(['LEAD#demo#2']);
  });

  it('rejects drain once stopped', async () => {
    const poller = startPoller(recordingHandler([]));
    await poller.start();
    await poller.stop();

    await expect(poller.drain()).rejects.toThrow('stream poller is stopped');
  });
});
