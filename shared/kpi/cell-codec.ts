/**
 * Compact binary encoding of a block of KPI cells of one basis, for the aggregates store: a small JSON header
 * and a gzip body of the key dictionaries and the columns. Columns keep a block of thousands of cells within
 * DynamoDB's 400 KB item limit and decode without parsing one value at a time.
 *
 * Body layout (version 3), little-endian: the dictionaries as JSON, padded to 8 bytes; the Float64 columns of
 * `FLOAT_MEASURES`; then integer columns, each of 1, 2 or 4 bytes a value as the header's `widths` give, and
 * padded to 4 bytes: the key indexes (`KEY_DIMENSIONS` order, date first), the other measures (`CELL_MEASURES`
 * order), the business and raw histogram lengths (in pairs), and the business and raw histograms' pairs as
 * `minutes, leads` values, where each pair after the first of a row holds the difference of its minutes to the
 * previous pair's. Most counts of a day fit one byte, and the differences compress far better than minutes.
 */
import { gunzipSync, gzipSync } from 'node:zlib';
import * as z from 'zod';
import { CELL_MEASURES, type CellMeasure, type DailyCell, type KpiBasis } from './aggregates';
import {
  type CellTable,
  cellsOfTable,
  type IntColumn,
  KEY_DIMENSIONS,
  type KeyDimension,
  type NumberColumn,
  tableOfCells,
} from './cell-table';

/** Sums in euro cents can pass 2^31 over a month, so they are stored as Float64 (exact up to 2^53). */
const FLOAT_MEASURES: readonly CellMeasure[] = ['revenueCents', 'grossMarginCents'];
const INT_MEASURES = CELL_MEASURES.filter((measure) => !FLOAT_MEASURES.includes(measure));

const INT32_MIN = -(2 ** 31);
const INT32_MAX = 2 ** 31 - 1;

const headerSchema = z.object({
  version: z.literal(3),
  rows: z.number().int().nonnegative(),
  histogramPairs: z.number().int().nonnegative(),
  /** Length of the dictionaries' JSON at the start of the body, before the padding to 8 bytes. */
  dictionaryBytes: z.number().int().nonnegative(),
  /** Bytes per value of each integer column, in body order. */
  widths: z.array(z.union([z.literal(1), z.literal(2), z.literal(4)])),
});
const dictionariesSchema = z.object(
  Object.fromEntries(KEY_DIMENSIONS.map((dimension) => [dimension, z.array(z.string())])) as Record<
    KeyDimension,
    z.ZodArray<z.ZodString>
  >,
);

/** An encoded block: `header` is JSON text, `body` the gzip bytes of the dictionaries and the columns. */
export interface EncodedCells {
  header: string;
  body: Uint8Array;
}

/**
 * Encodes cells of one basis.
 *
 * @throws RangeError when a count or a histogram value is not an integer within the Int32 range.
 */
export function encodeCells(cells: readonly DailyCell[]): EncodedCells {
  return encodeTable(tableOfCells(cells[0]?.basis ?? 'cohort', cells));
}

/**
 * Decodes a block that `encodeCells` or `encodeTable` wrote.
 *
 * @throws Error when the header is invalid or the body does not have the length the header implies.
 */
export function decodeCells(basis: KpiBasis, encoded: EncodedCells): DailyCell[] {
  return cellsOfTable(decodeTable(basis, encoded));
}

/**
 * Encodes a table of one basis.
 *
 * @throws RangeError when a count or a histogram value is not an integer within the Int32 range.
 */
