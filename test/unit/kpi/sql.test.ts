import { TrinoSQL } from 'dt-sql-parser';
import { describe, expect, it } from 'vitest';
import { NIGHTLY_SQL } from '#shared/kpi/sql';

describe('nightly SQL', () => {
  const parser = new TrinoSQL();

  it('has positional parameters that the Trino grammar accepts', () => {
    expect(parser.validate('SELECT a FROM t WHERE b = ? AND c BETWEEN ? AND ?')).toEqual([]);
  });

  it.each([
    ['QUALIFY', 'SELECT a FROM t QUALIFY row_number() OVER (PARTITION BY a) = 1'],
    ['star EXCLUDE', 'SELECT * EXCLUDE (a) FROM t'],
    ['a :: cast', 'SELECT a::VARCHAR FROM t'],
  ])('rejects DuckDB-only %s in the Trino grammar', (_construct, sql) => {
    expect(parser.validate(sql)).not.toEqual([]);
  });

  it.each(Object.entries(NIGHTLY_SQL))('parses %s with the Trino grammar', (_name, sql) => {
    expect(parser.validate(sql)).toEqual([]);
  });
});
