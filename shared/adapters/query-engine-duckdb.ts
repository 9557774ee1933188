/** Query engine on an embedded, in-memory DuckDB that reads the lake from a folder on disk (local stack). */
import type { DuckDBConnection, DuckDBMaterializedResult } from '@duckdb/node-api';
import { QueryFailedError } from '#shared/kpi/errors';
import { type QueryEngine, type QueryRow, toSafeNumber } from '#shared/kpi/query-engine';
import { LAKE_COLUMNS, LAKE_PARTITION_KEYS, LAKE_TABLE } from '#shared/lake/schema';

export interface DuckDbQueryEngineOptions {
  /** Absolute path of the lake folder, the one that contains `lead_changes/`. */
  lakeRoot: string;
}

const DUCKDB_TYPES: Record<(typeof LAKE_COLUMNS)[number]['type'], string> = {
  STRING: 'VARCHAR',
  INT64: 'BIGINT',
  BOOLEAN: 'BOOLEAN',
};

/** Quotes a value as a SQL string literal. */
function sqlString(value: string): string {
  return `'${value.replaceAll("'", "''")}'`;
}

/**
 * Runs each query in a fresh in-memory DuckDB instance over the lake's Parquet files, so every run reads the
 * files as they are on disk and no state is kept between runs.
 *
 * `@duckdb/node-api` (a native module) is imported on first use, so bundles that only run Athena never load it.
 * Extension auto-install is off: Parquet, JSON and ICU are built into the package and nothing is downloaded.
 */
export class DuckDbQueryEngine implements QueryEngine {
  private readonly lakeRoot: string;

  constructor(options: DuckDbQueryEngineOptions) {
    this.lakeRoot = options.lakeRoot.replace(/\/+$/, '');
  }

  async query(sql: string, params: string[]): Promise<QueryRow[]> {
    const duckdb = await import('@duckdb/node-api');
    const instance = await duckdb.DuckDBInstance.create(':memory:', { autoinstall_known_extensions: 'false' });
    try {
      const connection = await instance.connect();
      try {
        await this.createLakeView(connection);
        const result = await connection.run(sql, params);
        return await convertResult(result, duckdb.DuckDBTypeId);
      } finally {
        connection.closeSync();
      }
    } catch (error) {
      if (error instanceof QueryFailedError) {
        throw error;
      }
      throw new QueryFailedError('DuckDB query failed', { cause: error });
    } finally {
      instance.closeSync();
    }
  }

  /**
   * Creates `lead_changes` over the Parquet files. An empty table with every column of `LAKE_COLUMNS` comes
   * first in a union by name, so that the view has every column even when all files predate a column
   * (Athena gets the same from the Glue schema), and an empty lake gives an empty result rather than the
   * error `read_parquet` raises for a pattern that matches nothing.
   */
  private async createLakeView(connection: DuckDBConnection): Promise<void> {
    const columns = [
      ...LAKE_COLUMNS.map((column) => `${column.name} ${DUCKDB_TYPES[column.type]}`),
      ...LAKE_PARTITION_KEYS.map((key) => `${key} VARCHAR`),
    ];
    const emptyTable = `${LAKE_TABLE}_columns`;
    await connection.run(`CREATE TABLE ${emptyTable} (${columns.join(', ')})`);

    // NOTE: `*`, `?` and `[` in lakeRoot are glob characters to DuckDB; a lake folder must not contain them.
    const pattern = sqlString(`${this.lakeRoot}/${LAKE_TABLE}/*/*/*.parquet`);
    const files = await connection.runAndReadAll(`SELECT count(*) AS files FROM glob(${pattern})`);
    const fileCount = Number(files.getRows()[0]?.[0] ?? 0);
    if (fileCount === 0) {
      await connection.run(`CREATE VIEW ${LAKE_TABLE} AS SELECT * FROM ${emptyTable}`);
      return;
    }

    const partitionTypes = LAKE_PARTITION_KEYS.map((key) => `${sqlString(key)}: VARCHAR`).join(', ');
    await connection.run(
      `CREATE VIEW ${LAKE_TABLE} AS SELECT * FROM ${emptyTable} UNION ALL BY NAME ` +
        `SELECT * FROM read_parquet(${pattern}, hive_partitioning = true, ` +
        `union_by_name = true, hive_types = {${partitionTypes}})`,
    );
  }
}

type DuckDbTypeIds = typeof import('@duckdb/node-api').DuckDBTypeId;

async function convertResult(result: DuckDBMaterializedResult, typeIds: DuckDbTypeIds): Promise<QueryRow[]> {
  const names = result.columnNames();
  const types = result.columnTypes();
  const rows = await result.getRowsJS();

  return rows.map((row) => {
    const converted: QueryRow = {};
    names.forEach((name, index) => {
      converted[name] = convertValue(row[index] ?? null, types[index]?.typeId, typeIds, name);
    });
    return converted;
  });
}

function convertValue(
  value: unknown,
  typeId: number | undefined,
  typeIds: DuckDbTypeIds,
  column: string,
): string | number | boolean | null {
  if (value === null || typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') {
    return value;
  }
  if (typeof value === 'bigint') {
    return toSafeNumber(value, column);
  }
  if (value instanceof Date) {
    // DATE is a calendar date, so it keeps the date part alone, as Athena returns it.
    return typeId === typeIds.DATE ? value.toISOString().slice(0, 10) : value.toISOString();
  }
  throw new QueryFailedError(`DuckDB column ${column} has a type that query rows cannot hold (type id ${typeId})`);
}
