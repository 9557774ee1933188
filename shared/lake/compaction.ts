/**
 * Compaction of lake partitions: the stream handler writes one small object per batch and partition, and the
 * nightly job merges a closed partition's objects into one, without duplicate `event_id`s.
 */

import type { ObjectStore } from '#shared/ports/object-store';
import { identifierSchema } from '#shared/tenant/model';
import { compactObjectKey, hashEventIds, parseObjectKey } from './keys';
import { decodeRows, encodeRows } from './parquet';
import { compareLakeRows } from './rows';
import { LAKE_TABLE, type LakeRow, partitionPrefix } from './schema';
import { PARQUET_CONTENT_TYPE } from './writer';

/** Maximum rows of one compacted object. A larger partition is split into numbered objects. */
export const MAX_ROWS_PER_COMPACT_OBJECT = 1_000_000;

/** File names that compaction reads: stream batches (`part-`) and earlier compactions (`compact-`). */
const LAKE_FILE_PATTERN = /^(part|compact)-([0-9a-f]+)(?:-\d{5})?\.parquet$/;

const DATE_PATTERN = /^\d{4}-\d{2}-\d{2}$/;

export interface CompactionResult {
  /** Objects read and then deleted (0 when the partition was already compact or empty). */
  inputs: number;
  /** First compacted object written, or null when there was nothing to do. */
  output: string | null;
  /** Every compacted object written, more than one when the partition exceeds the row limit. */
  outputs: string[];
  /** Rows written, after removing duplicate `event_id`s. */
  rows: number;
}

/**
 * Merges every `part-*` and `compact-*` object of a partition into one `compact-<hash>.parquet` object
 * (or `compact-<hash>-00000.parquet`, `-00001`... above `MAX_ROWS_PER_COMPACT_OBJECT` rows), keeping one row
 * per `event_id`, then deletes the inputs. `options.maxRowsPerObject` lowers the row limit (tests use it).
 *
 * The hash covers the sorted event ids of the output, not the input keys. A run that dies after writing and
 * before deleting leaves an output that the next run reads as an input. That run writes the same rows again
 * under the same key with the same bytes, so a crashed run and a clean run end with the same objects. Objects written to the partition while a run
 * is in progress are neither read nor deleted, and wait for the next run. A partition that holds only the
 * objects of one earlier compaction is left untouched.
 *
 * NOTE: the partition's rows are held in memory (roughly 1 KB per row as JS objects, an estimate), which suits
 * the lead volumes of a dealer group. Partitions of millions of rows would need a streaming merge, for example
 * DuckDB `COPY (SELECT DISTINCT ON (event_id) ...) TO ...`.
 */
export async function compactPartition(
  store: ObjectStore,
  tenant: string,
  dt: string,
  options: { maxRowsPerObject?: number } = {},
): Promise<CompactionResult> {
  const maxRowsPerObject = options.maxRowsPerObject ?? MAX_ROWS_PER_COMPACT_OBJECT;
  assertPartition(tenant, dt);
  if (!Number.isSafeInteger(maxRowsPerObject) || maxRowsPerObject < 1) {
    throw new RangeError(`Invalid maxRowsPerObject ${maxRowsPerObject}: expected a positive integer`);
  }
  const inputKeys = (await store.list(partitionPrefix(tenant, dt))).filter((key) => lakeFileOf(key) !== null);
  if (isCompact(inputKeys)) {
    return { inputs: 0, output: null, outputs: [], rows: 0 };
  }

  const rows = await readDistinctRows(store, inputKeys);
  const outputs = rows.length === 0 ? [] : await writeCompactObjects(store, { tenant, dt }, rows, maxRowsPerObject);

  const outputSet = new Set(outputs);
  await store.delete(inputKeys.filter((key) => !outputSet.has(key)));

  return { inputs: inputKeys.length, output: outputs[0] ?? null, outputs, rows: rows.length };
}

