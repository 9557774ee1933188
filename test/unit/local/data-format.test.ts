import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DATA_FORMAT, DataFormatError, ensureDataFormat } from '#infra/local/data-format';

describe('ensureDataFormat', () => {
  let dataDir: string;

  beforeEach(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'leadpilot-format-'));
  });

  afterEach(async () => {
    await rm(dataDir, { recursive: true, force: true });
  });

  it('marks an empty folder with the current format', async () => {
    await ensureDataFormat(dataDir);

    expect(JSON.parse(await readFile(join(dataDir, 'data-format.json'), 'utf8'))).toEqual({ format: DATA_FORMAT });
  });

  it('accepts a folder marked with the current format', async () => {
    await ensureDataFormat(dataDir);
    await writeFile(join(dataDir, 'shared-local-instance.db'), 'data');

    await expect(ensureDataFormat(dataDir)).resolves.toBeUndefined();
  });

  it('refuses a folder that holds data without a marker', async () => {
    await writeFile(join(dataDir, 'shared-local-instance.db'), 'data');

    await expect(ensureDataFormat(dataDir)).rejects.toThrow(DataFormatError);
    await expect(ensureDataFormat(dataDir)).rejects.toThrow(
      /earlier LeadPilot version; delete it or start with --fresh/,
    );
  });

  it('refuses a folder marked with another format', async () => {
    await writeFile(join(dataDir, 'data-format.json'), JSON.stringify({ format: DATA_FORMAT - 1 }));

    await expect(ensureDataFormat(dataDir)).rejects.toThrow(/another LeadPilot version/);
  });
});
