/** Port to the SQL engine that the nightly job runs its queries on: Athena in AWS, DuckDB on the local stack. */

/** One result row by column name. Integer columns (BIGINT counts included) are JS numbers. */
export type QueryRow = Record<string, string | number | boolean | null>;

export interface QueryEngine {
  /**
   * Runs one SQL statement with positional `?` parameters bound in order, and returns every row.
   * Throws `QueryFailedError` or `QueryCancelledError` when the query does not succeed; it never returns
   * an empty or partial result in place of a failure.
   */
  query(sql: string, params: string[]): Promise<QueryRow[]>;
}

/** Converts a 64-bit integer to a JS number, rejecting values that a double cannot hold exactly. */
export function toSafeNumber(value: bigint | string, column: string): number {
  const result = Number(value);
  if (!Number.isSafeInteger(result)) {
    throw new RangeError(`Integer in column ${column} is outside the safe range of a JS number: ${value}`);
  }
  return result;
}
