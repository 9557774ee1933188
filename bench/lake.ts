/**
 * A compacted lake built from a change history, as the nightly job leaves it: one `compact-<hash>.parquet`
 * object per daily partition, with rows converted from stream records by the stream handler's own code.
 */
import { join } from 'node:path';
import { FsObjectStore } from '#shared/adapters/object-store-fs';
import { compactObjectKey, hashEventIds, partitionOf } from '#shared/lake/keys';
import { encodeRows } from '#shared/lake/parquet';
import { compareLakeRows, rowFromStreamRecord } from '#shared/lake/rows';
import type { LakeRow } from '#shared/lake/schema';
import { PARQUET_CONTENT_TYPE } from '#shared/lake/writer';
import type { ObjectStore } from '#shared/ports/object-store';
import { BENCH_TENANT, type LeadChange, streamRecordOf } from './dataset';
import { objectBytes } from './stream-to-lake';

export interface CompactedLake {
  store: FsObjectStore;
  /** Absolute path of the folder that contains `lead_changes/`. */
  root: string;
  /** Object keys by partition date (`dt`). */
  keysByDt: Map<string, string[]>;
  bytesByDt: Map<string, number>;
  rows: number;
}

/** Converts every change to a lake row and writes each daily partition as one compacted Parquet object. */
export async function buildCompactedLake(dir: string, changes: readonly LeadChange[]): Promise<CompactedLake> {
  const rowsByDt = new Map<string, LakeRow[]>();
  for (const change of changes) {
    const row = rowFromStreamRecord(streamRecordOf(change));
    if (row === null) {
      throw new Error(`Change ${change.eventId} did not convert to a lake row`);
    }
    const { dt } = partitionOf(row);
    const rows = rowsByDt.get(dt) ?? [];
    rows.push(row);
    rowsByDt.set(dt, rows);
  }

  const root = join(dir, 'lake');
  const store = new FsObjectStore(root);
  const keysByDt = new Map<string, string[]>();
  const bytesByDt = new Map<string, number>();
  let rowCount = 0;
  for (const [dt, rows] of [...rowsByDt].sort(([left], [right]) => left.localeCompare(right))) {
    rows.sort(compareLakeRows);
    const key = compactObjectKey({ tenant: BENCH_TENANT, dt }, hashEventIds(rows));
    await (store as ObjectStore).put(key, encodeRows(rows), PARQUET_CONTENT_TYPE);
    keysByDt.set(dt, [key]);
    bytesByDt.set(dt, await objectBytes(store, [key]));
    rowCount += rows.length;
  }
  return { store, root, keysByDt, bytesByDt, rows: rowCount };
}
