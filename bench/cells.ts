/** Comparison of KPI cells from different queries, so that a benchmark never times a wrong answer. */
const CELL_COLUMNS = ['local_date', 'site_id', 'source', 'channel', 'campaign_id', 'category'] as const;

/** Converts rows with the output columns of `DAILY_LEADS_SQL` into cell key → leads. */
export function cellsFromRows(rows: readonly Record<string, unknown>[]): Map<string, number> {
  const cells = new Map<string, number>();
  for (const row of rows) {
    const key = CELL_COLUMNS.map((column) => String(row[column])).join('|');
    cells.set(key, Number(row.leads));
  }
  return cells;
}

export function totalLeads(cells: ReadonlyMap<string, number>): number {
  let total = 0;
  for (const leads of cells.values()) {
    total += leads;
  }
  return total;
}

/**
 * Checks that two sets of cells are equal, cell by cell.
 *
 * @throws Error naming the first differing cells and both totals.
 */
export function assertSameCells(
  what: string,
  actual: ReadonlyMap<string, number>,
  expected: ReadonlyMap<string, number>,
): void {
  const differences: string[] = [];
  for (const key of new Set([...actual.keys(), ...expected.keys()])) {
    if (actual.get(key) !== expected.get(key)) {
      differences.push(`${key}: ${actual.get(key) ?? 0} instead of ${expected.get(key) ?? 0}`);
    }
  }
  if (differences.length > 0) {
    throw new Error(
      `${what} differs from the expected KPI cells in ${differences.length} cells ` +
        `(total ${totalLeads(actual)} instead of ${totalLeads(expected)} leads); first: ${differences.slice(0, 3).join('; ')}`,
    );
  }
}
