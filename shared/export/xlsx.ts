/**
 * A minimal Office Open XML workbook (ECMA-376) with one sheet of typed cells, zipped with fflate. Numbers are
 * numbers, rates carry the `0.00%` format and amounts `#,##0.00 "€"`. Dates and date-times are Excel serial
 * numbers with the `dd/mm/yyyy` and `dd/mm/yyyy hh:mm:ss` formats. The header row is frozen. Text goes into
 * inline strings, so the workbook needs no shared-string table.
 */
import { strToU8, zipSync } from 'fflate';
import { assertNumber, type CellKind, type CellValue, dateParts, type ExportColumn, type ExportTable } from './table';

export const XLSX_CONTENT_TYPE = 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet';

const MAIN_NAMESPACE = 'http://schemas.openxmlformats.org/spreadsheetml/2006/main';
const RELATIONSHIP_NAMESPACE = 'http://schemas.openxmlformats.org/officeDocument/2006/relationships';
const PACKAGE_RELATIONSHIPS = 'http://schemas.openxmlformats.org/package/2006/relationships';
const XML_DECLARATION = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n';

/**
 * Index in `cellXfs` of each cell kind's style; 7 is the bold header. Number formats 1 (`0`), 2 (`0.00`) and
 * 10 (`0.00%`) are built into Excel, 164 to 166 are declared in styles.xml.
 */
const STYLE_OF_KIND: Record<CellKind, number> = {
  text: 0,
  integer: 1,
  decimal: 2,
  rate: 3,
  money: 4,
  datetime: 5,
  date: 6,
};
const HEADER_STYLE = 7;

const STYLES_XML = [
  XML_DECLARATION,
  `<styleSheet xmlns="${MAIN_NAMESPACE}">`,
  '<numFmts count="3">',
  '<numFmt numFmtId="164" formatCode="#,##0.00\\ &quot;€&quot;"/>',
  '<numFmt numFmtId="165" formatCode="dd/mm/yyyy\\ hh:mm:ss"/>',
  '<numFmt numFmtId="166" formatCode="dd/mm/yyyy"/>',
  '</numFmts>',
  '<fonts count="2"><font><sz val="11"/><name val="Calibri"/></font><font><b/><sz val="11"/><name val="Calibri"/></font></fonts>',
  '<fills count="2"><fill><patternFill patternType="none"/></fill><fill><patternFill patternType="gray125"/></fill></fills>',
  '<borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>',
  '<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>',
  '<cellXfs count="8">',
  '<xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>',
  '<xf numFmtId="1" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>',
  '<xf numFmtId="2" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>',
  '<xf numFmtId="10" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>',
  '<xf numFmtId="164" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>',
  '<xf numFmtId="165" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>',
  '<xf numFmtId="166" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>',
  '<xf numFmtId="0" fontId="1" fillId="0" borderId="0" xfId="0" applyFont="1"/>',
  '</cellXfs>',
  '<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles>',
  '</styleSheet>',
].join('');

const CONTENT_TYPES_XML = [
  XML_DECLARATION,
  '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">',
  '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>',
  '<Default Extension="xml" ContentType="application/xml"/>',
  '<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>',
  '<Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>',
  '<Override PartName="/xl/styles.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/>',
  '</Types>',
].join('');

const ROOT_RELATIONSHIPS_XML = [
  XML_DECLARATION,
  `<Relationships xmlns="${PACKAGE_RELATIONSHIPS}">`,
  `<Relationship Id="rId1" Type="${RELATIONSHIP_NAMESPACE}/officeDocument" Target="xl/workbook.xml"/>`,
  '</Relationships>',
].join('');

const WORKBOOK_RELATIONSHIPS_XML = [
  XML_DECLARATION,
  `<Relationships xmlns="${PACKAGE_RELATIONSHIPS}">`,
  `<Relationship Id="rId1" Type="${RELATIONSHIP_NAMESPACE}/worksheet" Target="worksheets/sheet1.xml"/>`,
  `<Relationship Id="rId2" Type="${RELATIONSHIP_NAMESPACE}/styles" Target="styles.xml"/>`,
  '</Relationships>',
].join('');

/**
 * Day 0 of Excel's 1900 date system for every date from 1900-03-01 on. Earlier dates would be one day off,
 * because Excel counts a 1900-02-29 that did not exist.
 */
const EXCEL_EPOCH_MS = Date.UTC(1899, 11, 30);
const DAY_MS = 86_400_000;

/**
 * Converts a `date` or `datetime` cell value to an Excel serial number (days since 1899-12-30, time as a
 * fraction), or undefined when the value is not in that kind's format.
 */
export function excelSerial(value: string, kind: 'date' | 'datetime'): number | undefined {
  const parts = dateParts(value, kind);
  if (parts === undefined) {
    return undefined;
  }
  const { year, month, day, time } = parts;
  const [hours = 0, minutes = 0, seconds = 0] = time === '' ? [] : time.split(':').map(Number);
  const utc = Date.UTC(Number(year), Number(month) - 1, Number(day), hours, minutes, seconds);
  return (utc - EXCEL_EPOCH_MS) / DAY_MS;
}

