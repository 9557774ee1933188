/**
 * A stand-in for Lambda's DynamoDB Streams event source mapping: reads the lead table's stream shard by shard,
 * hands Lambda-shaped batches to the stream handler, honours `batchItemFailures`, and checkpoints its position
 * in `<dataDir>/stream-checkpoints.json` so that a restart resumes where it stopped.
 */
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import {
  type _Record,
  DescribeStreamCommand,
  type DynamoDBStreamsClient,
  GetRecordsCommand,
  GetShardIteratorCommand,
  type Shard,
} from '@aws-sdk/client-dynamodb-streams';
import type { Context, DynamoDBBatchResponse, DynamoDBRecord, DynamoDBStreamEvent } from 'aws-lambda';
import * as z from 'zod';
import { createLambdaContext } from './lambda-context';
import { isLeadRecord, toLambdaRecord } from './stream-events';

/** The stream handler's signature, as `functions/stream-to-lake.ts` exports it. */
export type StreamHandler = (
  event: DynamoDBStreamEvent,
  context: Context,
) => Promise<DynamoDBBatchResponse | undefined>;

export interface StreamPollerOptions {
  client: DynamoDBStreamsClient;
  streamArn: string;
  region: string;
  handler: StreamHandler;
  /** Folder of `stream-checkpoints.json` and of `stream-failures/`. */
  dataDir: string;
  pollIntervalMs?: number;
  /** Records per handler invocation, like the mapping's `batchSize`. */
  batchSize?: number;
  /** Retries of a failed batch before it goes to `stream-failures/`, like the mapping's `maxRetryAttempts`. */
  maxRetryAttempts?: number;
  /** First retry delay; each further retry doubles it, up to 5 s. */
  retryBaseDelayMs?: number;
  log?: (line: string) => void;
}

const checkpointFileSchema = z.object({
  streamArn: z.string(),
  shards: z.record(z.string(), z.object({ sequenceNumber: z.string().optional(), closed: z.boolean().optional() })),
});
type CheckpointFile = z.infer<typeof checkpointFileSchema>;

const GET_RECORDS_LIMIT = 1000;
const MAX_RETRY_DELAY_MS = 5_000;
const HANDLER_TIMEOUT_MS = 60_000;

interface DrainWaiter {
  afterCycle: number;
  resolve: () => void;
  reject: (error: Error) => void;
}

export class StreamPoller {
  private readonly pollIntervalMs: number;
  private readonly batchSize: number;
  private readonly maxRetryAttempts: number;
  private readonly retryBaseDelayMs: number;
  private readonly log: (line: string) => void;
  private readonly checkpointPath: string;
  private checkpoints: CheckpointFile;
  private readonly iterators = new Map<string, string>();
  private drainWaiters: DrainWaiter[] = [];
  private cycle = 0;
  private stopped = true;
  private loop: Promise<void> | undefined;
  private wake: (() => void) | undefined;
  private lastError: string | undefined;

  constructor(private readonly options: StreamPollerOptions) {
    this.pollIntervalMs = options.pollIntervalMs ?? 250;
    this.batchSize = options.batchSize ?? 100;
    this.maxRetryAttempts = options.maxRetryAttempts ?? 3;
    this.retryBaseDelayMs = options.retryBaseDelayMs ?? 200;
    this.log = options.log ?? (() => {});
    this.checkpointPath = join(options.dataDir, 'stream-checkpoints.json');
    this.checkpoints = { streamArn: options.streamArn, shards: {} };
  }

  /** Loads the checkpoints and starts polling; checkpoints of another stream (a recreated table) are dropped. */
  async start(): Promise<void> {
    if (!this.stopped) {
      return;
    }
    const saved = await readCheckpoints(this.checkpointPath);
    if (saved?.streamArn === this.options.streamArn) {
      this.checkpoints = saved;
    }
    this.stopped = false;
    this.loop = this.run();
  }

  /** True while the poller runs and its last poll succeeded. */
  isHealthy(): boolean {
    return !this.stopped && this.lastError === undefined;
  }

