/**
 * Compact binary encoding of a block of KPI cells of one basis, for the aggregates store: a small JSON header
 * with the dictionary of each key dimension, and a gzip body of columns. Columns keep a block of thousands of
 * cells within DynamoDB's 400 KB item limit and decode without parsing one value at a time.
 *
 * Body layout, each column `rows` values long, little-endian: the Float64 columns of `FLOAT_MEASURES`, then
 * Int32 columns of the key indexes (`KEY_DIMENSIONS` order, date first), of the other measures
 * (`CELL_MEASURES` order), of the business and raw histogram lengths (in pairs), then the histograms' pairs
 * as Int32 `minutes, leads` values, business histograms of every row first.
 */
import { gunzipSync, gzipSync } from 'node:zlib';
import * as z from 'zod';
import { CELL_MEASURES, type CellMeasure, type DailyCell, type KpiBasis, type MinuteHistogram } from './aggregates';

/** Cell fields that hold a key value, as dictionaries in the header. */
const KEY_DIMENSIONS = ['date', 'siteId', 'source', 'channel', 'campaignId', 'category', 'salespersonId'] as const;
type KeyDimension = (typeof KEY_DIMENSIONS)[number];

/** Sums in euro cents can pass 2^31 over a month, so they are stored as Float64 (exact up to 2^53). */
const FLOAT_MEASURES: readonly CellMeasure[] = ['revenueCents', 'grossMarginCents'];
const INT_MEASURES = CELL_MEASURES.filter((measure) => !FLOAT_MEASURES.includes(measure));

const INT32_MIN = -(2 ** 31);
const INT32_MAX = 2 ** 31 - 1;

const headerSchema = z.object({
  version: z.literal(1),
  rows: z.number().int().nonnegative(),
  histogramPairs: z.number().int().nonnegative(),
  dictionaries: z.object(Object.fromEntries(KEY_DIMENSIONS.map((dimension) => [dimension, z.array(z.string())]))),
});

/** An encoded block: `header` is JSON text, `body` the gzip bytes of the columns. */
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
  const rows = cells.length;
  const dictionaries = Object.fromEntries(KEY_DIMENSIONS.map((dimension) => [dimension, new Map<string, number>()]));
  const histogramPairs = cells.reduce(
    (total, cell) => total + cell.ttfcBusinessHistogram.length + cell.ttfcRawHistogram.length,
    0,
  );
  const floatBytes = FLOAT_MEASURES.length * rows * 8;
  const intValues = (KEY_DIMENSIONS.length + INT_MEASURES.length + 2) * rows + histogramPairs * 2;
  const buffer = new ArrayBuffer(floatBytes + intValues * 4);
  const floats = new Float64Array(buffer, 0, FLOAT_MEASURES.length * rows);
  const ints = new Int32Array(buffer, floatBytes, intValues);

  FLOAT_MEASURES.forEach((measure, column) => {
    cells.forEach((cell, row) => {
      floats[column * rows + row] = cell[measure];
    });
  });
  let offset = 0;
  const putInt = (value: number) => {
    if (!Number.isInteger(value) || value < INT32_MIN || value > INT32_MAX) {
      throw new RangeError(`KPI cell value ${value} is not an integer within the Int32 range`);
    }
    ints[offset] = value;
    offset += 1;
  };
  for (const dimension of KEY_DIMENSIONS) {
    const dictionary = dictionaries[dimension] as Map<string, number>;
    for (const cell of cells) {
      const value = cell[dimension];
      let index = dictionary.get(value);
      if (index === undefined) {
        index = dictionary.size;
        dictionary.set(value, index);
      }
      putInt(index);
    }
  }
  for (const measure of INT_MEASURES) {
    for (const cell of cells) {
      putInt(cell[measure]);
    }
  }
  for (const cell of cells) {
    putInt(cell.ttfcBusinessHistogram.length);
  }
  for (const cell of cells) {
    putInt(cell.ttfcRawHistogram.length);
  }
  for (const histogram of ['ttfcBusinessHistogram', 'ttfcRawHistogram'] as const) {
    for (const cell of cells) {
      for (const [minutes, leads] of cell[histogram]) {
        putInt(minutes);
        putInt(leads);
      }
    }
  }

  const header = JSON.stringify({
    version: 1,
    rows,
    histogramPairs,
    dictionaries: Object.fromEntries(
      KEY_DIMENSIONS.map((dimension) => [dimension, [...(dictionaries[dimension] as Map<string, number>).keys()]]),
    ),
  });
  return { header, body: gzipSync(new Uint8Array(buffer), { level: 6 }) };
}

