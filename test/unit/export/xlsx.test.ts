import { XMLParser } from 'fast-xml-parser';
import { strFromU8, unzipSync } from 'fflate';
import { describe, expect, it } from 'vitest';
import { localDateTime } from '#shared/export/local-time';
import type { ExportColumn } from '#shared/export/table';
import { columnLetters, excelSerial, writeXlsx } from '#shared/export/xlsx';

const parser = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: '', parseTagValue: false });

function unpack(bytes: Uint8Array): Record<string, string> {
  return Object.fromEntries(Object.entries(unzipSync(bytes)).map(([name, data]) => [name, strFromU8(data)]));
}

interface Cell {
  r: string;
  s?: string;
  t?: string;
  v?: string;
  is?: { t: string | { '#text': string } };
}

function cellsOf(sheetXml: string): Cell[][] {
  const sheet = parser.parse(sheetXml).worksheet;
  const rows = Array.isArray(sheet.sheetData.row) ? sheet.sheetData.row : [sheet.sheetData.row];
  return rows.map((row: { c: Cell | Cell[] }) => (Array.isArray(row.c) ? row.c : [row.c]));
}

const columns: ExportColumn[] = [
  { header: 'Site', kind: 'text' },
  { header: 'Leads', kind: 'integer' },
  { header: 'Taux (%)', kind: 'rate' },
  { header: 'Coût (€)', kind: 'money' },
  { header: 'Reçu le', kind: 'datetime' },
  { header: 'Jour', kind: 'date' },
];

describe('writeXlsx', () => {
  const workbook = unpack(
    writeXlsx(
      {
        columns,
        rows: [
          [
            'Évreux <Centre> & co',
            12,
            0.4167,
            1234.5,
            localDateTime('2026-03-04T17:26:00Z', 'Europe/Paris'),
            '2026-03-04',
          ],
        ],
      },
      'KPI',
    ),
  );

  it('contains the parts of a minimal workbook', () => {
    expect(Object.keys(workbook).sort()).toEqual([
      '[Content_Types].xml',
      '_rels/.rels',
      'xl/_rels/workbook.xml.rels',
      'xl/styles.xml',
      'xl/workbook.xml',
      'xl/worksheets/sheet1.xml',
    ]);
  });

  it('freezes the header row', () => {
    const pane = parser.parse(workbook['xl/worksheets/sheet1.xml'] ?? '').worksheet.sheetViews.sheetView.pane;

    expect(pane).toEqual({ ySplit: '1', topLeftCell: 'A2', activePane: 'bottomLeft', state: 'frozen' });
  });

  it('declares the money and date formats', () => {
    const styles = parser.parse(workbook['xl/styles.xml'] ?? '').styleSheet;

    expect(styles.numFmts.numFmt).toEqual([
      { numFmtId: '164', formatCode: '#,##0.00\\ "€"' },
      { numFmtId: '165', formatCode: 'dd/mm/yyyy\\ hh:mm:ss' },
      { numFmtId: '166', formatCode: 'dd/mm/yyyy' },
    ]);
    expect(styles.cellXfs.xf.map((xf: { numFmtId: string }) => xf.numFmtId)).toEqual([
      '0',
      '1',
      '2',
      '10',
      '164',
      '165',
      '166',
      '0',
    ]);
  });

  it('writes typed cells with their styles', () => {
    const [header, row] = cellsOf(workbook['xl/worksheets/sheet1.xml'] ?? '');

    expect(header?.map((cell) => [cell.r, cell.s, cell.t])).toEqual([
      ['A1', '7', 'inlineStr'],
      ['B1', '7', 'inlineStr'],
      ['C1', '7', 'inlineStr'],
      ['D1', '7', 'inlineStr'],
      ['E1', '7', 'inlineStr'],
      ['F1', '7', 'inlineStr'],
    ]);
    expect(row).toEqual([
      { r: 'A2', t: 'inlineStr', is: { t: 'Évreux <Centre> & co' } },
      { r: 'B2', s: '1', v: '12' },
      { r: 'C2', s: '3', v: '0.4167' },
      { r: 'D2', s: '4', v: '1234.5' },
      { r: 'E2', s: '5', v: String(46085 + (18 * 60 + 26) / 1440) },
      { r: 'F2', s: '6', v: '46085' },
    ]);
  });

  it('escapes XML in text cells', () => {
    expect(workbook['xl/worksheets/sheet1.xml']).toContain('<t>Évreux &lt;Centre&gt; &amp; co</t>');
  });

  it('names the sheet', () => {
    expect(parser.parse(workbook['xl/workbook.xml'] ?? '').workbook.sheets.sheet).toEqual({
      name: 'KPI',
      sheetId: '1',
      'r:id': 'rId1',
    });
  });

  it('omits null cells', () => {
    const sheet = unpack(writeXlsx({ columns, rows: [['A', null, null, null, null, null]] }, 'KPI'));

    expect(cellsOf(sheet['xl/worksheets/sheet1.xml'] ?? '')[1]).toEqual([{ r: 'A2', t: 'inlineStr', is: { t: 'A' } }]);
  });

  it('writes the same bytes twice', () => {
    const table = { columns, rows: [['A', 1, 0.5, 2, '2026-03-04T18:26:00', '2026-03-04']] };

    expect(writeXlsx(table, 'KPI')).toEqual(writeXlsx(table, 'KPI'));
  });
});

describe('excelSerial', () => {
  it.each([
    ['1900-03-01', 'date', 61],
    ['2026-01-01', 'date', 46023],
    ['2026-03-04T12:00:00', 'datetime', 46085.5],
  ] as const)('converts %s', (value, kind, serial) => {
    expect(excelSerial(value, kind)).toBe(serial);
  });
});

describe('localDateTime', () => {
  it.each([
    ['2026-03-04T17:26:00Z', 'Europe/Paris', '2026-03-04T18:26:00'],
    ['2026-07-04T17:26:00Z', 'Europe/Paris', '2026-07-04T19:26:00'],
    ['2026-03-04T23:30:00Z', 'Europe/Paris', '2026-03-05T00:30:00'],
    ['2026-03-04T17:26:00Z', 'Indian/Reunion', '2026-03-04T21:26:00'],
  ])('converts %s in %s', (instant, zone, expected) => {
    expect(localDateTime(instant, zone)).toBe(expected);
  });
});

describe('columnLetters', () => {
  it.each([
    [0, 'A'],
    [25, 'Z'],
    [26, 'AA'],
    [701, 'ZZ'],
    [702, 'AAA'],
  ])('names column %i', (index, letters) => {
    expect(columnLetters(index)).toBe(letters);
  });
});
