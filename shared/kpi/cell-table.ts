/**
 * Columnar tables of KPI cells, and their rollups to coarser grains. The aggregate store keeps each day, month
 * and daily series at several grains, so that a report reads only the dimensions it groups or filters by. This
 * module computes those rollups, and lets the KPI reader sum stored blocks without one object per cell.
 *
 * A table holds, per key dimension, a dictionary of values and the dictionary index of every row; per measure,
 * one value per row; and the two wait distributions as pairs of `minutes, leads` in ascending minutes, with the
 * start of each row's pairs in `businessStarts` and `rawStarts` (row `r` has pairs `starts[r]` to
 * `starts[r + 1]`, counted in pairs).
 */
import {
  ANY_KEY,
  CELL_MEASURES,
  type CellMeasure,
  type DailyCell,
  type KpiBasis,
  type MinuteHistogram,
} from './aggregates';

/** Cell fields that hold a key value, date first. */
export const KEY_DIMENSIONS = [
  'date',
  'siteId',
  'source',
  'channel',
  'campaignId',
  'category',
  'salespersonId',
] as const;
export type KeyDimension = (typeof KEY_DIMENSIONS)[number];

/** Key dimensions that a grain may keep besides the date and the site, which every grain keeps. */
export const GRAIN_DIMENSIONS = ['source', 'campaignId', 'channel', 'category', 'salespersonId'] as const;
export type GrainDimension = (typeof GRAIN_DIMENSIONS)[number];

/** A column of non-negative indexes or counts, as narrow as its values allow. */
export type IntColumn = Int32Array | Uint16Array | Uint8Array;
/** A column of measure values. */
export type NumberColumn = Float64Array | IntColumn;

export interface CellTable {
  basis: KpiBasis;
  rows: number;
  dictionaries: Record<KeyDimension, string[]>;
  keys: Record<KeyDimension, IntColumn>;
  measures: Record<CellMeasure, NumberColumn>;
  businessStarts: Int32Array;
  businessPairs: Int32Array;
  rawStarts: Int32Array;
  rawPairs: Int32Array;
}

/** Builds a table from cells of one basis. */
export function tableOfCells(basis: KpiBasis, cells: readonly DailyCell[]): CellTable {
  const rows = cells.length;
  const dictionaries = {} as Record<KeyDimension, string[]>;
  const keys = {} as Record<KeyDimension, Int32Array>;
  for (const dimension of KEY_DIMENSIONS) {
    const indexes = new Map<string, number>();
    const column = new Int32Array(rows);
    cells.forEach((cell, row) => {
      const value = cell[dimension];
      let index = indexes.get(value);
      if (index === undefined) {
        index = indexes.size;
        indexes.set(value, index);
      }
      column[row] = index;
    });
    dictionaries[dimension] = [...indexes.keys()];
    keys[dimension] = column;
  }
  const measures = {} as Record<CellMeasure, Float64Array>;
  for (const measure of CELL_MEASURES) {
    measures[measure] = Float64Array.from(cells, (cell) => cell[measure]);
  }
  const histogram = (field: 'ttfcBusinessHistogram' | 'ttfcRawHistogram') => {
    const starts = new Int32Array(rows + 1);
    cells.forEach((cell, row) => {
      starts[row + 1] = (starts[row] as number) + cell[field].length;
    });
    const pairs = new Int32Array((starts[rows] as number) * 2);
    let offset = 0;
    for (const cell of cells) {
      for (const [minutes, leads] of cell[field]) {
        pairs[offset] = minutes;
        pairs[offset + 1] = leads;
        offset += 2;
      }
    }
    return { starts, pairs };
  };
  const business = histogram('ttfcBusinessHistogram');
  const raw = histogram('ttfcRawHistogram');
  return assembleTable(basis, rows, dictionaries, keys, measures, business, raw);
}

