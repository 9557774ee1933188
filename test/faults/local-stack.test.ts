/**
 * Fault injection against the local stack. The faults are DynamoDB Local stopped while a webhook arrives, a
 * failing or hanging Graph API, an unreadable secret store and a poison stream record. The suite also
 * delivers stream batches twice, and repeats, interrupts and breaks the nightly run. The steps share one stack
 * and run in order.
 */
import { copyFile, mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { ScanCommand, type ScanCommandOutput } from '@aws-sdk/client-dynamodb';
import { BatchWriteCommand, type DynamoDBDocumentClient, PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { Context, DynamoDBBatchResponse, DynamoDBStreamEvent } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import * as z from 'zod';
import { main as quarantineMain } from '#infra/cli/quarantine';
import type { CliContext } from '#infra/cli/run';
import { listFailedRecords, main as streamMain } from '#infra/cli/stream';
import type { Delivery } from '#infra/local/deliveries';
import { ensureTable } from '#infra/local/dynamodb-local';
import { LOCAL_TABLE_NAMES } from '#infra/local/stack';
import type { StreamHandler } from '#infra/local/stream-poller';
import { DynamoDbAggregateStore } from '#shared/adapters/aggregates-dynamodb';
import { DynamoPendingFetchRepository } from '#shared/adapters/lead-repository-dynamodb';
import { FsObjectStore } from '#shared/adapters/object-store-fs';
import { DuckDbQueryEngine } from '#shared/adapters/query-engine-duckdb';
import type { DailyCell } from '#shared/kpi/aggregates';
import { QueryCancelledError, QueryFailedError } from '#shared/kpi/errors';
import { runNightly } from '#shared/kpi/nightly';
import type { QueryEngine } from '#shared/kpi/query-engine';
import { decodeRows } from '#shared/lake/parquet';
import type { LakeRow } from '#shared/lake/schema';
import { logger } from '#shared/logger';
import { AGGREGATES_TABLE, leadKeys } from '#shared/store/tables';
import { deliverFixture, fixtureDeliveries, startTestStack, type TestStack } from '#test/support/local-stack';

/** Steps that wait for retries, timeouts or the nightly job on a loaded machine. */
const SLOW_STEP_TIMEOUT_MS = 120_000;
const TENANT = 'demo';
const META_LEADGEN_IDS = ['920000000000001', '920000000000002', '920000000000003'];
const NIGHTLY_RANGE = { from: '2026-10-01', to: '2026-12-31' };

const ingestResultSchema = z.object({
  leadIds: z.array(z.string()),
  duplicates: z.array(z.string()),
  pending: z.array(z.string()),
});

describe('faults on the local stack', () => {
  let stack: TestStack;
  let deliveries: Map<string, Delivery>;
  let cli: CliContext;
  let output: string[];
  /** Every event that the poller handed to the stream handler, in order. */
  const streamEvents: DynamoDBStreamEvent[] = [];
  let realStreamHandler: StreamHandler | undefined;

  beforeAll(async () => {
    deliveries = await fixtureDeliveries();
    const recordingHandler: StreamHandler = async (event, context) => {
      streamEvents.push(structuredClone(event));
      realStreamHandler ??= (await import('#functions/stream-to-lake')).handler as unknown as StreamHandler;
      return realStreamHandler(event, context);
    };
    stack = await startTestStack({
      handlers: { streamToLake: recordingHandler },
      poller: { pollIntervalMs: 50, maxRetryAttempts: 1, retryBaseDelayMs: 10 },
    });
    output = [];
    cli = {
      dataDir: stack.dataDir,
      print: (line) => output.push(line),
      warn: (line) => output.push(line),
      clock: () => new Date(),
    };
  }, SLOW_STEP_TIMEOUT_MS);

  afterAll(async () => {
    await stack?.stop();
  }, SLOW_STEP_TIMEOUT_MS);

  function deliver(fixturePath: string): Promise<Response> {
    const delivery = deliveries.get(fixturePath);
    if (!delivery) {
      throw new Error(`No delivery in expected.json for ${fixturePath}`);
    }
    return deliverFixture(stack.baseUrl, fixturePath, delivery, stack.tenant);
  }

  async function ingestResult(response: Response) {
    return ingestResultSchema.parse(await response.json());
  }

  async function countLeadItems(sourceLeadId: string): Promise<number> {
    let count = 0;
    let startKey: ScanCommandOutput['LastEvaluatedKey'];
    do {
      const page = await stack.stack.dynamodb.client.send(
        new ScanCommand({
          TableName: LOCAL_TABLE_NAMES.leads,
          FilterExpression: 'entity = :lead AND sourceLeadId = :id',
          ExpressionAttributeValues: { ':lead': { S: 'lead' }, ':id': { S: sourceLeadId } },
          Select: 'COUNT',
          ExclusiveStartKey: startKey,
        }),
      );
      count += page.Count ?? 0;
      startKey = page.LastEvaluatedKey;
    } while (startKey);
    return count;
  }

  const lakeRoot = () => join(stack.dataDir, 'lake');

  /** Reads every file of the lake table as base64, by path relative to the lake. */
  async function lakeFiles(): Promise<Record<string, string>> {
    const root = join(lakeRoot(), 'lead_changes');
    const files: Record<string, string> = {};
    for (const entry of await readdir(root, { recursive: true, withFileTypes: true })) {
      if (entry.isFile()) {
        const path = join(entry.parentPath, entry.name);
        files[relative(lakeRoot(), path)] = (await readFile(path)).toString('base64');
      }
    }
    return files;
  }

  async function lakeRows(): Promise<LakeRow[]> {
    const rows: LakeRow[] = [];
    for (const [path, base64] of Object.entries(await lakeFiles())) {
      if (path.endsWith('.parquet')) {
        rows.push(...(await decodeRows(new Uint8Array(Buffer.from(base64, 'base64')))));
      }
    }
    return rows;
  }

  function nightlyDeps(options: { engine?: QueryEngine; client?: DynamoDBDocumentClient; table?: string } = {}) {
    const later = new Date(Date.now() + 3 * 86_400_000);
    return {
      engine: options.engine ?? new DuckDbQueryEngine({ lakeRoot: lakeRoot() }),
      aggregates: new DynamoDbAggregateStore({
        client: options.client ?? stack.stack.documentClient,
        tableName: options.table ?? LOCAL_TABLE_NAMES.aggregates,
      }),
      lake: new FsObjectStore(lakeRoot()),
      // Three days ahead, so that today's lake partitions count as closed and are compacted.
      clock: () => later,
    };
  }

  function readAggregates(table: string = LOCAL_TABLE_NAMES.aggregates): Promise<DailyCell[]> {
    const store = new DynamoDbAggregateStore({ client: stack.stack.documentClient, tableName: table });
    return store.readDays(TENANT, NIGHTLY_RANGE.from, NIGHTLY_RANGE.to);
  }

  it(
    'answers 503 while DynamoDB Local is down and stores the lead once after it is back',
    async () => {
      await stack.stack.dynamodb.halt();
      const whileDown = await deliver('adf/lacentrale-vo.xml');
      await stack.stack.dynamodb.restart();
      const afterRestart = await deliver('adf/lacentrale-vo.xml');
      const redelivered = await deliver('adf/lacentrale-vo.xml');

      expect(whileDown.status).toBe(503);
      expect(whileDown.headers.get('retry-after')).toBe('5');
      expect(await whileDown.json()).toEqual({
        error: { code: 'DEPENDENCY_UNAVAILABLE', message: 'The service is temporarily unavailable; retry later' },
      });
      expect(afterRestart.status).toBe(202);
      const stored = await ingestResult(afterRestart);
      expect(stored.leadIds).toHaveLength(1);
      expect(stored.duplicates).toEqual([]);
      expect(await ingestResult(redelivered)).toEqual({ ...stored, duplicates: stored.leadIds });
      expect(await countLeadItems('LC-2026-000417')).toBe(1);
    },
    SLOW_STEP_TIMEOUT_MS,
  );

  it(
    'keeps Meta leads pending while the Graph API fails and stores them once on retry',
    async () => {
      const pending = new DynamoPendingFetchRepository({
        client: stack.stack.documentClient,
        tableName: LOCAL_TABLE_NAMES.leads,
      });
      stack.stack.graph.failNext(1_000, 503);
      const whileFailing = await deliver('meta/leadgen-webhook.json');
      const pendingWhileFailing = (await pending.list(TENANT)).map((item) => item.leadgenId).sort();
      stack.stack.graph.resetFaults();
      const retryCode = await quarantineMain(['retry-pending', '--tenant', TENANT], cli);
      const redelivered = await deliver('meta/leadgen-webhook.json');

      expect(whileFailing.status).toBe(202);
      expect(await ingestResult(whileFailing)).toEqual({ leadIds: [], duplicates: [], pending: META_LEADGEN_IDS });
      expect(pendingWhileFailing).toEqual(META_LEADGEN_IDS);
      expect(retryCode).toBe(0);
      expect(await pending.list(TENANT)).toEqual([]);
      const again = await ingestResult(redelivered);
      expect(again.leadIds).toHaveLength(3);
      expect(again.duplicates).toEqual(again.leadIds);
      expect(again.pending).toEqual([]);
    },
    SLOW_STEP_TIMEOUT_MS,
  );

  it(
    'retries a Graph request that timed out',
    async () => {
      stack.stack.graph.delayNext(1, 4_000);
      const requestsBefore = stack.stack.graph.requestCount();

      const response = await deliver('meta/leadgen-webhook.json');

      expect(response.status).toBe(202);
      const result = await ingestResult(response);
      expect(result.pending).toEqual([]);
      expect(result.duplicates).toHaveLength(3);
      // One request timed out and was retried, then one request for each of the two other leads.
      expect(stack.stack.graph.requestCount() - requestsBefore).toBe(4);
    },
    SLOW_STEP_TIMEOUT_MS,
  );

  it(
    'answers 202 with pending leads when every Graph request hangs',
    async () => {
      stack.stack.graph.setDelay(20_000);
      let response: Response;
      try {
        response = await deliver('meta/leadgen-webhook.json');
      } finally {
        stack.stack.graph.resetFaults();
      }
      const retryCode = await quarantineMain(['retry-pending', '--tenant', TENANT], cli);

      expect(response.status).toBe(202);
      expect(await ingestResult(response)).toEqual({ leadIds: [], duplicates: [], pending: META_LEADGEN_IDS });
      expect(retryCode).toBe(0);
      expect(await countLeadItems('920000000000001')).toBeLessThanOrEqual(1);
    },
    SLOW_STEP_TIMEOUT_MS,
  );

  it(
    'answers 503 while the secret store cannot be read',
    async () => {
      const secretsFile = join(stack.dataDir, 'secrets.json');
      const secrets = await readFile(secretsFile);
      await writeFile(secretsFile, '{"truncated": ');
      let whileBroken: Response;
      try {
        whileBroken = await deliver('adf/oem-vn-single-phone.xml');
      } finally {
        await writeFile(secretsFile, secrets, { mode: 0o600 });
      }
      const afterFix = await deliver('adf/oem-vn-single-phone.xml');

      expect(whileBroken.status).toBe(503);
      expect(whileBroken.headers.get('retry-after')).toBe('5');
      expect(afterFix.status).toBe(202);
      const stored = await ingestResult(afterFix);
      expect(stored.leadIds).toHaveLength(1);
      expect(stored.duplicates).toEqual([]);
    },
    SLOW_STEP_TIMEOUT_MS,
  );

  const leadItem = (leadId: string, leadNumber: number, datedAt: string) => ({
    pk: leadKeys.pk(TENANT, leadId),
    sk: leadKeys.sk,
    entity: 'lead',
    leadId,
    leadNumber,
    version: 1,
    tenantId: TENANT,
    source: 'fault-test',
    datedAt,
    receivedAt: '2026-11-20T10:00:05.000Z',
    localDate: '2026-11-20',
  });

  it(
    'lands the rest of a batch around a poison record and replays it once fixed',
    async () => {
      const client = stack.stack.documentClient;
      const put = (item: Record<string, unknown>) =>
        client.send(new PutCommand({ TableName: LOCAL_TABLE_NAMES.leads, Item: item }));
      await put(leadItem('ld_fault_good_1', 9001, '2026-11-20T10:00:00.000Z'));
      await put(leadItem('ld_fault_poison', 9002, 'not-a-date'));
      await put(leadItem('ld_fault_good_2', 9003, '2026-11-20T10:00:00.000Z'));
      await stack.stack.poller.drain();

      const rowsBeforeFix = await lakeRows();
      const failed = await listFailedRecords(stack.dataDir);
      const failureFiles = (await readdir(join(stack.dataDir, 'stream-failures'))).filter((name) =>
        name.endsWith('.json'),
      );

      expect(rowsBeforeFix.map((row) => row.lead_id)).toEqual(
        expect.arrayContaining(['ld_fault_good_1', 'ld_fault_good_2']),
      );
      expect(rowsBeforeFix.map((row) => row.lead_id)).not.toContain('ld_fault_poison');
      expect(failureFiles).toHaveLength(1);
      expect(failed).toHaveLength(1);
      const poison = failed[0];
      expect(poison?.record.dynamodb?.Keys?.pk?.S).toBe(leadKeys.pk(TENANT, 'ld_fault_poison'));
      expect(poison?.note?.reason).toContain('invalid or missing lead fields: datedAt');
      const poisonEventId = poison?.record.eventID;

      await client.send(
        new UpdateCommand({
          TableName: LOCAL_TABLE_NAMES.leads,
          Key: { pk: leadKeys.pk(TENANT, 'ld_fault_poison'), sk: leadKeys.sk },
          UpdateExpression: 'SET datedAt = :datedAt',
          ExpressionAttributeValues: { ':datedAt': '2026-11-20T10:00:00.000Z' },
        }),
      );
      await stack.stack.poller.drain();
      const replayCode = await streamMain(['replay'], cli);
      // Replaying the same file again must not land the record a second time.
      const replayedFolder = join(stack.dataDir, 'stream-failures', 'replayed');
      await copyFile(join(replayedFolder, failureFiles[0] ?? ''), join(stack.dataDir, 'stream-failures', 'again.json'));
      const secondReplayCode = await streamMain(['replay'], cli);

      expect(replayCode).toBe(0);
      expect(secondReplayCode).toBe(0);
      const poisonRows = (await lakeRows()).filter((row) => row.event_id === poisonEventId);
      expect(poisonRows).toHaveLength(1);
      expect(poisonRows[0]).toMatchObject({
        lead_id: 'ld_fault_poison',
        event_name: 'INSERT',
        dated_at_ms: Date.parse('2026-11-20T10:00:00.000Z'),
      });
      expect(await listFailedRecords(stack.dataDir)).toEqual([]);
    },
    SLOW_STEP_TIMEOUT_MS,
  );

  it(
    'leaves the lake byte for byte the same when every stream batch is delivered twice',
    async () => {
      await stack.stack.poller.drain();
      const before = await lakeFiles();
      const handler = realStreamHandler as StreamHandler;
      const context = { functionName: 'stream-to-lake', awsRequestId: 'redelivery' } as Context;

      const responses: (DynamoDBBatchResponse | undefined)[] = [];
      for (const event of streamEvents) {
        responses.push(await handler(structuredClone(event), context));
      }

      expect(streamEvents.length).toBeGreaterThan(3);
      expect(Object.keys(before).length).toBeGreaterThan(3);
      expect(await lakeFiles()).toEqual(before);
      // Only the batches with the poison record's original image fail again.
      expect(responses.filter((response) => (response?.batchItemFailures ?? []).length > 0).length).toBeGreaterThan(0);
    },
    SLOW_STEP_TIMEOUT_MS,
  );

  it(
    'ends a repeated nightly run with the same lake and aggregates',
    async () => {
      await stack.stack.poller.drain();

      await runNightly(nightlyDeps(), { tenantId: TENANT, ...NIGHTLY_RANGE });
      const firstAggregates = await readAggregates();
      const firstLake = await lakeFiles();
      await runNightly(nightlyDeps(), { tenantId: TENANT, ...NIGHTLY_RANGE });

      expect(firstAggregates.length).toBeGreaterThan(0);
      expect(await readAggregates()).toEqual(firstAggregates);
      expect(await lakeFiles()).toEqual(firstLake);
    },
    SLOW_STEP_TIMEOUT_MS,
  );

  it(
    'ends a nightly run interrupted halfway and run again like one clean run',
    async () => {
      const previous = await readAggregates();
      const posted = await deliver('web-form/contact.json');
      expect(posted.status).toBe(202);
      await stack.stack.poller.drain();
      await ensureTable(stack.stack.dynamodb.client, 'aggregates-reference', AGGREGATES_TABLE);
      await runNightly(nightlyDeps({ table: 'aggregates-reference' }), { tenantId: TENANT, ...NIGHTLY_RANGE });
      const clean = await readAggregates('aggregates-reference');

      const interrupted = runNightly(nightlyDeps({ client: failingAfterBatchWrites(stack.stack.documentClient, 2) }), {
        tenantId: TENANT,
        ...NIGHTLY_RANGE,
      });
      await expect(interrupted).rejects.toThrow('injected aggregates write failure');
      const afterInterruption = await readAggregates();
      await runNightly(nightlyDeps(), { tenantId: TENANT, ...NIGHTLY_RANGE });

      expect(clean).not.toEqual(previous);
      expect(afterInterruption).not.toEqual(clean);
      expect(await readAggregates()).toEqual(clean);
    },
    SLOW_STEP_TIMEOUT_MS,
  );

  it.each([
    ['fails', () => new QueryFailedError('DuckDB query failed: injected fault')],
    ['is cancelled', () => new QueryCancelledError('Query cancelled by its cutoff: injected fault')],
  ])(
    'keeps the previous aggregates when a KPI query %s',
    async (_case, fault) => {
      const previous = await readAggregates();
      const engine = new DuckDbQueryEngine({ lakeRoot: lakeRoot() });
      // The engine runs the query, then the fault replaces its result, as a failure late in the query would.
      const failingEngine: QueryEngine = {
        query: (sql, params) => engine.query(sql, params),
        queryColumns: async (sql, params) => {
          await engine.queryColumns(sql, params);
          throw fault();
        },
      };

      await expect(
        runNightly(nightlyDeps({ engine: failingEngine }), { tenantId: TENANT, ...NIGHTLY_RANGE }),
      ).rejects.toThrow('injected fault');

      expect(previous.some((cell) => cell.leads > 0)).toBe(true);
      expect(await readAggregates()).toEqual(previous);
    },
    SLOW_STEP_TIMEOUT_MS,
  );

  it(
    'logs a failed nightly handler run and keeps the previous aggregates',
    async () => {
      const previous = await readAggregates();
      const partition = join(lakeRoot(), 'lead_changes', `tenant=${TENANT}`, 'dt=2026-11-20');
      const corrupt = join(partition, 'part-corrupt.parquet');
      await mkdir(partition, { recursive: true });
      await writeFile(corrupt, 'this is not a Parquet file');
      const errors = vi.spyOn(logger, 'error');
      let outcome: unknown;
      let logged: unknown[][];
      try {
        outcome = await stack.stack.runNightly({ tenantId: TENANT, ...NIGHTLY_RANGE }).catch((error: unknown) => error);
        logged = [...errors.mock.calls];
      } finally {
        await rm(corrupt, { force: true });
        errors.mockRestore();
      }

      expect(outcome).toMatchObject({ name: 'QueryFailedError' });
      expect(logged).toContainEqual([
        'Nightly KPI run failed; the previous aggregates are kept',
        expect.objectContaining({ tenantId: TENANT, error: expect.objectContaining({ name: 'QueryFailedError' }) }),
      ]);
      expect(await readAggregates()).toEqual(previous);
    },
    SLOW_STEP_TIMEOUT_MS,
  );
});

/** Wraps a document client so that its BatchWriteItem calls fail after the first `writes`, like a store lost mid-run. */
function failingAfterBatchWrites(client: DynamoDBDocumentClient, writes: number): DynamoDBDocumentClient {
  let calls = 0;
  const send = async (command: unknown, ...rest: unknown[]) => {
    if (command instanceof BatchWriteCommand) {
      calls += 1;
      if (calls > writes) {
        throw new Error('injected aggregates write failure');
      }
    }
    return Reflect.apply(client.send, client, [command, ...rest]);
  };
  return new Proxy(client, {
    get: (target, property, receiver) => (property === 'send' ? send : Reflect.get(target, property, receiver)),
  });
}