export function encodeTable(table: CellTable): EncodedCells {
  const { rows } = table;
  const businessPairs = table.businessStarts[rows] as number;
  const rawPairs = table.rawStarts[rows] as number;
  const histogramPairs = businessPairs + rawPairs;

  // Tables cut from a larger one share its dictionaries; a block stores only the values its rows use.
  const dictionaries = {} as Record<KeyDimension, string[]>;
  const intColumns: ArrayLike<number>[] = [];
  for (const dimension of KEY_DIMENSIONS) {
    const source = table.keys[dimension];
    const remap = new Map<number, number>();
    const compact = new Int32Array(rows);
    for (let row = 0; row < rows; row += 1) {
      const index = source[row] as number;
      let mapped = remap.get(index);
      if (mapped === undefined) {
        mapped = remap.size;
        remap.set(index, mapped);
      }
      compact[row] = mapped;
    }
    dictionaries[dimension] = [...remap.keys()].map((index) => table.dictionaries[dimension][index] as string);
    intColumns.push(compact);
  }
  for (const measure of INT_MEASURES) {
    intColumns.push(table.measures[measure].subarray(0, rows));
  }
  for (const starts of [table.businessStarts, table.rawStarts]) {
    const lengths = new Int32Array(rows);
    for (let row = 0; row < rows; row += 1) {
      lengths[row] = (starts[row + 1] as number) - (starts[row] as number);
    }
    intColumns.push(lengths);
  }
  intColumns.push(deltaMinutes(table.businessStarts, table.businessPairs, rows));
  intColumns.push(deltaMinutes(table.rawStarts, table.rawPairs, rows));
  const widths = intColumns.map(widthOf);

  // The dictionaries go into the compressed body: a day's salesperson and site ids compress several times over.
  const dictionaryJson = new TextEncoder().encode(JSON.stringify(dictionaries));
  let length = paddedTo8(dictionaryJson.byteLength) + FLOAT_MEASURES.length * rows * 8;
  const offsets = intColumns.map((column, index) => {
    const offset = length;
    length = paddedTo4(length + column.length * (widths[index] as number));
    return offset;
  });
  const body = new Uint8Array(length);
  body.set(dictionaryJson, 0);
  FLOAT_MEASURES.forEach((measure, column) => {
    new Float64Array(body.buffer, paddedTo8(dictionaryJson.byteLength) + column * rows * 8, rows).set(
      table.measures[measure].subarray(0, rows),
    );
  });
  intColumns.forEach((column, index) => {
    columnView(body.buffer, offsets[index] as number, widths[index] as number, column.length).set(column);
  });
  const header = JSON.stringify({
    version: 3,
    rows,
    histogramPairs,
    dictionaryBytes: dictionaryJson.byteLength,
    widths,
  });
  return { header, body: gzipSync(body, { level: 1 }) };
}

/**
 * Decodes a block into a table whose columns are views on the decompressed body, without one object per cell.
 *
 * @throws Error when the header is invalid, the body does not have the length the header implies, or a key
 *   index is outside its dictionary.
 */
export function decodeTable(basis: KpiBasis, encoded: EncodedCells): CellTable {
  const header = headerSchema.parse(JSON.parse(encoded.header));
  const { rows, histogramPairs, widths } = header;
  // A copy starts at offset 0 of its own buffer, so every column view is aligned.
  const bytes = new Uint8Array(gunzipSync(encoded.body));
  const columnLengths = [...Array.from({ length: KEY_DIMENSIONS.length + INT_MEASURES.length + 2 }, () => rows), 0, 0];
  if (widths.length !== columnLengths.length) {
    throw new Error(`KPI cell block header has ${widths.length} column widths, expected ${columnLengths.length}`);
  }
  let length = paddedTo8(header.dictionaryBytes) + FLOAT_MEASURES.length * rows * 8;
  const columns: IntColumn[] = [];
  const columnAt = (index: number, count: number) => {
    const width = widths[index] as number;
    if (length + count * width > bytes.byteLength) {
      throw new Error(`KPI cell block body has ${bytes.byteLength} bytes, too few for its ${rows} cells`);
    }
    const column = columnView(bytes.buffer, length, width, count);
    length = paddedTo4(length + count * width);
    return column;
  };
  for (let index = 0; index < columnLengths.length - 2; index += 1) {
    columns.push(columnAt(index, rows));
  }
  const startsOf = (lengths: IntColumn) => {
    const starts = new Int32Array(rows + 1);
    for (let row = 0; row < rows; row += 1) {
      starts[row + 1] = (starts[row] as number) + (lengths[row] as number);
    }
    return starts;
  };
  const lengthsStart = KEY_DIMENSIONS.length + INT_MEASURES.length;
  const businessStarts = startsOf(columns[lengthsStart] as IntColumn);
  const rawStarts = startsOf(columns[lengthsStart + 1] as IntColumn);
  const businessPairCount = businessStarts[rows] as number;
  if (businessPairCount + (rawStarts[rows] as number) !== histogramPairs) {
    throw new Error(`KPI cell block histogram lengths do not add up to its ${histogramPairs} pairs`);
  }
  const businessPairs = Int32Array.from(columnAt(columnLengths.length - 2, businessPairCount * 2));
  const rawPairs = Int32Array.from(columnAt(columnLengths.length - 1, (rawStarts[rows] as number) * 2));
  if (length !== bytes.byteLength) {
    throw new Error(`KPI cell block body has ${bytes.byteLength} bytes, expected ${length} for ${rows} cells`);
  }
  const storedDictionaries = dictionariesSchema.parse(
    JSON.parse(new TextDecoder().decode(bytes.subarray(0, header.dictionaryBytes))),
  );

  const dictionaries = {} as Record<KeyDimension, string[]>;
  const keys = {} as Record<KeyDimension, IntColumn>;
  KEY_DIMENSIONS.forEach((dimension, index) => {
    const dictionary = storedDictionaries[dimension];
    // Widened to Int32 (and the measures below to Float64) so that the loops reading a report's blocks see one
    // array type per column: mixing narrow widths made each read polymorphic and a report several times slower.
    const indexes = new Int32Array(columns[index] as IntColumn);
    for (let row = 0; row < rows; row += 1) {
      if ((indexes[row] as number) >= dictionary.length) {
        throw new Error(`KPI cell block has a ${dimension} index ${indexes[row]} outside its dictionary`);
      }
    }
    dictionaries[dimension] = dictionary;
    keys[dimension] = indexes;
  });
  const measures = {} as Record<CellMeasure, NumberColumn>;
  FLOAT_MEASURES.forEach((measure, column) => {
    measures[measure] = new Float64Array(bytes.buffer, paddedTo8(header.dictionaryBytes) + column * rows * 8, rows);
  });
  INT_MEASURES.forEach((measure, column) => {
    measures[measure] = new Float64Array(columns[KEY_DIMENSIONS.length + column] as IntColumn);
  });
  return {
    basis,
    rows,
    dictionaries,
    keys,
    measures,
    businessStarts,
    businessPairs: absoluteMinutes(businessStarts, businessPairs, rows),
    rawStarts,
    rawPairs: absoluteMinutes(rawStarts, rawPairs, rows),
  };
}