/** Returns the rows of a table as cells. */
export function cellsOfTable(table: CellTable): DailyCell[] {
  const cells: DailyCell[] = [];
  const histogram = (starts: Int32Array, pairs: Int32Array, row: number): MinuteHistogram => {
    const histogramPairs: MinuteHistogram = [];
    for (let pair = starts[row] as number; pair < (starts[row + 1] as number); pair += 1) {
      histogramPairs.push([pairs[pair * 2] as number, pairs[pair * 2 + 1] as number]);
    }
    return histogramPairs;
  };
  for (let row = 0; row < table.rows; row += 1) {
    const cell = { basis: table.basis } as DailyCell;
    for (const dimension of KEY_DIMENSIONS) {
      cell[dimension] = table.dictionaries[dimension][table.keys[dimension][row] as number] as string;
    }
    for (const measure of CELL_MEASURES) {
      cell[measure] = table.measures[measure][row] as number;
    }
    cell.ttfcBusinessHistogram = histogram(table.businessStarts, table.businessPairs, row);
    cell.ttfcRawHistogram = histogram(table.rawStarts, table.rawPairs, row);
    cells.push(cell);
  }
  return cells;
}

/** Dimensions and date that a rollup keeps of the rows it sums. */
export interface RollupSpec {
  /** Dimensions kept besides the site; the others become `*`. */
  keep: readonly GrainDimension[];
  /** Keep each row's date; otherwise every output row gets `date`. */
  keepDate: boolean;
  /** Date of every output row when `keepDate` is false (the first day of a month, for month blocks). */
  date?: string;
}

/**
 * Sums the rows of equal kept keys. Histograms merge by adding the leads of equal minutes, so the rollup gives
 * exactly the figures of the rows it sums, medians included. Output rows come in the order of first appearance.
 */
export function rollUpTable(table: CellTable, spec: RollupSpec): CellTable {
  const kept: KeyDimension[] = ['siteId', ...spec.keep];
  if (spec.keepDate) {
    kept.unshift('date');
  }
  const keyColumns = kept.map((dimension) => table.keys[dimension]);
  const radixes = kept.map((dimension) => Math.max(1, table.dictionaries[dimension].length));
  const groupOfKey = new Map<number | string, number>();
  const numericKeys = radixes.reduce((product, radix) => product * radix, 1) < Number.MAX_SAFE_INTEGER;
  const groupOfRow = new Int32Array(table.rows);
  const firstRow: number[] = [];
  for (let row = 0; row < table.rows; row += 1) {
    let key: number | string;
    if (numericKeys) {
      key = 0;
      for (let column = 0; column < keyColumns.length; column += 1) {
        key = key * (radixes[column] as number) + ((keyColumns[column] as Int32Array)[row] as number);
      }
    } else {
      key = keyColumns.map((columnValues) => columnValues[row]).join(',');
    }
    let group = groupOfKey.get(key);
    if (group === undefined) {
      group = firstRow.length;
      groupOfKey.set(key, group);
      firstRow.push(row);
    }
    groupOfRow[row] = group;
  }
  return sumGroups(table, groupOfRow, firstRow, kept, spec.keepDate ? undefined : spec.date);
}

/**
 * Splits a table into one table per value of `dimension`, keeping the rows' order and the dictionaries. The
 * values of the split dimension stay as they are.
 */
export function partitionTable(table: CellTable, dimension: KeyDimension): Map<string, CellTable> {
  const rowsOfValue = new Map<number, number[]>();
  const column = table.keys[dimension];
  for (let row = 0; row < table.rows; row += 1) {
    const value = column[row] as number;
    let rows = rowsOfValue.get(value);
    if (rows === undefined) {
      rows = [];
      rowsOfValue.set(value, rows);
    }
    rows.push(row);
  }
  const parts = new Map<string, CellTable>();
  for (const [value, rows] of rowsOfValue) {
    parts.set(table.dictionaries[dimension][value] as string, selectTableRows(table, rows));
  }
  return parts;
}

/** Returns the table with its rows in ascending date, and rows of equal date in their order. */
export function sortedByDate(table: CellTable): CellTable {
  const dates = table.dictionaries.date;
  const column = table.keys.date;
  const rows = Array.from({ length: table.rows }, (_, row) => row);
  rows.sort((left, right) => {
    const leftDate = dates[column[left] as number] as string;
    const rightDate = dates[column[right] as number] as string;
    if (leftDate !== rightDate) {
      return leftDate < rightDate ? -1 : 1;
    }
    return left - right;
  });
  return selectTableRows(table, rows);
}

