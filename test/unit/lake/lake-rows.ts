/**
 * Factory for lake rows, derived from the stream record factory so both stay consistent.
 */
import { rowFromStreamRecord } from '#shared/lake/rows';
import type { LakeRow } from '#shared/lake/schema';
import { buildStreamRecord } from './stream-records';

export function buildLakeRow(overrides: Partial<LakeRow> = {}): LakeRow {
  const row = rowFromStreamRecord(buildStreamRecord());
  if (row === null) {
    throw new Error('the stream record factory must build a lead record');
  }
  return { ...row, ...overrides };
}