/**
 * Lists the partitions of a tenant that are closed and not yet compact: `dt` earlier than `today` minus
 * `graceDays`, holding a `part-*` object or objects of more than one compaction.
 *
 * `dt` is the record's creation date and DynamoDB Streams keeps records for 24 hours, so with the default grace
 * of one day no stream retry can still land in a listed partition. Objects written later anyway (a replay)
 * are `part-*` objects that the next run compacts.
 *
 * @param today UTC date `yyyy-mm-dd`.
 */
export async function listClosedPartitions(
  store: ObjectStore,
  tenant: string,
  today: string,
  graceDays = 1,
): Promise<string[]> {
  assertPartition(tenant, today);
  const cutoff = shiftDate(today, -graceDays);
  const keysByDt = new Map<string, string[]>();

  for (const key of await store.list(`${LAKE_TABLE}/tenant=${tenant}/`)) {
    const parsed = parseObjectKey(key);
    if (parsed === null || parsed.tenant !== tenant || lakeFileOf(key) === null) {
      continue;
    }
    const keys = keysByDt.get(parsed.dt) ?? [];
    keys.push(key);
    keysByDt.set(parsed.dt, keys);
  }

  return [...keysByDt.entries()]
    .filter(([dt, keys]) => dt < cutoff && !isCompact(keys))
    .map(([dt]) => dt)
    .sort();
}

function lakeFileOf(key: string): { kind: 'part' | 'compact'; hash: string } | null {
  const parsed = parseObjectKey(key);
  const match = parsed === null ? null : LAKE_FILE_PATTERN.exec(parsed.file);
  if (match === null) {
    return null;
  }
  return { kind: match[1] as 'part' | 'compact', hash: match[2] as string };
}

/** True when the keys are empty or are all the objects of a single earlier compaction. */
function isCompact(keys: readonly string[]): boolean {
  const files = keys.map((key) => lakeFileOf(key));
  if (files.some((file) => file?.kind !== 'compact')) {
    return false;
  }
  return new Set(files.map((file) => file?.hash)).size <= 1;
}

async function readDistinctRows(store: ObjectStore, keys: readonly string[]): Promise<LakeRow[]> {
  const rowsByEventId = new Map<string, LakeRow>();
  for (const key of keys) {
    const bytes = await store.get(key);
    // A key listed a moment ago may be gone because another run deleted it, and its rows are in that run's output.
    if (bytes === undefined) {
      continue;
    }
    for (const row of await decodeRows(bytes)) {
      if (!rowsByEventId.has(row.event_id)) {
        rowsByEventId.set(row.event_id, row);
      }
    }
  }
  return [...rowsByEventId.values()].sort(compareLakeRows);
}

async function writeCompactObjects(
  store: ObjectStore,
  partition: { tenant: string; dt: string },
  rows: LakeRow[],
  maxRowsPerObject: number,
): Promise<string[]> {
  const hash = hashEventIds(rows);
  if (rows.length <= maxRowsPerObject) {
    const key = compactObjectKey(partition, hash);
    await store.put(key, encodeRows(rows), PARQUET_CONTENT_TYPE);
    return [key];
  }

  const keys: string[] = [];
  for (let start = 0; start < rows.length; start += maxRowsPerObject) {
    const key = compactObjectKey(partition, hash, keys.length);
    await store.put(key, encodeRows(rows.slice(start, start + maxRowsPerObject)), PARQUET_CONTENT_TYPE);
    keys.push(key);
  }
  return keys;
}

function assertPartition(tenant: string, dt: string): void {
  if (!identifierSchema.safeParse(tenant).success) {
    throw new RangeError(`Invalid tenant id "${tenant}": expected lower-case letters, digits and hyphens`);
  }
  if (!DATE_PATTERN.test(dt) || Number.isNaN(Date.parse(`${dt}T00:00:00Z`))) {
    throw new RangeError(`Invalid date "${dt}": expected yyyy-mm-dd`);
  }
}

function shiftDate(date: string, days: number): string {
  const shifted = new Date(`${date}T00:00:00Z`);
  shifted.setUTCDate(shifted.getUTCDate() + days);
  return shifted.toISOString().slice(0, 10);
}