/** Selects the rows of a table whose date is in `dates`, keeping the table's dictionaries. */
export function rowsOfDates(table: CellTable, dates: ReadonlySet<string>): CellTable {
  const selectedDates = table.dictionaries.date.map((date) => dates.has(date));
  const rows: number[] = [];
  for (let row = 0; row < table.rows; row += 1) {
    if (selectedDates[table.keys.date[row] as number]) {
      rows.push(row);
    }
  }
  return selectTableRows(table, rows);
}

/** Concatenates tables of one basis into one, merging their dictionaries. */
export function concatTables(basis: KpiBasis, tables: readonly CellTable[]): CellTable {
  if (tables.length === 1) {
    return tables[0] as CellTable;
  }
  const rows = tables.reduce((total, table) => total + table.rows, 0);
  const dictionaries = {} as Record<KeyDimension, string[]>;
  const keys = {} as Record<KeyDimension, Int32Array>;
  for (const dimension of KEY_DIMENSIONS) {
    const indexes = new Map<string, number>();
    const column = new Int32Array(rows);
    let offset = 0;
    for (const table of tables) {
      const remap = table.dictionaries[dimension].map((value) => {
        let index = indexes.get(value);
        if (index === undefined) {
          index = indexes.size;
          indexes.set(value, index);
        }
        return index;
      });
      const source = table.keys[dimension];
      for (let row = 0; row < table.rows; row += 1) {
        column[offset + row] = remap[source[row] as number] as number;
      }
      offset += table.rows;
    }
    dictionaries[dimension] = [...indexes.keys()];
    keys[dimension] = column;
  }
  const measures = {} as Record<CellMeasure, Float64Array>;
  for (const measure of CELL_MEASURES) {
    const column = new Float64Array(rows);
    let offset = 0;
    for (const table of tables) {
      column.set(table.measures[measure].subarray(0, table.rows), offset);
      offset += table.rows;
    }
    measures[measure] = column;
  }
  const histogram = (startsOf: (table: CellTable) => Int32Array, pairsOf: (table: CellTable) => Int32Array) => {
    const starts = new Int32Array(rows + 1);
    const totalPairs = tables.reduce((total, table) => total + (startsOf(table)[table.rows] as number), 0);
    const pairs = new Int32Array(totalPairs * 2);
    let rowOffset = 0;
    let pairOffset = 0;
    for (const table of tables) {
      const tableStarts = startsOf(table);
      for (let row = 1; row <= table.rows; row += 1) {
        starts[rowOffset + row] = pairOffset + (tableStarts[row] as number);
      }
      const tablePairs = tableStarts[table.rows] as number;
      pairs.set(pairsOf(table).subarray(0, tablePairs * 2), pairOffset * 2);
      rowOffset += table.rows;
      pairOffset += tablePairs;
    }
    return { starts, pairs };
  };
  const business = histogram(
    (table) => table.businessStarts,
    (table) => table.businessPairs,
  );
  const raw = histogram(
    (table) => table.rawStarts,
    (table) => table.rawPairs,
  );
  return assembleTable(basis, rows, dictionaries, keys, measures, business, raw);
}

/** Selects the given rows of a table, in that order, keeping its dictionaries. */
export function selectTableRows(table: CellTable, rows: readonly number[]): CellTable {
  const count = rows.length;
  const first = rows[0] ?? 0;
  if (count > 0 && rows[count - 1] === first + count - 1 && isAscendingRun(rows)) {
    return sliceTableRows(table, first, first + count);
  }
  const keys = {} as Record<KeyDimension, Int32Array>;
  for (const dimension of KEY_DIMENSIONS) {
    keys[dimension] = gatherRows(table.keys[dimension], rows, new Int32Array(count));
  }
  const measures = {} as Record<CellMeasure, Float64Array>;
  for (const measure of CELL_MEASURES) {
    measures[measure] = gatherRows(table.measures[measure], rows, new Float64Array(count));
  }
  const gather = (starts: Int32Array, pairs: Int32Array) => {
    const outStarts = new Int32Array(count + 1);
    for (let index = 0; index < count; index += 1) {
      const row = rows[index] as number;
      outStarts[index + 1] = (outStarts[index] as number) + (starts[row + 1] as number) - (starts[row] as number);
    }
    const outPairs = new Int32Array((outStarts[count] as number) * 2);
    for (let index = 0; index < count; index += 1) {
      const row = rows[index] as number;
      const end = (starts[row + 1] as number) * 2;
      let target = (outStarts[index] as number) * 2;
      for (let position = (starts[row] as number) * 2; position < end; position += 1) {
        outPairs[target] = pairs[position] as number;
        target += 1;
      }
    }
    return { starts: outStarts, pairs: outPairs };
  };
  const business = gather(table.businessStarts, table.businessPairs);
  const raw = gather(table.rawStarts, table.rawPairs);
  return assembleTable(table.basis, count, { ...table.dictionaries }, keys, measures, business, raw);
}

