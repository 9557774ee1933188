/**
 * Reads marketing spend from a CSV file as French Excel saves it: `;` between fields, a decimal comma,
 * spaces or non-breaking spaces between thousands, UTF-8 with or without a byte order mark. Files with
 * `,` between fields and a decimal point (English Excel) are read too: the header line decides.
 *
 * Columns, matched by header name in French or English, case and accents ignored: `mois`/`month`
 * (`2026-11` or `11/2026`), `source`, optional `campagne`/`campaign`, optional `site`, and
 * `montant`/`amount` (EUR).
 */
import { ValidationError } from '#shared/errors';
import { type SpendRow, spendRowSchema } from './spend';

/** A CSV file that cannot become spend rows; the message names the line and the column. */
export class SpendCsvError extends ValidationError {}

const COLUMN_NAMES: Record<keyof SpendRow, string[]> = {
  month: ['mois', 'month'],
  source: ['source'],
  campaign: ['campagne', 'campaign'],
  site: ['site'],
  amount: ['montant', 'amount'],
};
const REQUIRED_COLUMNS: (keyof SpendRow)[] = ['month', 'source', 'amount'];

function fold(text: string): string {
  return text
    .normalize('NFD')
    .replace(/\p{Diacritic}/gu, '')
    .trim()
    .toLowerCase();
}

/** Splits one CSV record into fields, honouring double quotes (`""` inside quotes is one quote). */
function splitRecord(line: string, separator: string): string[] {
  const fields: string[] = [];
  let field = '';
  let quoted = false;
  for (let index = 0; index < line.length; index += 1) {
    const char = line[index];
    if (quoted) {
      if (char === '"' && line[index + 1] === '"') {
        field += '"';
        index += 1;
      } else if (char === '"') {
        quoted = false;
      } else {
        field += char;
      }
    } else if (char === '"') {
      quoted = true;
    } else if (char === separator) {
      fields.push(field);
      field = '';
    } else {
      field += char;
    }
  }
  fields.push(field);
  return fields.map((value) => value.trim());
}

function parseMonth(text: string): string | null {
  const iso = /^(\d{4})-(\d{1,2})$/.exec(text);
  const french = /^(\d{1,2})\/(\d{4})$/.exec(text);
  const [year, month] = iso ? [iso[1], iso[2]] : french ? [french[2], french[1]] : [undefined, undefined];
  return year && month ? `${year}-${month.padStart(2, '0')}` : null;
}

function parseAmount(text: string, decimalComma: boolean): number | null {
  const compact = text.replace(/[\s\u00a0\u202f€]/g, '');
  const normalised = decimalComma ? compact.replace(/\./g, '').replace(',', '.') : compact.replace(/,/g, '');
  if (!/^\d+(\.\d+)?$/.test(normalised)) {
    return null;
  }
  return Number(normalised);
}

/**
 * Parses the file into spend rows. Blank lines are skipped; every other line must give a valid row.
 *
 * @throws SpendCsvError naming the first line that cannot be read, or a missing column.
 */
export function parseSpendCsv(bytes: Uint8Array): SpendRow[] {
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch (error) {
    throw new SpendCsvError('The spend file is not UTF-8; save it from Excel as "CSV UTF-8"', { cause: error });
  }
  const lines = text.split(/\r\n|\n|\r/);
  const header = lines[0] ?? '';
  const separator = header.includes(';') ? ';' : ',';
  const decimalComma = separator === ';';
  const names = splitRecord(header, separator).map(fold);
  const indexOf = Object.fromEntries(
    Object.entries(COLUMN_NAMES).map(([column, aliases]) => [
      column,
      names.findIndex((name) => aliases.includes(name)),
    ]),
  ) as Record<keyof SpendRow, number>;
  for (const column of REQUIRED_COLUMNS) {
    if (indexOf[column] < 0) {
      throw new SpendCsvError(
        `The spend file has no ${COLUMN_NAMES[column].join(' or ')} column; the header line is "${header}"`,
      );
    }
  }

  const rows: SpendRow[] = [];
  for (const [index, line] of lines.entries()) {
    if (index === 0 || line.trim() === '') {
      continue;
    }
    const fields = splitRecord(line, separator);
    const value = (column: keyof SpendRow) => (indexOf[column] < 0 ? '' : (fields[indexOf[column]] ?? ''));
    const month = parseMonth(value('month'));
    if (month === null) {
      throw new SpendCsvError(`Line ${index + 1}: month "${value('month')}" must be YYYY-MM or MM/YYYY`);
    }
    const amount = parseAmount(value('amount'), decimalComma);
    if (amount === null) {
      throw new SpendCsvError(`Line ${index + 1}: amount "${value('amount')}" is not a number of euros`);
    }
    const parsed = spendRowSchema.safeParse({
      month,
      source: value('source'),
      ...(value('campaign') ? { campaign: value('campaign') } : {}),
      ...(value('site') ? { site: value('site') } : {}),
      amount,
    });
    if (!parsed.success) {
      const detail = parsed.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`).join('; ');
      throw new SpendCsvError(`Line ${index + 1} is invalid: ${detail}`);
    }
    rows.push(parsed.data);
  }
  if (rows.length === 0) {
    throw new SpendCsvError('The spend file has no data line');
  }
  return rows;
}
