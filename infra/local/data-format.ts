/**
 * Version of what the local stack keeps in its data folder. A folder written by an earlier version contains items
 * that the current code cannot read (leads stored before lead numbers existed, for instance), so the stack
 * refuses it with a message rather than failing later on a stream record.
 */
import { readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import * as z from 'zod';
import { LocalStackError } from './errors';

/**
 * Raise it when stored items change in a way the code does not read back. 2: leads carry `leadNumber` and
 * `version`, which the lake ranks by.
 */
export const DATA_FORMAT = 2;

const MARKER_FILE = 'data-format.json';
const markerSchema = z.object({ format: z.number().int().positive() });

/** The data folder contains data of another format than this code's; delete it or start with `--fresh`. */
export class DataFormatError extends LocalStackError {}

/**
 * Writes the format marker into a new (empty) data folder, and checks it in a folder that contains data.
 *
 * @throws DataFormatError when the folder contains data without a marker or with another format.
 */
export async function ensureDataFormat(dataDir: string): Promise<void> {
  const markerPath = join(dataDir, MARKER_FILE);
  const entries = (await readdir(dataDir)).filter((name) => name !== MARKER_FILE);
  const marker = await readFile(markerPath, 'utf8').then(
    (text) => text,
    () => undefined,
  );
  if (marker === undefined) {
    if (entries.length > 0) {
      throw new DataFormatError(
        `The data folder ${dataDir} was written by an earlier LeadPilot version; delete it or start with --fresh`,
      );
    }
    await writeFile(markerPath, `${JSON.stringify({ format: DATA_FORMAT })}\n`);
    return;
  }
  const parsed = markerSchema.safeParse(parseJson(marker));
  if (!parsed.success || parsed.data.format !== DATA_FORMAT) {
    throw new DataFormatError(
      `The data folder ${dataDir} contains data of another LeadPilot version; delete it or start with --fresh`,
    );
  }
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
