/**
 * Figure 2: throughput of the stream handler's work, `writeStreamBatch`, which converts DynamoDB stream
 * records into lake rows and writes one Parquet object per partition and batch, and the size of the lake per
 * lead event before and after compaction.
 */
import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import type { DynamoDBRecord } from 'aws-lambda';
import { FsObjectStore } from '#shared/adapters/object-store-fs';
import { compactPartition } from '#shared/lake/compaction';
import { parseObjectKey } from '#shared/lake/keys';
import { LAKE_TABLE } from '#shared/lake/schema';
import { writeStreamBatch } from '#shared/lake/writer';
import { BENCH_TENANT, type LeadChange, streamRecordOf } from './dataset';
import type { Figure } from './results';
import { median, round } from './stats';

/** Records per invocation: the event source mapping's default batch size for DynamoDB Streams. */
export const STREAM_BATCH_SIZE = 100;

/** Total size in bytes of the given objects of an FsObjectStore. */
export async function objectBytes(store: FsObjectStore, keys: readonly string[]): Promise<number> {
  let total = 0;
  for (const key of keys) {
    total += (await stat(store.locationOf(key))).size;
  }
  return total;
}

/**
 * Writes the changes, in stream order and in batches of 100 records, into a fresh lake under `dir`, then
 * compacts every partition. Building the stream records is done beforehand and is not timed.
 */
export async function benchStreamToLake(dir: string, changes: readonly LeadChange[]): Promise<Figure[]> {
  const batches: DynamoDBRecord[][] = [];
  for (let start = 0; start < changes.length; start += STREAM_BATCH_SIZE) {
    batches.push(changes.slice(start, start + STREAM_BATCH_SIZE).map(streamRecordOf));
  }
  const store = new FsObjectStore(join(dir, 'stream-lake'));

  const batchMs: number[] = [];
  let rows = 0;
  const started = performance.now();
  for (const batch of batches) {
    const batchStart = performance.now();
    const result = await writeStreamBatch(batch, store);
    batchMs.push(performance.now() - batchStart);
    if (result.batchItemFailures.length > 0 || result.skipped > 0) {
      throw new Error(
        `writeStreamBatch reported ${result.batchItemFailures.length} failed and ${result.skipped} skipped records`,
      );
    }
    rows += result.written.reduce((total, object) => total + object.rows, 0);
  }
  const elapsedSeconds = (performance.now() - started) / 1000;
  if (rows !== changes.length) {
    throw new Error(`writeStreamBatch wrote ${rows} rows for ${changes.length} records`);
  }

  const prefix = `${LAKE_TABLE}/tenant=${BENCH_TENANT}/`;
  const streamKeys = await store.list(prefix);
  const streamBytes = await objectBytes(store, streamKeys);

  const partitions = [...new Set(streamKeys.map((key) => parseObjectKey(key)?.dt).filter((dt) => dt !== undefined))];
  let compactedRows = 0;
  for (const dt of partitions) {
    compactedRows += (await compactPartition(store, BENCH_TENANT, dt)).rows;
  }
  if (compactedRows !== rows) {
    throw new Error(`Compaction kept ${compactedRows} of ${rows} rows`);
  }
  const compactKeys = await store.list(prefix);
  const compactBytes = await objectBytes(store, compactKeys);

  return [
    {
      key: 'streamToLakeRowsPerSecond',
      label: 'writeStreamBatch throughput',
      value: round(rows / elapsedSeconds, 3),
      unit: 'rows/s',
    },
    {
      key: 'streamToLakeMsPerBatchMedian',
      label: `writeStreamBatch, ${STREAM_BATCH_SIZE} records, median`,
      value: round(median(batchMs), 3),
      unit: 'ms/batch',
    },
    {
      key: 'streamToLakeRows',
      label: 'Stream records written',
      value: rows,
      unit: 'rows',
    },
    {
      key: 'streamToLakeObjects',
      label: 'Stream objects before compaction',
      value: streamKeys.length,
      unit: 'objects',
    },
    {
      key: 'lakeStreamObjectBytesPerEvent',
      label: 'Lake bytes per lead event, stream objects',
      value: round(streamBytes / rows, 4),
      unit: 'B/event',
    },
    {
      key: 'lakeCompactedBytesPerEvent',
      label: `Lake bytes per lead event, compacted (${partitions.length} daily partitions)`,
      value: round(compactBytes / rows, 4),
      unit: 'B/event',
    },
  ];
}
