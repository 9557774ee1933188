/**
 * The neutral table that the CSV and XLSX writers take: typed columns and rows of plain values, so one export
 * can be written in either format and in either locale.
 */

/** Languages of export headers and number formats: French (the default) or English. */
export const EXPORT_LOCALES = ['fr', 'en'] as const;
export type ExportLocale = (typeof EXPORT_LOCALES)[number];

/**
 * How a column's values are typed and formatted:
 * - `text`: a string.
 * - `integer`: a count.
 * - `decimal`: any other number, such as a mean in minutes.
 * - `rate`: a ratio (0.4167), shown as a percentage (41,67 in CSV, 41.67 % in XLSX).
 * - `money`: an amount in EUR.
 * - `date`: a calendar date, `yyyy-mm-dd`.
 * - `datetime`: a wall-clock time in the time zone that the export chose, `yyyy-mm-ddThh:mm:ss`, without offset.
 */
export type CellKind = 'text' | 'integer' | 'decimal' | 'rate' | 'money' | 'date' | 'datetime';

export interface ExportColumn {
  header: string;
  kind: CellKind;
}

/**
 * A string for `text`, `date` and `datetime` columns, a number for the others; null is an empty cell. A string
 * in a `date` or `datetime` column that is not in that kind's format is written as text.
 */
export type CellValue = string | number | null;

export interface ExportTable {
  columns: readonly ExportColumn[];
  rows: Iterable<readonly CellValue[]>;
}

const DATE_PATTERN = /^(\d{4})-(\d{2})-(\d{2})$/;
const DATE_TIME_PATTERN = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})$/;

/**
 * The parts of a `date` or `datetime` value, or undefined when the string has another form. Writers keep such a
 * string as text, so a date column can hold a label such as `Total`.
 */
export function dateParts(
  value: string,
  kind: 'date' | 'datetime',
): { year: string; month: string; day: string; time: string } | undefined {
  const match = (kind === 'date' ? DATE_PATTERN : DATE_TIME_PATTERN).exec(value);
  if (!match) {
    return undefined;
  }
  const [, year = '', month = '', day = '', hours, minutes, seconds] = match;
  return { year, month, day, time: kind === 'date' ? '' : `${hours}:${minutes}:${seconds}` };
}

/** Checks that a numeric cell holds a finite number; throws a TypeError naming the column otherwise. */
export function assertNumber(value: CellValue, column: ExportColumn): number {
  if (typeof value !== 'number' || !Number.isFinite(value)) {
    throw new TypeError(`Invalid ${column.kind} cell in column "${column.header}": ${String(value)} is not a number`);
  }
  if (column.kind === 'integer' && !Number.isInteger(value)) {
    throw new TypeError(`Invalid integer cell in column "${column.header}": ${value}`);
  }
  return value;
}