/**
 * Bytes per value of an integer column: 1 or 2 when every value fits unsigned, else 4 (signed).
 *
 * @throws RangeError when a value is not an integer within the Int32 range.
 */
function widthOf(column: ArrayLike<number>): 1 | 2 | 4 {
  // Narrow columns of a decoded block fit their width by construction.
  if (column instanceof Uint8Array) {
    return 1;
  }
  let low = 0;
  let high = 0;
  for (let index = 0; index < column.length; index += 1) {
    const value = column[index] as number;
    if (!Number.isInteger(value) || value < INT32_MIN || value > INT32_MAX) {
      throw new RangeError(`KPI cell value ${value} is not an integer within the Int32 range`);
    }
    low = Math.min(value, low);
    high = Math.max(value, high);
  }
  if (low < 0 || high > 65_535) {
    return 4;
  }
  return high > 255 ? 2 : 1;
}

function columnView(buffer: ArrayBufferLike, offset: number, width: number, count: number): IntColumn {
  if (width === 1) {
    return new Uint8Array(buffer, offset, count);
  }
  return width === 2 ? new Uint16Array(buffer, offset, count) : new Int32Array(buffer, offset, count);
}

function paddedTo4(length: number): number {
  return Math.ceil(length / 4) * 4;
}

/**
 * Pairs with each minute value replaced by its difference to the previous pair's in the same row. Minutes
 * ascend within a row, so the differences are small and compress far better than the minutes.
 */
function deltaMinutes(starts: Int32Array, pairs: Int32Array, rows: number): Int32Array {
  const encoded = pairs.slice(0, (starts[rows] as number) * 2);
  for (let row = 0; row < rows; row += 1) {
    for (let pair = (starts[row + 1] as number) - 1; pair > (starts[row] as number); pair -= 1) {
      encoded[pair * 2] = (pairs[pair * 2] as number) - (pairs[(pair - 1) * 2] as number);
    }
  }
  return encoded;
}

/** Reverses `deltaMinutes` in place. */
function absoluteMinutes(starts: Int32Array, pairs: Int32Array, rows: number): Int32Array {
  for (let row = 0; row < rows; row += 1) {
    for (let pair = (starts[row] as number) + 1; pair < (starts[row + 1] as number); pair += 1) {
      pairs[pair * 2] = (pairs[pair * 2] as number) + (pairs[(pair - 1) * 2] as number);
    }
  }
  return pairs;
}

function paddedTo8(length: number): number {
  return Math.ceil(length / 8) * 8;
}
