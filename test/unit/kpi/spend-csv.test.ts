import { describe, expect, it } from 'vitest';
import { parseSpendCsv, SpendCsvError } from '#shared/kpi/spend-csv';

const utf8 = (text: string) => new TextEncoder().encode(text);
const withBom = (text: string) => new Uint8Array([0xef, 0xbb, 0xbf, ...utf8(text)]);

function errorOf(action: () => unknown): SpendCsvError {
  try {
    action();
  } catch (error) {
    if (error instanceof SpendCsvError) {
      return error;
    }
    throw error;
  }
  throw new Error('expected a SpendCsvError');
}

describe('parseSpendCsv', () => {
  it('reads a French Excel file with BOM, semicolons, decimal comma and thousands spaces', () => {
    const file = withBom(
      'Mois;Source;Campagne;Site;Montant\r\n' +
        '2026-11;google-ads;vn-novembre;amiens-nord;1 234,50\r\n' +
        '11/2026;meta-ads;;;"2\u00a0000,00 €"\r\n' +
        '\r\n',
    );

    expect(parseSpendCsv(file)).toEqual([
      { month: '2026-11', source: 'google-ads', campaign: 'vn-novembre', site: 'amiens-nord', amount: 1234.5 },
      { month: '2026-11', source: 'meta-ads', amount: 2000 },
    ]);
  });

  it('reads an English file with commas and a decimal point', () => {
    const file = utf8('month,source,amount\n2026-10,lacentrale,"1,500.25"\n');

    expect(parseSpendCsv(file)).toEqual([{ month: '2026-10', source: 'lacentrale', amount: 1500.25 }]);
  });

  it('matches headers without regard to case or accents, in any order', () => {
    const file = utf8('MONTANT;SOURCE;MOIS\n500;oem;2026-09\n');

    expect(parseSpendCsv(file)).toEqual([{ month: '2026-09', source: 'oem', amount: 500 }]);
  });

  it('names a missing required column', () => {
    expect(errorOf(() => parseSpendCsv(utf8('mois;source\n2026-11;oem\n'))).message).toBe(
      'The spend file has no montant or amount column; the header line is "mois;source"',
    );
  });

  it('names the line of an amount that is not a number', () => {
    const file = utf8('mois;source;montant\n2026-11;oem;100\n2026-11;web;douze\n');

    expect(errorOf(() => parseSpendCsv(file)).message).toBe('Line 3: amount "douze" is not a number of euros');
  });

  it('names the line of a month in another format', () => {
    const file = utf8('mois;source;montant\nnovembre 2026;oem;100\n');

    expect(errorOf(() => parseSpendCsv(file)).message).toBe('Line 2: month "novembre 2026" must be YYYY-MM or MM/YYYY');
  });

  it('rejects an amount with more than two decimals and a negative amount', () => {
    expect(errorOf(() => parseSpendCsv(utf8('mois;source;montant\n2026-11;oem;1,234\n'))).message).toMatch(
      /^Line 2 is invalid: amount: must have at most two decimals/,
    );
    expect(errorOf(() => parseSpendCsv(utf8('mois;source;montant\n2026-11;oem;-5\n'))).message).toBe(
      'Line 2: amount "-5" is not a number of euros',
    );
  });

  it('rejects a file that is not UTF-8 and a file without data lines', () => {
    expect(errorOf(() => parseSpendCsv(new Uint8Array([0x6d, 0x6f, 0x69, 0x73, 0xe9, 0x3b]))).message).toMatch(
      /not UTF-8/,
    );
    expect(errorOf(() => parseSpendCsv(utf8('mois;source;montant\n'))).message).toBe('The spend file has no data line');
  });
});