  /**
   * Resolves once every record that is in the stream when this is called has been handed to the handler
   * (successfully, or sent to `stream-failures/` after its retries). Rejects if the poller stops first.
   */
  drain(): Promise<void> {
    if (this.stopped) {
      return Promise.reject(new Error('The stream poller is stopped; start it before draining'));
    }
    const drained = new Promise<void>((resolve, reject) => {
      this.drainWaiters.push({ afterCycle: this.cycle, resolve, reject });
    });
    this.wake?.();
    return drained;
  }

  /** Stops polling after the current batch and waits for the loop to end. */
  async stop(): Promise<void> {
    if (this.stopped) {
      return;
    }
    this.stopped = true;
    this.wake?.();
    await this.loop;
    for (const waiter of this.drainWaiters) {
      waiter.reject(new Error('The stream poller stopped before the stream was drained'));
    }
    this.drainWaiters = [];
  }

  private async run(): Promise<void> {
    while (!this.stopped) {
      this.cycle += 1;
      const cycle = this.cycle;
      let progressed = false;
      try {
        progressed = await this.pollOnce();
        if (this.lastError !== undefined) {
          this.log('Stream poller recovered');
        }
        this.lastError = undefined;
      } catch (error) {
        progressed = false;
        const message = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
        // Repeats of one error (DynamoDB Local down) are logged once, not every 250 ms.
        if (message !== this.lastError) {
          this.log(`Stream poller failed to read the stream, retrying: ${message}`);
        }
        this.lastError = message;
      }
      if (this.lastError === undefined && !progressed) {
        this.resolveDrainWaiters(cycle);
      }
      if (!progressed && !this.stopped) {
        await this.sleep(this.pollIntervalMs);
      }
    }
  }

  /** Resolves the waiters registered before `cycle` began, because that cycle found nothing left to read. */
  private resolveDrainWaiters(cycle: number): void {
    const [done, waiting] = partition(this.drainWaiters, (waiter) => cycle > waiter.afterCycle);
    this.drainWaiters = waiting;
    for (const waiter of done) {
      waiter.resolve();
    }
  }

  /** Reads each readable shard once; returns true when records were read or a shard closed. */
  private async pollOnce(): Promise<boolean> {
    const shards = await this.describeShards();
    const shardIds = new Set(shards.map((shard) => shard.ShardId));
    let progressed = false;
    for (const shard of shards) {
      if (this.stopped) {
        break;
      }
      const shardId = shard.ShardId;
      if (!shardId || this.checkpoints.shards[shardId]?.closed) {
        continue;
      }
      // Like Lambda, a child shard waits until its parent is read to the end, which keeps per-key order.
      const parent = shard.ParentShardId;
      if (parent && shardIds.has(parent) && !this.checkpoints.shards[parent]?.closed) {
        continue;
      }
      if (await this.pollShard(shardId)) {
        progressed = true;
      }
    }
    return progressed;
  }

  private async describeShards(): Promise<Shard[]> {
    const shards: Shard[] = [];
    let exclusiveStartShardId: string | undefined;
    do {
      const output = await this.options.client.send(
        new DescribeStreamCommand({ StreamArn: this.options.streamArn, ExclusiveStartShardId: exclusiveStartShardId }),
      );
      shards.push(...(output.StreamDescription?.Shards ?? []));
      exclusiveStartShardId = output.StreamDescription?.LastEvaluatedShardId;
    } while (exclusiveStartShardId);
    return shards;
  }

  private async pollShard(shardId: string): Promise<boolean> {
    const iterator = this.iterators.get(shardId) ?? (await this.shardIterator(shardId));
    let output: Awaited<ReturnType<typeof this.getRecords>>;
    try {
      output = await this.getRecords(iterator);
    } catch (error) {
      // The next cycle requests a fresh iterator from the checkpoint. An iterator may be invalid after any
      // failure, such as DynamoDB Local restarting, and the checkpoint only moves after a delivery, so
      // nothing is skipped.
      this.iterators.delete(shardId);
      const name = (error as Error).name;
      if (name === 'ExpiredIteratorException' || name === 'TrimmedDataAccessException') {
        if (name === 'TrimmedDataAccessException') {
          this.log(`Stream poller lost trimmed records of shard ${shardId}; resuming at the oldest record`);
          this.setCheckpoint(shardId, { sequenceNumber: undefined });
        }
        return true;
      }
      throw error;
    }

    const records = output.Records ?? [];
    await this.deliver(shardId, records);
    if (output.NextShardIterator) {
      this.iterators.set(shardId, output.NextShardIterator);
    } else {
      this.iterators.delete(shardId);
      this.setCheckpoint(shardId, { closed: true });
      await this.saveCheckpoints();
      return true;
    }
    return records.length > 0;
  }