/** Copies the values of `rows`, in that order, from `source` into `target`, and returns `target`. */
function gatherRows<T extends Int32Array | Float64Array>(source: NumberColumn, rows: readonly number[], target: T): T {
  for (let index = 0; index < rows.length; index += 1) {
    target[index] = source[rows[index] as number] as number;
  }
  return target;
}

function isAscendingRun(rows: readonly number[]): boolean {
  for (let index = 1; index < rows.length; index += 1) {
    if (rows[index] !== (rows[index - 1] as number) + 1) {
      return false;
    }
  }
  return true;
}

/**
 * Rows `start` to `end` (excluded) of a table, copied column by column. Day blocks are runs of a table sorted by
 * date, and copying a run is much cheaper than gathering rows one by one.
 */
function sliceTableRows(table: CellTable, start: number, end: number): CellTable {
  const keys = {} as Record<KeyDimension, IntColumn>;
  for (const dimension of KEY_DIMENSIONS) {
    keys[dimension] = table.keys[dimension].slice(start, end);
  }
  const measures = {} as Record<CellMeasure, NumberColumn>;
  for (const measure of CELL_MEASURES) {
    measures[measure] = table.measures[measure].slice(start, end);
  }
  const slice = (starts: Int32Array, pairs: Int32Array) => {
    const base = starts[start] as number;
    const outStarts = starts.slice(start, end + 1);
    for (let index = 0; index < outStarts.length; index += 1) {
      outStarts[index] = (outStarts[index] as number) - base;
    }
    return { starts: outStarts, pairs: pairs.slice(base * 2, (starts[end] as number) * 2) };
  };
  const business = slice(table.businessStarts, table.businessPairs);
  const raw = slice(table.rawStarts, table.rawPairs);
  return assembleTable(table.basis, end - start, { ...table.dictionaries }, keys, measures, business, raw);
}

/**
 * Sums the rows of each group (`groupOfRow`, -1 for a row left out) into a new table. The keys of each group
 * come from its `firstRow` for the `kept` dimensions; the other dimensions become `*`, and the date becomes
 * `date` when given.
 */
function sumGroups(
  table: CellTable,
  groupOfRow: Int32Array,
  firstRow: readonly number[],
  kept: readonly KeyDimension[],
  date: string | undefined,
): CellTable {
  const groups = firstRow.length;
  const dictionaries = {} as Record<KeyDimension, string[]>;
  const keys = {} as Record<KeyDimension, Int32Array>;
  for (const dimension of KEY_DIMENSIONS) {
    if (dimension === 'date' && date !== undefined) {
      dictionaries.date = [date];
      keys.date = new Int32Array(groups);
    } else if (kept.includes(dimension)) {
      // Dictionaries are kept whole: a few unused values cost less than remapping every row.
      dictionaries[dimension] = table.dictionaries[dimension];
      const source = table.keys[dimension];
      const column = new Int32Array(groups);
      for (let group = 0; group < groups; group += 1) {
        column[group] = source[firstRow[group] as number] as number;
      }
      keys[dimension] = column;
    } else {
      dictionaries[dimension] = [ANY_KEY];
      keys[dimension] = new Int32Array(groups);
    }
  }
  const measures = {} as Record<CellMeasure, Float64Array>;
  for (const measure of CELL_MEASURES) {
    const source = table.measures[measure];
    const sums = new Float64Array(groups);
    for (let row = 0; row < table.rows; row += 1) {
      const group = groupOfRow[row] as number;
      if (group >= 0) {
        sums[group] = (sums[group] as number) + (source[row] as number);
      }
    }
    measures[measure] = sums;
  }
  const business = mergeGroupHistograms(table.businessStarts, table.businessPairs, groupOfRow, groups);
  const raw = mergeGroupHistograms(table.rawStarts, table.rawPairs, groupOfRow, groups);
  return assembleTable(table.basis, groups, dictionaries, keys, measures, business, raw);
}

