/** Port to the SQL engine that the nightly job runs its queries on: Athena in AWS, DuckDB on the local stack. */

/** One result row by column name. Integer columns (BIGINT counts included) are JS numbers. */
export type QueryRow = Record<string, string | number | boolean | null>;

/** A result by column: `columns[name][row]`. A result of no rows may have no columns. */
export interface QueryColumns {
  rowCount: number;
  columns: Record<string, readonly (string | number | boolean | null)[]>;
}

export interface QueryEngine {
  /**
   * Runs one SQL statement with positional `?` parameters bound in order, and returns every row.
   * Throws `QueryFailedError` or `QueryCancelledError` when the query does not succeed; it never returns
   * an empty or partial result in place of a failure.
   */
  query(sql: string, params: string[]): Promise<QueryRow[]>;

  /**
   * Runs a statement as `query` does and returns its result by column. The nightly job reads about a million
   * rows for a year of a 30-site group, and an object per row cost it more time than the query itself.
   */
  queryColumns(sql: string, params: string[]): Promise<QueryColumns>;
}

/** Converts rows into a result by column, for engines that read results row by row. A missing value becomes null. */
export function columnsOfRows(rows: readonly QueryRow[]): QueryColumns {
  const names = new Set(rows.flatMap((row) => Object.keys(row)));
  const columns: Record<string, (string | number | boolean | null)[]> = {};
  for (const name of names) {
    columns[name] = rows.map((row) => row[name] ?? null);
  }
  return { rowCount: rows.length, columns };
}

/** Converts a result by column into rows. */
export function rowsOfColumns(result: QueryColumns): QueryRow[] {
  const names = Object.keys(result.columns);
  return Array.from({ length: result.rowCount }, (_, row) => {
    const values: QueryRow = {};
    for (const name of names) {
      values[name] = result.columns[name]?.[row] ?? null;
    }
    return values;
  });
}

/** Converts a 64-bit integer to a JS number, rejecting values that a double cannot hold exactly. */
export function toSafeNumber(value: bigint | string, column: string): number {
  const result = Number(value);
  if (!Number.isSafeInteger(result)) {
    throw new RangeError(`Integer in column ${column} is outside the safe range of a JS number: ${value}`);
  }
  return result;
}
