/** Figures of a benchmark run: the printed table and the merge into bench/results.json. */
import { readFile, writeFile } from 'node:fs/promises';
import * as z from 'zod';

/** One measured figure. `key` is its name in results.json and carries the unit (`...MsPerLeadMedian`). */
export interface Figure {
  key: string;
  label: string;
  value: number;
  unit: string;
  /** Bound that the figure should meet; the table shows whether it does. */
  target?: { max?: number; min?: number };
}

export interface Section {
  title: string;
  figures: Figure[];
}

type ResultValue = string | number | boolean | null;

const resultsFileSchema = z.record(z.string(), z.union([z.string(), z.number(), z.boolean(), z.null()]));

function targetText(target: Figure['target']): string {
  if (!target) {
    return '';
  }
  if (target.max !== undefined) {
    return `< ${target.max}`;
  }
  return target.min !== undefined ? `>= ${target.min}` : '';
}

function meetsTarget(figure: Figure): string {
  const { target } = figure;
  if (!target) {
    return '';
  }
  const ok =
    (target.max === undefined || figure.value < target.max) && (target.min === undefined || figure.value >= target.min);
  return ok ? 'yes' : 'NO';
}

function formatValue(value: number): string {
  if (Number.isInteger(value)) {
    return value.toLocaleString('en-US');
  }
  return value.toLocaleString('en-US', { maximumSignificantDigits: 4 });
}

/** Renders the sections as a plain-text table, one row per figure. */
export function formatTable(sections: readonly Section[]): string {
  const header = ['Figure', 'Value', 'Unit', 'Target', 'Met'];
  const rows: string[][] = [];
  const sectionStarts = new Map<number, string>();
  for (const section of sections) {
    sectionStarts.set(rows.length, section.title);
    for (const figure of section.figures) {
      rows.push([figure.label, formatValue(figure.value), figure.unit, targetText(figure.target), meetsTarget(figure)]);
    }
  }
  const widths = header.map((title, column) =>
    Math.max(title.length, ...rows.map((row) => (row[column] ?? '').length)),
  );
  const line = (cells: string[]) =>
    cells
      .map((cell, column) => (column === 1 ? cell.padStart(widths[column] ?? 0) : cell.padEnd(widths[column] ?? 0)))
      .join('  ');
  const rule = widths.map((width) => '-'.repeat(width)).join('  ');

  const output = [line(header), rule];
  rows.forEach((row, index) => {
    const title = sectionStarts.get(index);
    if (title !== undefined) {
      output.push('', `${title}`);
    }
    output.push(line(row));
  });
  return output.join('\n');
}

/**
 * Merges the run's values into the results file: keys of other benchmarks stay, keys of this run are replaced.
 *
 * @throws Error when the existing file is not a flat JSON object of strings, numbers and booleans.
 */
export async function mergeResults(path: string, values: Record<string, ResultValue>): Promise<void> {
  let existing: Record<string, ResultValue> = {};
  let text: string | undefined;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') {
      throw error;
    }
  }
  if (text !== undefined) {
    const parsed = resultsFileSchema.safeParse(JSON.parse(text));
    if (!parsed.success) {
      throw new Error(`${path} is not a flat JSON object of figures; fix or delete it and run the benchmark again`);
    }
    existing = parsed.data;
  }
  await writeFile(path, `${JSON.stringify({ ...existing, ...values }, null, 2)}\n`);
}

/** The flat key-value form of the figures, for results.json. */
export function figureValues(sections: readonly Section[]): Record<string, number> {
  const values: Record<string, number> = {};
  for (const section of sections) {
    for (const figure of section.figures) {
      values[figure.key] = figure.value;
    }
  }
  return values;
}