/** Leads of one pair that a packed sort key holds: minutes × 2^21 + leads stays exact below 2^53. */
const PACKED_LEADS_LIMIT = 2 ** 21;

/** Merges the histograms of the rows of each group into one histogram per group, in ascending minutes. */
function mergeGroupHistograms(
  starts: Int32Array,
  pairs: Int32Array,
  groupOfRow: Int32Array,
  groups: number,
): { starts: Int32Array; pairs: Int32Array } {
  const pairCounts = new Int32Array(groups + 1);
  for (let row = 0; row < groupOfRow.length; row += 1) {
    const group = groupOfRow[row] as number;
    if (group >= 0) {
      pairCounts[group + 1] = (pairCounts[group + 1] as number) + (starts[row + 1] as number) - (starts[row] as number);
    }
  }
  for (let group = 0; group < groups; group += 1) {
    pairCounts[group + 1] = (pairCounts[group + 1] as number) + (pairCounts[group] as number);
  }
  // Gathers every group's pairs in one buffer, then sorts and merges each group's slice.
  const gathered = new Float64Array(pairCounts[groups] as number);
  const fill = pairCounts.slice(0, groups);
  for (let row = 0; row < groupOfRow.length; row += 1) {
    const group = groupOfRow[row] as number;
    if (group < 0) {
      continue;
    }
    for (let pair = starts[row] as number; pair < (starts[row + 1] as number); pair += 1) {
      if ((pairs[pair * 2 + 1] as number) >= PACKED_LEADS_LIMIT) {
        throw new RangeError(`A wait distribution pair counts ${pairs[pair * 2 + 1]} leads, above the rollup limit`);
      }
      // Minutes and leads are non-negative Int32 values, so one float keeps both and sorts by minutes.
      gathered[fill[group] as number] =
        (pairs[pair * 2] as number) * PACKED_LEADS_LIMIT + (pairs[pair * 2 + 1] as number);
      fill[group] = (fill[group] as number) + 1;
    }
  }
  const outStarts = new Int32Array(groups + 1);
  const outPairs = new Int32Array(gathered.length * 2);
  let written = 0;
  for (let group = 0; group < groups; group += 1) {
    const start = pairCounts[group] as number;
    const end = pairCounts[group + 1] as number;
    if (end - start > 1) {
      gathered.subarray(start, end).sort();
    }
    let previousMinutes = -1;
    for (let index = start; index < end; index += 1) {
      const packed = gathered[index] as number;
      const minutes = Math.floor(packed / PACKED_LEADS_LIMIT);
      const leads = packed - minutes * PACKED_LEADS_LIMIT;
      if (minutes === previousMinutes) {
        outPairs[written * 2 - 1] = (outPairs[written * 2 - 1] as number) + leads;
      } else {
        outPairs[written * 2] = minutes;
        outPairs[written * 2 + 1] = leads;
        written += 1;
        previousMinutes = minutes;
      }
    }
    outStarts[group + 1] = written;
  }
  return { starts: outStarts, pairs: outPairs.slice(0, written * 2) };
}

/** Starts and pairs of one histogram column of a table. */
interface HistogramColumns {
  starts: Int32Array;
  pairs: Int32Array;
}

function assembleTable(
  basis: KpiBasis,
  rows: number,
  dictionaries: Record<KeyDimension, string[]>,
  keys: Record<KeyDimension, IntColumn>,
  measures: Record<CellMeasure, NumberColumn>,
  business: HistogramColumns,
  raw: HistogramColumns,
): CellTable {
  return {
    basis,
    rows,
    dictionaries,
    keys,
    measures,
    businessStarts: business.starts,
    businessPairs: business.pairs,
    rawStarts: raw.starts,
    rawPairs: raw.pairs,
  };
}
