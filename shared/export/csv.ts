/**
 * CSV as Excel opens it without an import wizard.
 *
 * `fr` (the default) is for French Excel: UTF-8 with a byte order mark (without it Excel reads the file as
 * Windows-1252), `;` between fields, a decimal comma and dates as `dd/mm/yyyy`. There is no `sep=` line,
 * because Excel then ignores the byte order mark. `en` is comma-separated with a decimal point and ISO dates.
 * In both, rates are percentages with two decimals and no `%` sign (0.4167 is `41,67` or `41.67`), so the
 * header says `(%)`; amounts have two decimals and no currency sign or thousands separator; null is an empty
 * field; records end with CRLF; fields are quoted as RFC 4180 specifies when they contain the separator, a
 * double quote or a line break.
 */
import {
  assertNumber,
  type CellValue,
  dateParts,
  type ExportColumn,
  type ExportLocale,
  type ExportTable,
} from './table';

/** The UTF-8 byte order mark that makes Excel read the file as UTF-8. */
export const BYTE_ORDER_MARK = '\uFEFF';

export const CSV_CONTENT_TYPE = 'text/csv; charset=utf-8; header=present';

interface CsvDialect {
  separator: string;
  decimalSeparator: string;
}

const DIALECTS: Record<ExportLocale, CsvDialect> = {
  fr: { separator: ';', decimalSeparator: ',' },
  en: { separator: ',', decimalSeparator: '.' },
};

/** Characters that make a spreadsheet read a text cell as a formula. */
const FORMULA_TRIGGERS = new Set(['=', '+', '-', '@', '\t', '\r']);

/**
 * Formats one cell. A text that starts like a formula (`=`, `+`, `-`, `@`, tab, carriage return) gets a
 * leading `'`, because lead fields come from public web forms and a cell such as `=HYPERLINK(...)` would
 * otherwise run in Excel (the OWASP advice on CSV injection).
 *
 * @throws TypeError when a numeric cell is not a finite number or a date cell is not in its format.
 */
export function formatCsvCell(value: CellValue, column: ExportColumn, locale: ExportLocale): string {
  if (value === null) {
    return '';
  }
  const { decimalSeparator } = DIALECTS[locale];
  switch (column.kind) {
    case 'text':
      return escapeFormula(String(value));
    case 'integer':
      return String(assertNumber(value, column));
    case 'decimal':
      return String(assertNumber(value, column)).replace('.', decimalSeparator);
    case 'rate':
      return (assertNumber(value, column) * 100).toFixed(2).replace('.', decimalSeparator);
    case 'money':
      return assertNumber(value, column).toFixed(2).replace('.', decimalSeparator);
    case 'date':
    case 'datetime': {
      const parts = dateParts(String(value), column.kind);
      if (parts === undefined) {
        return escapeFormula(String(value));
      }
      const { year, month, day, time } = parts;
      const date = locale === 'fr' ? `${day}/${month}/${year}` : `${year}-${month}-${day}`;
      return time === '' ? date : `${date} ${time}`;
    }
  }
}

function escapeFormula(text: string): string {
  return FORMULA_TRIGGERS.has(text.charAt(0)) ? `'${text}` : text;
}

/** Quotes a field when it contains the separator, a double quote or a line break, doubling inner quotes. */
function quote(field: string, separator: string): string {
  if (field.includes(separator) || field.includes('"') || field.includes('\n') || field.includes('\r')) {
    return `"${field.replaceAll('"', '""')}"`;
  }
  return field;
}

/** Builds one CSV record from already formatted fields, with its CRLF line end. */
export function csvRecord(fields: readonly string[], locale: ExportLocale): string {
  const { separator } = DIALECTS[locale];
  return `${fields.map((field) => quote(field, separator)).join(separator)}\r\n`;
}

/** Builds the header record of the columns. */
export function csvHeader(columns: readonly ExportColumn[], locale: ExportLocale): string {
  return csvRecord(
    columns.map((column) => column.header),
    locale,
  );
}

/**
 * Builds the record of one row.
 *
 * @throws RangeError when the row has another number of cells than there are columns.
 */
export function csvRow(columns: readonly ExportColumn[], row: readonly CellValue[], locale: ExportLocale): string {
  if (row.length !== columns.length) {
    throw new RangeError(`Invalid row: ${row.length} cells for ${columns.length} columns`);
  }
  return csvRecord(
    columns.map((column, index) => formatCsvCell(row[index] ?? null, column, locale)),
    locale,
  );
}

/** Writes a whole table: the byte order mark, the header record, then one record per row. */
export function writeCsv(table: ExportTable, locale: ExportLocale): string {
  const parts = [BYTE_ORDER_MARK, csvHeader(table.columns, locale)];
  for (const row of table.rows) {
    parts.push(csvRow(table.columns, row, locale));
  }
  return parts.join('');
}
