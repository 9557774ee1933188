import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FsObjectStore } from '#shared/adapters/object-store-fs';
import { objectKeyFor } from '#shared/lake/keys';
import { encodeRows } from '#shared/lake/parquet';
import { LAKE_COLUMNS, type LakeRow } from '#shared/lake/schema';
import { buildLakeRow } from '#test/unit/lake/lake-rows';

describe('Parquet objects read by DuckDB', () => {
  const insertRow = buildLakeRow({ event_id: 'e1', event_seq: '1'.padStart(40, '0') });
  const removeRow: LakeRow = buildLakeRow({
    event_id: 'e2',
    event_seq: '2'.padStart(40, '0'),
    event_name: 'REMOVE',
    is_deleted: true,
    is_test: true,
    site_id: null,
    campaign_id: null,
    dated_at_ms: null,
    local_date: null,
  });

  let root: string;
  let glob: string;
  let instance: DuckDBInstance;

  beforeAll(async () => {
    root = await mkdtemp(join(tmpdir(), 'leadpilot-parquet-'));
    const store = new FsObjectStore(root);
    const rows = [insertRow, removeRow];
    await store.put(objectKeyFor(rows), encodeRows(rows));
    glob = `${store.locationOf('lead_changes')}/*/*/*.parquet`;
    instance = await DuckDBInstance.create(':memory:');
  });

  afterAll(async () => {
    instance.closeSync();
    await rm(root, { recursive: true, force: true });
  });

  async function query(sql: string): Promise<Record<string, unknown>[]> {
    const connection = await instance.connect();
    try {
      return (await connection.runAndReadAll(sql)).getRowObjectsJS();
    } finally {
      connection.closeSync();
    }
  }

  it('reads values, nulls, booleans and hive partitions', async () => {
    const result = await query(
      `SELECT * EXCLUDE (dt), CAST(dt AS VARCHAR) AS dt
       FROM read_parquet('${glob}', hive_partitioning = true) ORDER BY event_seq`,
    );

    // Columns that a row leaves out (the optional life-cycle ones) read back as NULL.
    // DuckDB returns BIGINT columns as bigint.
    const asDuckDb = (row: LakeRow) => ({
      ...Object.fromEntries(
        LAKE_COLUMNS.map((column) => {
          const value = (row as unknown as Record<string, unknown>)[column.name] ?? null;
          return [column.name, column.type === 'INT64' && typeof value === 'number' ? BigInt(value) : value];
        }),
      ),
      tenant: 'demo',
      dt: '2026-11-06',
    });
    expect(result).toEqual([asDuckDb(insertRow), asDuckDb(removeRow)]);
  });

  it('types every column as the lake schema declares', async () => {
    const columns = await query(
      `SELECT column_name, column_type FROM (DESCRIBE SELECT * FROM read_parquet('${glob}', hive_partitioning = true))`,
    );

    const duckDbType = { STRING: 'VARCHAR', INT64: 'BIGINT', BOOLEAN: 'BOOLEAN' } as const;
    expect(columns).toEqual([
      ...LAKE_COLUMNS.map((column) => ({ column_name: column.name, column_type: duckDbType[column.type] })),
      { column_name: 'dt', column_type: 'DATE' },
      { column_name: 'tenant', column_type: 'VARCHAR' },
    ]);
  });
});