/** Column letters of a zero-based index: 0 is A, 25 is Z, 26 is AA. */
export function columnLetters(index: number): string {
  let letters = '';
  for (let rest = index + 1; rest > 0; rest = Math.floor((rest - 1) / 26)) {
    letters = String.fromCharCode(65 + ((rest - 1) % 26)) + letters;
  }
  return letters;
}

/** Characters that XML 1.0 forbids (C0 controls other than tab, line feed and carriage return). */
// biome-ignore lint/suspicious/noControlCharactersInRegex: the pattern exists to remove these characters.
const FORBIDDEN_XML_CHARACTERS = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]/g;

function escapeXml(text: string): string {
  return text
    .replace(FORBIDDEN_XML_CHARACTERS, '')
    .replaceAll('&', '&amp;')
    .replaceAll('<', '&lt;')
    .replaceAll('>', '&gt;')
    .replaceAll('"', '&quot;');
}

function inlineString(reference: string, text: string, style: number): string {
  const space = text.trim() === text ? '' : ' xml:space="preserve"';
  const styleAttribute = style === 0 ? '' : ` s="${style}"`;
  return `<c r="${reference}"${styleAttribute} t="inlineStr"><is><t${space}>${escapeXml(text)}</t></is></c>`;
}

function cellXml(reference: string, value: CellValue, column: ExportColumn): string {
  if (value === null) {
    return '';
  }
  const style = STYLE_OF_KIND[column.kind];
  switch (column.kind) {
    case 'text':
      return inlineString(reference, String(value), style);
    case 'date':
    case 'datetime': {
      const serial = excelSerial(String(value), column.kind);
      return serial === undefined
        ? inlineString(reference, String(value), 0)
        : `<c r="${reference}" s="${style}"><v>${serial}</v></c>`;
    }
    default:
      return `<c r="${reference}" s="${style}"><v>${assertNumber(value, column)}</v></c>`;
  }
}

/** Width of a column in characters: enough for the header and for a date-time, at most 60. */
function columnWidth(column: ExportColumn): number {
  const minimum = column.kind === 'datetime' ? 20 : 12;
  return Math.min(60, Math.max(minimum, column.header.length + 2));
}

function sheetXml(table: ExportTable): string {
  const { columns } = table;
  const parts = [
    XML_DECLARATION,
    `<worksheet xmlns="${MAIN_NAMESPACE}" xmlns:r="${RELATIONSHIP_NAMESPACE}">`,
    '<sheetViews><sheetView workbookViewId="0">',
    '<pane ySplit="1" topLeftCell="A2" activePane="bottomLeft" state="frozen"/>',
    '<selection pane="bottomLeft" activeCell="A2" sqref="A2"/>',
    '</sheetView></sheetViews>',
    '<cols>',
    ...columns.map(
      (column, index) => `<col min="${index + 1}" max="${index + 1}" width="${columnWidth(column)}" customWidth="1"/>`,
    ),
    '</cols>',
    '<sheetData>',
    '<row r="1">',
    ...columns.map((column, index) => inlineString(`${columnLetters(index)}1`, column.header, HEADER_STYLE)),
    '</row>',
  ];
  let rowNumber = 1;
  for (const row of table.rows) {
    if (row.length !== columns.length) {
      throw new RangeError(`Invalid row: ${row.length} cells for ${columns.length} columns`);
    }
    rowNumber += 1;
    parts.push(`<row r="${rowNumber}">`);
    for (const [index, column] of columns.entries()) {
      parts.push(cellXml(`${columnLetters(index)}${rowNumber}`, row[index] ?? null, column));
    }
    parts.push('</row>');
  }
  parts.push('</sheetData>', '</worksheet>');
  return parts.join('');
}

/** Excel rejects sheet names longer than 31 characters or containing `[]:*?/\`. */
function sheetName(name: string): string {
  const cleaned = name.replace(/[[\]:*?/\\]/g, ' ').trim();
  return (cleaned === '' ? 'Sheet1' : cleaned).slice(0, 31);
}

/**
 * Writes a workbook of one sheet named `name`.
 *
 * @throws TypeError when a cell does not match its column's kind, RangeError when a row has the wrong length.
 */
export function writeXlsx(table: ExportTable, name: string): Uint8Array {
  const workbook = [
    XML_DECLARATION,
    `<workbook xmlns="${MAIN_NAMESPACE}" xmlns:r="${RELATIONSHIP_NAMESPACE}">`,
    '<bookViews><workbookView/></bookViews>',
    `<sheets><sheet name="${escapeXml(sheetName(name))}" sheetId="1" r:id="rId1"/></sheets>`,
    '</workbook>',
  ].join('');
  return zipSync(
    {
      '[Content_Types].xml': strToU8(CONTENT_TYPES_XML),
      '_rels/.rels': strToU8(ROOT_RELATIONSHIPS_XML),
      'xl/workbook.xml': strToU8(workbook),
      'xl/_rels/workbook.xml.rels': strToU8(WORKBOOK_RELATIONSHIPS_XML),
      'xl/styles.xml': strToU8(STYLES_XML),
      'xl/worksheets/sheet1.xml': strToU8(sheetXml(table)),
    },
    // A fixed time keeps the bytes of a workbook the same from one run to the next.
    { level: 6, mtime: new Date(Date.UTC(2020, 0, 1)) },
  );
}