  private getRecords(iterator: string) {
    return this.options.client.send(new GetRecordsCommand({ ShardIterator: iterator, Limit: GET_RECORDS_LIMIT }));
  }

  private async shardIterator(shardId: string): Promise<string> {
    const sequenceNumber = this.checkpoints.shards[shardId]?.sequenceNumber;
    const output = await this.options.client.send(
      new GetShardIteratorCommand({
        StreamArn: this.options.streamArn,
        ShardId: shardId,
        ...(sequenceNumber
          ? { ShardIteratorType: 'AFTER_SEQUENCE_NUMBER', SequenceNumber: sequenceNumber }
          : { ShardIteratorType: 'TRIM_HORIZON' }),
      }),
    );
    if (!output.ShardIterator) {
      throw new Error(`GetShardIterator returned no iterator for shard ${shardId}`);
    }
    return output.ShardIterator;
  }

  /** Hands the records to the handler in batches, skipping those the event filter drops, then checkpoints. */
  private async deliver(shardId: string, records: _Record[]): Promise<void> {
    const lastSequenceNumber = records.at(-1)?.dynamodb?.SequenceNumber;
    if (!lastSequenceNumber) {
      return;
    }
    const matching = records
      .map((record) => toLambdaRecord(record, this.options.streamArn, this.options.region))
      .filter(isLeadRecord);
    for (let start = 0; start < matching.length && !this.stopped; start += this.batchSize) {
      const batch = matching.slice(start, start + this.batchSize);
      await this.invokeWithRetries(shardId, batch);
      this.setCheckpoint(shardId, { sequenceNumber: sequenceNumberOf(batch.at(-1)) });
      await this.saveCheckpoints();
    }
    if (this.stopped) {
      return;
    }
    this.setCheckpoint(shardId, { sequenceNumber: lastSequenceNumber });
    await this.saveCheckpoints();
  }

  /**
   * Invokes the handler and retries from the lowest failed record, as Lambda does with
   * `ReportBatchItemFailures`: a thrown error, or an item identifier that matches no record, fails the whole
   * batch. After `maxRetryAttempts` retries the failed records go to `stream-failures/`.
   */
  private async invokeWithRetries(shardId: string, batch: DynamoDBRecord[]): Promise<void> {
    let pending = batch;
    for (let attempt = 1; ; attempt += 1) {
      let failedFrom: number;
      let reported: string[] = [];
      try {
        const response = await this.options.handler(
          { Records: pending },
          createLambdaContext('stream-to-lake', HANDLER_TIMEOUT_MS),
        );
        failedFrom = lowestFailedIndex(pending, response);
        reported = (response?.batchItemFailures ?? []).map((failure) => failure.itemIdentifier);
      } catch (error) {
        this.log(
          `Stream handler threw on a batch of ${pending.length} records from shard ${shardId}: ${describe(error)}`,
        );
        failedFrom = 0;
      }
      if (failedFrom === -1) {
        return;
      }
      if (failedFrom > 0) {
        this.setCheckpoint(shardId, { sequenceNumber: sequenceNumberOf(pending[failedFrom - 1]) });
        await this.saveCheckpoints();
      }
      pending = pending.slice(failedFrom);
      if (attempt > this.maxRetryAttempts || this.stopped) {
        const path = await this.writeFailure(shardId, pending, attempt, reportedFailures(pending, reported));
        this.log(
          `Stream poller gave up on ${pending.length} records of shard ${shardId} after ${attempt} attempts; written to ${path}`,
        );
        return;
      }
      this.log(
        `Stream handler reported failures from sequence number ${sequenceNumberOf(pending[0])}; retry ${attempt} of ${this.maxRetryAttempts}`,
      );
      await this.sleep(Math.min(this.retryBaseDelayMs * 2 ** (attempt - 1), MAX_RETRY_DELAY_MS));
    }
  }

