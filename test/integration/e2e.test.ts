/**
 * Acceptance test: every fixture goes through the local stack (gateway, webhook handler, DynamoDB Local, stream
 * poller, lake, nightly job on DuckDB) and comes back out of the HTTP API as `leads/expected.json` specifies.
 * The steps share one stack and run in order.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ScanCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as z from 'zod';
import { postDelivery } from '#infra/local/deliveries';
import { LOCAL_TABLE_NAMES } from '#infra/local/stack';
import { signHmac } from '#shared/tenant/auth';
import {
  deliverFixture,
  fixtureDeliveries,
  LEAD_FIXTURES_DIR,
  startTestStack,
  type TestStack,
} from '#test/support/local-stack';

const expectedSchema = z.object({
  leads: z.record(z.string(), z.record(z.string(), z.unknown())),
  totals: z.object({
    leads: z.number(),
    leadsBySource: z.record(z.string(), z.number()),
    leadsBySite: z.record(z.string(), z.number()),
  }),
});

const ingestResultSchema = z.object({ leadIds: z.array(z.string()), duplicates: z.array(z.string()) });
const leadSchema = z.looseObject({ leadId: z.string(), sourceLeadId: z.string() });
const kpiReportSchema = z.object({
  rows: z.array(z.looseObject({ leads: z.number() })),
  totals: z.object({ leads: z.number() }),
});
const errorBodySchema = z.object({ error: z.object({ code: z.string().min(1), message: z.string().min(1) }) });

const FIXTURE_MONTH = { from: '2026-11-01', to: '2026-11-30' };
/** Steps that post every fixture or run the nightly job can exceed 30 s on a loaded machine. */
const SLOW_STEP_TIMEOUT_MS = 120_000;

/** Value at a dotted path (`contact.phones`), or undefined when a segment is missing. */
function valueAt(resource: unknown, path: string): unknown {
  let current: unknown = resource;
  for (const segment of path.split('.')) {
    if (current === null || typeof current !== 'object') {
      return undefined;
    }
    current = (current as Record<string, unknown>)[segment];
  }
  return current;
}

async function countLeadTableItems(stack: TestStack): Promise<number> {
  let count = 0;
  let startKey: Record<string, unknown> | undefined;
  do {
    const page = await stack.stack.documentClient.send(
      new ScanCommand({ TableName: LOCAL_TABLE_NAMES.leads, Select: 'COUNT', ExclusiveStartKey: startKey }),
    );
    count += page.Count ?? 0;
    startKey = page.LastEvaluatedKey;
  } while (startKey);
  return count;
}

