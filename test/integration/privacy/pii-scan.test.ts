/**
 * A full local-stack run (every fixture, lifecycle events, a quarantined payload, the stream drained, the
 * nightly job) leaves no personal value of the fixtures in the lake, the aggregates or the logs. The same
 * scan finds the values in the lead store, so it cannot pass by finding nothing anywhere.
 */
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ScanCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as z from 'zod';
import { postDelivery } from '#infra/local/deliveries';
import { LOCAL_TABLE_NAMES } from '#infra/local/stack';
import { decodeRows } from '#shared/lake/parquet';
import { logger } from '#shared/logger';
import { deliverFixture, fixtureDeliveries, startTestStack, type TestStack } from '#test/support/local-stack';
import { derivedPersonalValues, personalValues } from './personal-values';

const FIXTURE_MONTH = { from: '2026-11-01', to: '2026-11-30' };
const SLOW_STEP_TIMEOUT_MS = 240_000;
const ingestResultSchema = z.object({ leadIds: z.array(z.string()) });

/** The La Centrale fixture cut short, so it fails to parse and is quarantined with its personal data. */
const MALFORMED_ADF =
  '<?xml version="1.0"?><adf><prospect><id>LC-BROKEN-1</id><customer><contact>' +
  '<name part="first">Camille</name><name part="last">Fontaine</name><phone>01 45 00 00 01</phone>' +
  '<address><street line="1">12 rue des Tilleuls</street></address></contact></customer></prospect';

/** The texts a stored value may be searched as: strings as they are, binary as UTF-8 and as Latin-1. */
function textsOf(value: unknown): string[] {
  if (value instanceof Uint8Array) {
    return [Buffer.from(value).toString('utf8'), Buffer.from(value).toString('latin1')];
  }
  return [JSON.stringify(value, (_key, inner) => (inner instanceof Uint8Array ? textsOf(inner).join('\n') : inner))];
}

async function scanTable(stack: TestStack, tableName: string): Promise<Record<string, unknown>[]> {
  const items: Record<string, unknown>[] = [];
  let startKey: Record<string, unknown> | undefined;
  do {
    const page = await stack.stack.documentClient.send(
      new ScanCommand({ TableName: tableName, ExclusiveStartKey: startKey }),
    );
    items.push(...(page.Items ?? []));
    startKey = page.LastEvaluatedKey;
  } while (startKey);
  return items;
}

async function filesUnder(folder: string): Promise<string[]> {
  const entries = await readdir(folder, { recursive: true, withFileTypes: true });
  return entries.filter((entry) => entry.isFile()).map((entry) => join(entry.parentPath, entry.name));
}

/** The values found in any of the texts, compared case-insensitively. */
function valuesFoundIn(texts: readonly string[], values: readonly string[]): string[] {
  const lowered = texts.map((text) => text.toLowerCase());
  return values.filter((value) => lowered.some((text) => text.includes(value.toLowerCase())));
}

describe('personal data of a full run', () => {
  let stack: TestStack;
  let values: string[];
  const output: string[] = [];
  const writes = { stdout: process.stdout.write, stderr: process.stderr.write };

  beforeAll(async () => {
    values = await personalValues();
    // Every level is captured, so a debug line with personal data fails the scan too.
    logger.setLogLevel('DEBUG');
    process.env.POWERTOOLS_LOG_LEVEL = 'DEBUG';
    for (const name of ['stdout', 'stderr'] as const) {
      const original = writes[name];
      process[name].write = ((chunk: string | Uint8Array, ...rest: unknown[]) => {
        output.push(typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8'));
        return (original as (...args: unknown[]) => boolean).call(process[name], chunk, ...rest);
      }) as typeof process.stdout.write;
    }
    stack = await startTestStack();
  }, SLOW_STEP_TIMEOUT_MS);

  afterAll(async () => {
    process.stdout.write = writes.stdout;
    process.stderr.write = writes.stderr;
    await stack?.stop();
  });

  it('derives a non-empty list of personal values', async () => {
    const derived = await derivedPersonalValues();

    expect(derived.length).toBeGreaterThan(20);
    expect(derived).toContain('camille.fontaine@example.fr');
    expect(derived).toContain('+33639980001');
    expect(derived).toContain('06 39 98 00 01');
  });

  it(
    'runs every fixture, events, a quarantined payload and the nightly job',
    async () => {
      const leadIds: string[] = [];
      for (const [path, delivery] of await fixtureDeliveries()) {
        const response = await deliverFixture(stack.baseUrl, path, delivery, stack.tenant);
        expect(response.status, path).toBe(202);
        leadIds.push(...ingestResultSchema.parse(await response.json()).leadIds);
      }
      const malformed = await postDelivery(
        stack.baseUrl,
        stack.tenant,
        { integration: 'lacentrale', contentType: 'application/xml' },
        Buffer.from(MALFORMED_ADF, 'utf8'),
      );
      expect(malformed.status).toBe(400);

      const token = await stack.token();
      for (const [index, leadId] of leadIds.entries()) {
        const response = await fetch(`${stack.baseUrl}/v1/leads/${leadId}/events`, {
          method: 'POST',
          headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
          body: JSON.stringify({
            eventId: `contact-${index}`,
            type: 'contacted',
            occurredAt: '2026-11-10T09:00:00.000Z',
            actor: { type: 'call-centre', id: 'cc-1' },
            channel: 'phone',
            direction: 'outbound',
          }),
        });
        expect(response.status, leadId).toBe(202);
      }
      const nightly = await stack.postJson('/_local/nightly', { tenantId: 'demo', ...FIXTURE_MONTH });
      expect(nightly.status, JSON.stringify(nightly.body)).toBe(200);
    },
    SLOW_STEP_TIMEOUT_MS,
  );

  it('finds the values in the lead store, so the scan works', async () => {
    const items = await scanTable(stack, LOCAL_TABLE_NAMES.leads);
    const texts = items.flatMap(textsOf);

    for (const value of [
      'camille.fontaine@example.fr',
      '+33639980001',
      'Marie-Claire de La Tour',
      '12 rue des Tilleuls',
    ]) {
      expect(valuesFoundIn(texts, [value]), value).toEqual([value]);
    }
  });

  it('finds no personal value in the lake files', async () => {
    const files = await filesUnder(join(stack.dataDir, 'lake'));
    const parquet = files.filter((file) => file.endsWith('.parquet'));
    const texts: string[] = [];
    for (const file of files) {
      texts.push(...textsOf(new Uint8Array(await readFile(file))));
    }
    for (const file of parquet) {
      texts.push(JSON.stringify(await decodeRows(new Uint8Array(await readFile(file)))));
    }

    expect(parquet.length).toBeGreaterThan(0);
    expect(valuesFoundIn(texts, values)).toEqual([]);
  });

  it('finds no personal value in the aggregates', async () => {
    const items = await scanTable(stack, LOCAL_TABLE_NAMES.aggregates);

    expect(items.length).toBeGreaterThan(0);
    expect(valuesFoundIn(items.flatMap(textsOf), values)).toEqual([]);
  });

  it('finds no personal value in the logs', () => {
    const logs = [...output, ...stack.logs];

    expect(logs.join('')).toContain('"service":"leadpilot"');
    expect(valuesFoundIn(logs, values)).toEqual([]);
  });
});