/**
 * Decodes a block that `encodeCells` wrote.
 *
 * @throws Error when the header is invalid or the body does not have the length the header implies.
 */
export function decodeCells(basis: KpiBasis, encoded: EncodedCells): DailyCell[] {
  const header = headerSchema.parse(JSON.parse(encoded.header));
  const { rows, histogramPairs } = header;
  // A copy starts at offset 0 of its own buffer, so the Float64 and Int32 views are aligned.
  const bytes = new Uint8Array(gunzipSync(encoded.body));
  const floatBytes = FLOAT_MEASURES.length * rows * 8;
  const intValues = (KEY_DIMENSIONS.length + INT_MEASURES.length + 2) * rows + histogramPairs * 2;
  if (bytes.byteLength !== floatBytes + intValues * 4) {
    throw new Error(
      `KPI cell block body has ${bytes.byteLength} bytes, expected ${floatBytes + intValues * 4} for ${rows} cells`,
    );
  }
  const floats = new Float64Array(bytes.buffer, 0, FLOAT_MEASURES.length * rows);
  const ints = new Int32Array(bytes.buffer, floatBytes, intValues);

  const keyValue = (dimension: KeyDimension, row: number): string => {
    const column = KEY_DIMENSIONS.indexOf(dimension);
    const value = header.dictionaries[dimension]?.[ints[column * rows + row] as number];
    if (value === undefined) {
      throw new Error(`KPI cell block row ${row} has no ${dimension} in its dictionary`);
    }
    return value;
  };
  const measuresStart = KEY_DIMENSIONS.length * rows;
  const businessLengthsStart = measuresStart + INT_MEASURES.length * rows;
  const rawLengthsStart = businessLengthsStart + rows;
  let pairOffset = rawLengthsStart + rows;
  const readHistogram = (length: number): MinuteHistogram => {
    const histogram: MinuteHistogram = [];
    for (let pair = 0; pair < length; pair += 1) {
      histogram.push([ints[pairOffset] as number, ints[pairOffset + 1] as number]);
      pairOffset += 2;
    }
    return histogram;
  };

  const cells: DailyCell[] = [];
  for (let row = 0; row < rows; row += 1) {
    const cell = {
      basis,
      date: keyValue('date', row),
      siteId: keyValue('siteId', row),
      source: keyValue('source', row),
      channel: keyValue('channel', row),
      campaignId: keyValue('campaignId', row),
      category: keyValue('category', row),
      salespersonId: keyValue('salespersonId', row),
    } as DailyCell;
    FLOAT_MEASURES.forEach((measure, column) => {
      cell[measure] = floats[column * rows + row] as number;
    });
    INT_MEASURES.forEach((measure, column) => {
      cell[measure] = ints[measuresStart + column * rows + row] as number;
    });
    cells.push(cell);
  }
  for (let row = 0; row < rows; row += 1) {
    (cells[row] as DailyCell).ttfcBusinessHistogram = readHistogram(ints[businessLengthsStart + row] as number);
  }
  for (let row = 0; row < rows; row += 1) {
    (cells[row] as DailyCell).ttfcRawHistogram = readHistogram(ints[rawLengthsStart + row] as number);
  }
  return cells;
}
