import { describe, expect, it } from 'vitest';
import { csvRow, formatCsvCell, writeCsv } from '#shared/export/csv';
import type { ExportColumn } from '#shared/export/table';

const columns: ExportColumn[] = [
  { header: 'Site', kind: 'text' },
  { header: 'Source', kind: 'text' },
  { header: 'Leads', kind: 'integer' },
  { header: 'Taux de transformation (%)', kind: 'rate' },
  { header: 'Coût par vente (€)', kind: 'money' },
];

describe('csvRow', () => {
  it('writes the French golden row', () => {
    expect(csvRow(columns, ['Évreux Centre', 'Site web', 12, 0.4167, 1234.5], 'fr')).toBe(
      'Évreux Centre;Site web;12;41,67;1234,50\r\n',
    );
  });

  it('writes the English row with commas and dots', () => {
    expect(csvRow(columns, ['Évreux Centre', 'Site web', 12, 0.4167, 1234.5], 'en')).toBe(
      'Évreux Centre,Site web,12,41.67,1234.50\r\n',
    );
  });

  it('leaves null figures empty', () => {
    expect(csvRow(columns, ['Évreux Centre', 'Site web', 0, null, null], 'fr')).toBe('Évreux Centre;Site web;0;;\r\n');
  });

  it.each([
    ['a separator', 'Dupont; fils', '"Dupont; fils"'],
    ['a double quote', 'Garage "Le Lion"', '"Garage ""Le Lion"""'],
    ['a line feed', 'ligne 1\nligne 2', '"ligne 1\nligne 2"'],
    ['a carriage return', 'a\rb', '"a\rb"'],
  ])('quotes a field with %s', (_case, value, expected) => {
    expect(csvRow([{ header: 'x', kind: 'text' }], [value], 'fr')).toBe(`${expected}\r\n`);
  });

  it('does not quote a comma in French', () => {
    expect(csvRow([{ header: 'x', kind: 'text' }], ['a,b'], 'fr')).toBe('a,b\r\n');
  });

  it('quotes a comma in English', () => {
    expect(csvRow([{ header: 'x', kind: 'text' }], ['a,b'], 'en')).toBe('"a,b"\r\n');
  });

  it('rejects a row of the wrong length', () => {
    expect(() => csvRow(columns, ['a'], 'fr')).toThrow(RangeError);
  });
});

describe('formatCsvCell', () => {
  it.each([
    ['=HYPERLINK("x")', `'=HYPERLINK("x")`],
    ['+33 6 00', `'+33 6 00`],
    ['-1', `'-1`],
    ['@SUM(A1)', `'@SUM(A1)`],
  ])('escapes the formula %s', (value, expected) => {
    expect(formatCsvCell(value, { header: 'x', kind: 'text' }, 'fr')).toBe(expected);
  });

  it.each([
    ['fr', 'date', '2026-03-04', '04/03/2026'],
    ['en', 'date', '2026-03-04', '2026-03-04'],
    ['fr', 'datetime', '2026-03-04T18:26:00', '04/03/2026 18:26:00'],
    ['en', 'datetime', '2026-03-04T18:26:00', '2026-03-04 18:26:00'],
  ] as const)('formats a %s %s', (locale, kind, value, expected) => {
    expect(formatCsvCell(value, { header: 'x', kind }, locale)).toBe(expected);
  });

  it('keeps a label in a date column as text', () => {
    expect(formatCsvCell('Total', { header: 'Jour', kind: 'date' }, 'fr')).toBe('Total');
  });

  it.each([
    ['rate', -0.25, '-25,00'],
    ['rate', 1, '100,00'],
    ['money', 0.005, '0,01'],
    ['decimal', 12.5, '12,5'],
    ['integer', 0, '0'],
  ] as const)('formats a %s of %s', (kind, value, expected) => {
    expect(formatCsvCell(value, { header: 'x', kind }, 'fr')).toBe(expected);
  });

  it('rejects a fractional count', () => {
    expect(() => formatCsvCell(1.5, { header: 'Leads', kind: 'integer' }, 'fr')).toThrow(/Leads/);
  });

  it('rejects a string in a number column', () => {
    expect(() => formatCsvCell('12', { header: 'Leads', kind: 'integer' }, 'fr')).toThrow(TypeError);
  });
});

describe('writeCsv', () => {
  it('writes the byte order mark, the header and the rows', () => {
    const csv = writeCsv({ columns, rows: [['Évreux Centre', 'Site web', 12, 0.4167, 1234.5]] }, 'fr');

    expect([...Buffer.from(csv, 'utf8').subarray(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
    expect(csv).toBe(
      '\uFEFFSite;Source;Leads;Taux de transformation (%);Coût par vente (€)\r\n' +
        'Évreux Centre;Site web;12;41,67;1234,50\r\n',
    );
  });
});
