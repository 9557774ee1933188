/**
 * Factory for lake rows, derived from the stream record factory so both stay consistent.
 */
import { rowFromStreamRecord } from '#shared/lake/rows';
import { LAKE_COLUMNS, type LakeRow } from '#shared/lake/schema';
import { buildStreamRecord } from './stream-records';

/** A lead row with every lake column present: the optional ones null, as a Parquet round trip returns them. */
export function buildLakeRow(overrides: Partial<LakeRow> = {}): LakeRow {
  const row = rowFromStreamRecord(buildStreamRecord());
  if (row === null) {
    throw new Error('the stream record factory must build a lead record');
  }
  const allNull = Object.fromEntries(LAKE_COLUMNS.map((column) => [column.name, null]));
  return { ...allNull, ...row, ...overrides } as LakeRow;
}
