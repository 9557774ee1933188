import { parquetWriteBuffer } from 'hyparquet-writer';
import { describe, expect, it } from 'vitest';
import { InvalidLakeObjectError } from '#shared/lake/errors';
import { decodeRows, encodeRows } from '#shared/lake/parquet';
import type { LakeRow } from '#shared/lake/schema';
import { buildLakeRow } from './lake-rows';

describe('encodeRows and decodeRows', () => {
  it('round-trips rows with nulls and booleans', async () => {
    const rows: LakeRow[] = [
      buildLakeRow({ event_id: 'e1' }),
      buildLakeRow({
        event_id: 'e2',
        event_name: 'REMOVE',
        is_deleted: true,
        is_test: true,
        site_id: null,
        person_id: null,
        dated_at_ms: null,
        received_at_ms: null,
        local_date: null,
      }),
    ];

    expect(await decodeRows(encodeRows(rows))).toEqual(rows);
  });

  it('writes the same bytes for the same rows', () => {
    const rows = [buildLakeRow({ event_id: 'e1' }), buildLakeRow({ event_id: 'e2' })];

    expect(Buffer.from(encodeRows(rows)).equals(Buffer.from(encodeRows(structuredClone(rows))))).toBe(true);
  });

  it('encodes zero rows as a readable file', async () => {
    expect(await decodeRows(encodeRows([]))).toEqual([]);
  });

  it('reads a subarray of a larger buffer', async () => {
    const bytes = encodeRows([buildLakeRow()]);
    const padded = new Uint8Array(bytes.length + 8);
    padded.set(bytes, 4);

    expect(await decodeRows(padded.subarray(4, 4 + bytes.length))).toEqual([buildLakeRow()]);
  });

  it('reads a file written before a nullable column existed', async () => {
    const row = buildLakeRow();
    const { local_date: _localDate, ...olderRow } = row;
    const columnData = Object.entries(olderRow).map(([name, value]) => ({
      name,
      data: [typeof value === 'number' ? BigInt(value) : value],
    }));
    const bytes = new Uint8Array(parquetWriteBuffer({ columnData }));

    expect(await decodeRows(bytes)).toEqual([{ ...row, local_date: null }]);
  });

  it('rejects bytes that are not Parquet', async () => {
    await expect(decodeRows(new TextEncoder().encode('not parquet at all'))).rejects.toThrow(InvalidLakeObjectError);
  });

  it('rejects a file without the required columns', async () => {
    const bytes = new Uint8Array(
      parquetWriteBuffer({ columnData: [{ name: 'event_id', data: ['e1'], type: 'STRING' }] }),
    );

    await expect(decodeRows(bytes)).rejects.toThrow(/event_seq/);
  });
});
