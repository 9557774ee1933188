/** Query engine on an embedded, in-memory DuckDB that reads the lake from a folder on disk (local stack). */
import type {
  DuckDBConnection,
  DuckDBMaterializedResult,
  DuckDBType,
  DuckDBTypeId,
  DuckDBValue as DuckDbValue,
} from '@duckdb/node-api';
import { QueryFailedError } from '#shared/kpi/errors';
import {
  type QueryColumns,
  type QueryEngine,
  type QueryRow,
  rowsOfColumns,
  toSafeNumber,
} from '#shared/kpi/query-engine';
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
    return rowsOfColumns(await this.queryColumns(sql, params));
  }

  async queryColumns(sql: string, params: string[]): Promise<QueryColumns> {
    const duckdb = await import('@duckdb/node-api');
    const instance = await duckdb.DuckDBInstance.create(':memory:', { autoinstall_known_extensions: 'false' });
    try {
      const connection = await instance.connect();
      try {
        await this.createLakeView(connection);
        const statement = await connection.prepare(sql);
        const outputs = Array.from({ length: statement.columnCount }, (_, index) => ({
          name: statement.columnName(index),
          typeId: statement.columnTypeId(index),
        }));
        // A statement whose result depends on a parameter's type has no column types before binding (id
        // INVALID), so it runs unchanged and its integers arrive as BigInt.
        const wide = outputs.some(({ typeId }) => typeId === duckdb.DuckDBTypeId.INVALID)
          ? new Set<string>()
          : new Set(outputs.filter(({ typeId }) => isWideInteger(typeId, duckdb)).map(({ name }) => name));
        const result = await connection.run(withIntegersAsDoubles(sql, outputs, wide), params);
        return await readColumns(result, wide, duckdb);
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

type DuckDbModule = typeof import('@duckdb/node-api');

/** Distinct values of one string column that `readColumns` keeps for reuse, at most. */
const MAX_SHARED_STRINGS_PER_COLUMN = 10_000;

/**
 * Wraps the statement so that DuckDB casts its 64- and 128-bit integer columns to DOUBLE. Node reads those
 * integers as one BigInt object each, which for a million-row result took longer than the query; a DOUBLE
 * arrives as a plain number. `readColumns` rejects a value beyond 2^53, where a double stops being exact.
 */
function withIntegersAsDoubles(sql: string, outputs: readonly { name: string }[], wide: ReadonlySet<string>): string {
  if (wide.size === 0) {
    return sql;
  }
  const columns = outputs.map(({ name }) => {
    const identifier = `"${name.replaceAll('"', '""')}"`;
    return wide.has(name) ? `CAST(${identifier} AS DOUBLE) AS ${identifier}` : identifier;
  });
  return `SELECT ${columns.join(', ')} FROM (\n${sql}\n) AS query_result`;
}

function isWideInteger(typeId: DuckDBTypeId, duckdb: DuckDbModule): boolean {
  const { BIGINT, UBIGINT, HUGEINT, UHUGEINT } = duckdb.DuckDBTypeId;
  return [BIGINT, UBIGINT, HUGEINT, UHUGEINT].includes(typeId);
}

/**
 * Reads the result chunk by chunk into one array per column, reading each vector's items directly.
 *
 * Equal strings of a column share one string object, up to `MAX_SHARED_STRINGS_PER_COLUMN` distinct values.
 * KPI results repeat a few site, source and date values across hundreds of thousands of rows, and a separate
 * copy of each made the garbage collector move them all into the old generation.
 */
async function readColumns(
  result: DuckDBMaterializedResult,
  wideColumns: ReadonlySet<string>,
  duckdb: DuckDbModule,
): Promise<QueryColumns> {
  const names = result.columnNames();
  const types = result.columnTypes();
  const columns = names.map(() => [] as (string | number | boolean | null)[]);
  const sharedStrings = names.map(() => new Map<string, string>());
  let rowCount = 0;

  for (let chunk = await result.fetchChunk(); chunk !== null && chunk.rowCount > 0; chunk = await result.fetchChunk()) {
    const chunkRows = chunk.rowCount;
    for (let columnIndex = 0; columnIndex < names.length; columnIndex += 1) {
      const vector = chunk.getColumnVector(columnIndex);
      const values = columns[columnIndex] as (string | number | boolean | null)[];
      const name = names[columnIndex] as string;
      const type = types[columnIndex] as DuckDBType;
      const wide = wideColumns.has(name);
      const strings = sharedStrings[columnIndex] as Map<string, string>;
      for (let rowIndex = 0; rowIndex < chunkRows; rowIndex += 1) {
        const item = vector.getItem(rowIndex);
        if (typeof item === 'string') {
          values.push(sharedString(strings, item));
        } else if (typeof item === 'number' && wide) {
          values.push(checkedInteger(item, name));
        } else {
          values.push(convertValue(item, type, duckdb, name));
        }
      }
    }
    rowCount += chunkRows;
  }
  return { rowCount, columns: Object.fromEntries(names.map((name, index) => [name, columns[index] ?? []])) };
}

/** Checks an integer read through a DOUBLE, which is exact only up to 2^53. */
function checkedInteger(value: number, column: string): number {
  if (!Number.isSafeInteger(value)) {
    throw new RangeError(`Integer in column ${column} is outside the safe range of a JS number: ${value}`);
  }
  return value;
}
function sharedString(strings: Map<string, string>, value: string): string {
  const shared = strings.get(value);
  if (shared !== undefined) {
    return shared;
  }
  if (strings.size < MAX_SHARED_STRINGS_PER_COLUMN) {
    strings.set(value, value);
  }
  return value;
}

function convertValue(
  item: unknown,
  type: DuckDBType,
  duckdb: DuckDbModule,
  column: string,
): string | number | boolean | null {
  // Vectors return primitives for strings, booleans and numbers, and DuckDB value objects for other types
  // (dates, timestamps, decimals...), which the package's JS converter turns into JS values as getRowsJS does.
  const value =
    item !== null && typeof item === 'object'
      ? duckdb.JSDuckDBValueConverter(item as DuckDbValue, type, duckdb.JSDuckDBValueConverter)
      : item;
  if (value === null || typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') {
    return value;
  }
  if (typeof value === 'bigint') {
    return toSafeNumber(value, column);
  }
  if (value instanceof Date) {
    // DATE is a calendar date, so it keeps the date part alone, as Athena returns it.
    return type.typeId === duckdb.DuckDBTypeId.DATE ? value.toISOString().slice(0, 10) : value.toISOString();
  }
  throw new QueryFailedError(`DuckDB column ${column} has a type that query rows cannot hold (type id ${type.typeId})`);
}