  /**
   * Writes what Lambda's on-failure destination receives, plus the records themselves so they can be replayed
   * (`npm run stream -- replay`). `failedSequenceNumbers` lists the records that the handler reported as
   * failed on its last attempt. The other records were retried only because they follow the lowest failure,
   * so they are already in the lake.
   */
  private async writeFailure(
    shardId: string,
    records: DynamoDBRecord[],
    attempts: number,
    failedSequenceNumbers: string[],
  ): Promise<string> {
    const folder = join(this.options.dataDir, 'stream-failures');
    await mkdir(folder, { recursive: true });
    const first = records[0]?.dynamodb;
    const last = records.at(-1)?.dynamodb;
    const path = join(
      folder,
      `${new Date().toISOString().replaceAll(':', '-')}-${shardId}-${first?.SequenceNumber}.json`,
    );
    const document = {
      requestContext: { condition: 'RetryAttemptsExhausted', approximateInvokeCount: attempts },
      timestamp: new Date().toISOString(),
      DDBStreamBatchInfo: {
        shardId,
        startSequenceNumber: first?.SequenceNumber,
        endSequenceNumber: last?.SequenceNumber,
        approximateArrivalOfFirstRecord: first?.ApproximateCreationDateTime,
        approximateArrivalOfLastRecord: last?.ApproximateCreationDateTime,
        batchSize: records.length,
        streamArn: this.options.streamArn,
      },
      failedSequenceNumbers,
      records,
    };
    await writeFile(path, `${JSON.stringify(document, null, 2)}\n`, { mode: 0o600 });
    return path;
  }

  private setCheckpoint(shardId: string, change: { sequenceNumber?: string | undefined; closed?: boolean }): void {
    this.checkpoints.shards[shardId] = { ...this.checkpoints.shards[shardId], ...change };
  }

  private async saveCheckpoints(): Promise<void> {
    // Write then rename, so a crash never leaves a half-written checkpoint file.
    const temporary = `${this.checkpointPath}.tmp`;
    await writeFile(temporary, `${JSON.stringify(this.checkpoints, null, 2)}\n`);
    await rename(temporary, this.checkpointPath);
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(done, ms);
      function done() {
        clearTimeout(timer);
        resolve();
      }
      this.wake = done;
    });
  }
}

/**
 * Sequence numbers of the records that the handler reported as failed. A thrown error, or a report that names
 * no record of the batch, fails every record.
 */
function reportedFailures(records: DynamoDBRecord[], reported: string[]): string[] {
  const sequenceNumbers = records.map(sequenceNumberOf).filter((value): value is string => value !== undefined);
  const named = sequenceNumbers.filter((sequenceNumber) => reported.includes(sequenceNumber));
  return named.length > 0 ? named : sequenceNumbers;
}

/** Index of the first record to retry, or -1 when the whole batch succeeded. */
function lowestFailedIndex(batch: DynamoDBRecord[], response: DynamoDBBatchResponse | undefined): number {
  const failures = response?.batchItemFailures ?? [];
  if (failures.length === 0) {
    return -1;
  }
  let lowest = batch.length;
  for (const failure of failures) {
    const index = batch.findIndex((record) => sequenceNumberOf(record) === failure.itemIdentifier);
    if (!failure.itemIdentifier || index === -1) {
      return 0;
    }
    lowest = Math.min(lowest, index);
  }
  return lowest;
}

function sequenceNumberOf(record: DynamoDBRecord | undefined): string | undefined {
  return record?.dynamodb?.SequenceNumber;
}

function partition<T>(items: T[], predicate: (item: T) => boolean): [T[], T[]] {
  return [items.filter(predicate), items.filter((item) => !predicate(item))];
}

function describe(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}

async function readCheckpoints(path: string): Promise<CheckpointFile | undefined> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') {
      return undefined;
    }
    throw error;
  }
  return checkpointFileSchema.parse(JSON.parse(text));
}