describe('local stack end to end', () => {
  let stack: TestStack;
  let expected: z.infer<typeof expectedSchema>;
  /** Fixture key of expected.json (`meta/leadgen-webhook.json#<leadgenId>` for Meta) → lead id. */
  const leadIdsByFixture = new Map<string, string>();
  const leadIdsByFile = new Map<string, string[]>();

  beforeAll(async () => {
    expected = expectedSchema.parse(JSON.parse(await readFile(join(LEAD_FIXTURES_DIR, 'expected.json'), 'utf8')));
    stack = await startTestStack();
  });

  afterAll(async () => {
    await stack?.stop();
  });

  it(
    'accepts every fixture on first delivery',
    async () => {
      for (const [path, delivery] of await fixtureDeliveries()) {
        const response = await deliverFixture(stack.baseUrl, path, delivery, stack.tenant);
        const body = await response.json();

        expect(response.status, `${path}: ${JSON.stringify(body)}`).toBe(202);
        const result = ingestResultSchema.parse(body);
        expect(result.duplicates, path).toEqual([]);
        expect(result.leadIds.length, path).toBe(path.startsWith('meta/') ? 3 : 1);
        leadIdsByFile.set(path, result.leadIds);
      }
    },
    SLOW_STEP_TIMEOUT_MS,
  );

  it(
    'answers every redelivery with duplicates only',
    async () => {
      for (const [path, delivery] of await fixtureDeliveries()) {
        const response = await deliverFixture(stack.baseUrl, path, delivery, stack.tenant);
        const body = await response.json();

        expect(response.status, `${path}: ${JSON.stringify(body)}`).toBe(202);
        const result = ingestResultSchema.parse(body);
        expect(result.leadIds, path).toEqual(leadIdsByFile.get(path));
        expect(result.duplicates, path).toEqual(result.leadIds);
      }
    },
    SLOW_STEP_TIMEOUT_MS,
  );

  it(
    'runs the nightly job over the fixtures month',
    async () => {
      const { status, body } = await stack.postJson('/_local/nightly', { tenantId: 'demo', ...FIXTURE_MONTH });

      expect(status, JSON.stringify(body)).toBe(200);
    },
    SLOW_STEP_TIMEOUT_MS,
  );

  it('serves every fixture lead with the expected fields', async () => {
    for (const [path, leadIds] of leadIdsByFile) {
      for (const leadId of leadIds) {
        const { status, body } = await stack.getJson(`/v1/leads/${encodeURIComponent(leadId)}`);
        expect(status, `${path} ${leadId}: ${JSON.stringify(body)}`).toBe(200);
        const lead = leadSchema.parse(body);
        // Meta deliveries carry several leads; expected.json keys them by leadgen id.
        const key = path.startsWith('meta/') ? `${path}#${lead.sourceLeadId}` : path;
        leadIdsByFixture.set(key, leadId);

        const fields = expected.leads[key];
        expect(fields, `expected.json has no entry for ${key}`).toBeDefined();
        const actual = Object.fromEntries(
          Object.keys(fields ?? {}).map((field) => [field, valueAt(lead, field) ?? null]),
        );
        expect(actual, key).toEqual(fields);
      }
    }
    expect([...leadIdsByFixture.keys()].sort()).toEqual(Object.keys(expected.leads).sort());
  });

  it('reports the expected lead totals by source', async () => {
    const { status, body } = await stack.getJson(
      `/v1/kpis?from=${FIXTURE_MONTH.from}&to=${FIXTURE_MONTH.to}&groupBy=source`,
    );

    expect(status, JSON.stringify(body)).toBe(200);
    const report = kpiReportSchema.parse(body);
    expect(report.totals.leads).toBe(expected.totals.leads);
    expect(Object.fromEntries(report.rows.map((row) => [row.source, row.leads]))).toEqual(
      expected.totals.leadsBySource,
    );
  });

  it('reports the expected lead totals by site', async () => {
    const { status, body } = await stack.getJson(
      `/v1/kpis?from=${FIXTURE_MONTH.from}&to=${FIXTURE_MONTH.to}&groupBy=site`,
    );

    expect(status, JSON.stringify(body)).toBe(200);
    const report = kpiReportSchema.parse(body);
    expect(report.totals.leads).toBe(expected.totals.leads);
    expect(Object.fromEntries(report.rows.map((row) => [row.site, row.leads]))).toEqual(expected.totals.leadsBySite);
  });

  it('rejects a wrong signature and stores nothing', async () => {
    const body = Buffer.from(
      (await readFile(join(LEAD_FIXTURES_DIR, 'adf/lacentrale-vo.xml'), 'utf8')).replace(
        'LC-2026-000417',
        'LC-2026-999999',
      ),
    );
    const itemsBefore = await countLeadTableItems(stack);

    const response = await postDelivery(
      stack.baseUrl,
      stack.tenant,
      { integration: 'lacentrale', contentType: 'application/xml' },
      body,
      { 'x-signature': signHmac('not-the-lacentrale-secret', body, Date.now() / 1000) },
    );

    expect(response.status).toBe(401);
    expect(errorBodySchema.safeParse(await response.json()).success).toBe(true);
    await stack.stack.poller.drain();
    expect(await countLeadTableItems(stack)).toBe(itemsBefore);
  });

  it('rejects a body over 256 KB with 413', async () => {
    const body = Buffer.from(JSON.stringify({ formId: 'essai-vn', comments: 'x'.repeat(300 * 1024) }));

    const response = await postDelivery(
      stack.baseUrl,
      stack.tenant,
      { integration: 'website', contentType: 'application/json' },
      body,
    );

    expect(response.status).toBe(413);
    expect(errorBodySchema.safeParse(await response.json()).success).toBe(true);
  });

  it('rejects malformed XML with 400 and an error body', async () => {
    const body = Buffer.from('<?xml version="1.0"?><adf><prospect><id>LC-BROKEN</id></prospect', 'utf8');

    const response = await postDelivery(
      stack.baseUrl,
      stack.tenant,
      { integration: 'lacentrale', contentType: 'application/xml' },
      body,
    );

    expect(response.status).toBe(400);
    expect(errorBodySchema.safeParse(await response.json()).success).toBe(true);
  });

  // Runs last (vitest keeps declaration order), over every handler response the tests above received.
  it('answers only what the OpenAPI document describes', () => {
    expect(stack.contractViolations).toEqual([]);
  });
});
