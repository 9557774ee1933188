/**
 * Landing of DynamoDB stream batches in the lake: one Parquet object per (tenant, dt) partition and batch.
 */
import type { DynamoDBRecord } from 'aws-lambda';
import { logger } from '#shared/logger';
import type { ObjectStore } from '#shared/ports/object-store';
import { PoisonRecordError } from './errors';
import { objectKeyFor, type Partition, partitionOf } from './keys';
import { encodeRows } from './parquet';
import { compareLakeRows, rowFromStreamRecord } from './rows';
import type { LakeRow } from './schema';

/** Media type of Parquet objects (registered with IANA in 2024). */
export const PARQUET_CONTENT_TYPE = 'application/vnd.apache.parquet';

/**
 * Prefix of the failure notes of poison records, outside the `lead_changes/` table location so that no query
 * reads them. One JSON object per stream record, named after its event id.
 */
export const STREAM_FAILURES_PREFIX = '_stream-failures/';

/** Failure note of a stream record that could not become a lake row: its ids and reason, no item value. */
export interface PoisonRecordNote {
  eventId: string;
  sequenceNumber: string;
  /** Key attributes of the item (`pk`, `sk`), which contain ids only. */
  keys: Record<string, string>;
  /** The message of the `PoisonRecordError`: the record's ids and the offending fields. */
  reason: string;
  failedAt: string;
}

export interface StreamBatchResult {
  /** Records to retry, in the shape of Lambda's partial batch response. `itemIdentifier` is the sequence number. */
  batchItemFailures: { itemIdentifier: string }[];
  /** Objects written, one per partition that the batch touched. */
  written: { key: string; rows: number }[];
  /** Records of items that are not leads. */
  skipped: number;
}

interface PartitionGroup {
  partition: Partition;
  rows: LakeRow[];
  records: DynamoDBRecord[];
}

/**
 * Converts a stream batch to lake rows, groups them by partition and writes one object per group.
 *
 * Object keys hash the group's event ids, so a redelivered batch overwrites its own objects. A group whose
 * write fails reports all its records as failed, and a poison record reports itself; neither stops the
 * other groups from being written.
 *
 * Lambda's DynamoDB Streams partial batch response checkpoints at the LOWEST reported sequence number:
 * it redelivers that record and every later record of the shard, including those already written here.
 * The redelivered batch has other records, so its objects get other keys and the lake contains some rows
 * twice until compaction removes duplicates by `event_id`. Queries over uncompacted partitions must
 * de-duplicate by `event_id` too. A poison record is redelivered until the event source mapping's
 * retry limit sends it to the on-failure destination. That destination receives the record's position
 * only, so the reason is written next to the lake as a `PoisonRecordNote` under `STREAM_FAILURES_PREFIX`
 * (a note that cannot be written is logged and does not fail the record further).
 *
 * @throws Error only for unexpected failures of the conversion itself; store failures become item failures.
 */
export async function writeStreamBatch(
  records: DynamoDBRecord[],
  store: ObjectStore,
  clock: () => Date = () => new Date(),
): Promise<StreamBatchResult> {
  const failedRecords: DynamoDBRecord[] = [];
  const poisonRecords: PoisonRecordNote[] = [];
  const groups = new Map<string, PartitionGroup>();
  let skipped = 0;

  for (const record of records) {
    let row: LakeRow | null;
    try {
      row = rowFromStreamRecord(record);
    } catch (error) {
      if (!(error instanceof PoisonRecordError)) {
        throw error;
      }
      logger.error('Stream record cannot become a lake row', { error });
      failedRecords.push(record);
      poisonRecords.push(poisonNote(record, error, clock()));
      continue;
    }
    if (row === null) {
      skipped += 1;
      continue;
    }

    const partition = partitionOf(row);
    const groupKey = `${partition.tenant}/${partition.dt}`;
    const group = groups.get(groupKey) ?? { partition, rows: [], records: [] };
    group.rows.push(row);
    group.records.push(record);
    groups.set(groupKey, group);
  }

  const written: StreamBatchResult['written'] = [];
  const groupList = [...groups.values()];
  const outcomes = await Promise.allSettled(groupList.map((group) => writeGroup(group, store)));
  for (const [index, outcome] of outcomes.entries()) {
    if (outcome.status === 'fulfilled') {
      written.push(outcome.value);
      continue;
    }
    const group = groupList[index] as PartitionGroup;
    logger.error('Lake object write failed', {
      tenantId: group.partition.tenant,
      dt: group.partition.dt,
      records: group.records.length,
      error: outcome.reason,
    });
    failedRecords.push(...group.records);
  }

  await Promise.all(poisonRecords.map((note) => writePoisonNote(note, store)));
  return { batchItemFailures: toBatchItemFailures(failedRecords), written, skipped };
}

function poisonNote(record: DynamoDBRecord, error: PoisonRecordError, failedAt: Date): PoisonRecordNote {
  const keys: Record<string, string> = {};
  for (const [name, value] of Object.entries(record.dynamodb?.Keys ?? {})) {
    if (typeof value.S === 'string') {
      keys[name] = value.S;
    }
  }
  return {
    eventId: error.eventId,
    sequenceNumber: error.sequenceNumber,
    keys,
    reason: error.message,
    failedAt: failedAt.toISOString(),
  };
}

/** Returns the key of a record's failure note; characters that are unsafe in a key become `_`. */
export function poisonNoteKey(eventId: string): string {
  return `${STREAM_FAILURES_PREFIX}${eventId.replace(/[^A-Za-z0-9._-]/g, '_')}.json`;
}

async function writePoisonNote(note: PoisonRecordNote, store: ObjectStore): Promise<void> {
  try {
    await store.put(
      poisonNoteKey(note.eventId),
      new TextEncoder().encode(`${JSON.stringify(note)}\n`),
      'application/json',
    );
  } catch (error) {
    logger.error('Poison record note write failed', { eventId: note.eventId, error });
  }
}

async function writeGroup(group: PartitionGroup, store: ObjectStore): Promise<{ key: string; rows: number }> {
  const key = objectKeyFor(group.rows);
  const rows = [...group.rows].sort(compareLakeRows);
  await store.put(key, encodeRows(rows), PARQUET_CONTENT_TYPE);
  return { key, rows: rows.length };
}

/**
 * Lists failed records once each, in stream order (Lambda only uses the lowest). A record without a sequence
 * number gets an empty identifier, which Lambda treats as a failure of the whole batch.
 */
function toBatchItemFailures(records: DynamoDBRecord[]): { itemIdentifier: string }[] {
  const sequenceNumbers = records.map((record) => record.dynamodb?.SequenceNumber ?? '');
  const unique = [...new Set(sequenceNumbers)];
  unique.sort((left, right) => compareSequenceNumbers(left, right));
  return unique.map((itemIdentifier) => ({ itemIdentifier }));
}

function compareSequenceNumbers(left: string, right: string): number {
  if (left.length !== right.length) {
    return left.length - right.length;
  }
  if (left === right) {
    return 0;
  }
  return left < right ? -1 : 1;
}
