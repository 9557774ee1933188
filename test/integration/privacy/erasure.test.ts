/**
 * Erasure through the API handler on the local stack: `DELETE /v1/leads/{leadId}` and `POST /v1/erasures`
 * remove the personal data from the lead store and the quarantine, keep the lead counted in KPIs, and leave
 * an audit record without the erased values.
 */
import { QueryCommand, ScanCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as z from 'zod';
import { postDelivery } from '#infra/local/deliveries';
import { LOCAL_TABLE_NAMES } from '#infra/local/stack';
import { deliverFixture, fixtureDeliveries, startTestStack, type TestStack } from '#test/support/local-stack';

const FIXTURE_MONTH = { from: '2026-11-01', to: '2026-11-30' };
const SLOW_STEP_TIMEOUT_MS = 240_000;

const leadSchema = z.looseObject({
  leadId: z.string(),
  sourceLeadId: z.string(),
  contact: z.looseObject({ email: z.string().nullable(), phones: z.array(z.string()) }),
  comments: z.string().nullable(),
  erased: z.boolean().optional(),
  erasedAt: z.string().optional(),
  personId: z.string().nullable(),
  source: z.string(),
  siteId: z.string().nullable(),
});
const erasureSchema = z.object({
  erasureId: z.string(),
  kind: z.string(),
  leadIds: z.array(z.string()),
  quarantinedPayloads: z.number(),
  personKeys: z.number(),
});
const kpiSchema = z.object({ totals: z.object({ leads: z.number() }) });

describe('erasure through the API', () => {
  let stack: TestStack;
  const leadIdBySourceId = new Map<string, string>();

  async function call(method: string, path: string, body?: unknown, role = 'group-admin') {
    const token = await stack.token({ role } as Parameters<TestStack['token']>[0]);
    const response = await fetch(`${stack.baseUrl}${path}`, {
      method,
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    return { status: response.status, body: (await response.json()) as unknown };
  }

  async function leadTableText(): Promise<string> {
    const texts: string[] = [];
    let startKey: Record<string, unknown> | undefined;
    do {
      const page = await stack.stack.documentClient.send(
        new ScanCommand({ TableName: LOCAL_TABLE_NAMES.leads, ExclusiveStartKey: startKey }),
      );
      for (const item of page.Items ?? []) {
        texts.push(
          JSON.stringify(item, (_key, value) =>
            value instanceof Uint8Array ? Buffer.from(value).toString('utf8') : value,
          ),
        );
      }
      startKey = page.LastEvaluatedKey;
    } while (startKey);
    return texts.join('\n').toLowerCase();
  }

  async function kpiLeads(): Promise<number> {
    const nightly = await stack.postJson('/_local/nightly', { tenantId: 'demo', ...FIXTURE_MONTH });
    expect(nightly.status, JSON.stringify(nightly.body)).toBe(200);
    const { body } = await call('GET', `/v1/kpis?from=${FIXTURE_MONTH.from}&to=${FIXTURE_MONTH.to}&groupBy=source`);
    return kpiSchema.parse(body).totals.leads;
  }

  beforeAll(async () => {
    stack = await startTestStack();
    for (const [path, delivery] of await fixtureDeliveries()) {
      const response = await deliverFixture(stack.baseUrl, path, delivery, stack.tenant);
      expect(response.status, path).toBe(202);
    }
    const list = await call('GET', `/v1/leads?from=${FIXTURE_MONTH.from}&to=${FIXTURE_MONTH.to}&limit=200`);
    for (const item of z.object({ items: z.array(leadSchema) }).parse(list.body).items) {
      leadIdBySourceId.set(item.sourceLeadId, item.leadId);
    }
  }, SLOW_STEP_TIMEOUT_MS);

  afterAll(async () => {
    await stack?.stop();
  });

  it(
    'erases one lead and keeps it counted',
    async () => {
      const before = await kpiLeads();
      const leadId = leadIdBySourceId.get('LC-2026-000417') as string;

      const erased = await call('DELETE', `/v1/leads/${leadId}`);

      expect(erased.status, JSON.stringify(erased.body)).toBe(200);
      expect(erasureSchema.parse(erased.body)).toEqual({
        erasureId: expect.any(String),
        kind: 'lead',
        leadIds: [leadId],
        quarantinedPayloads: 0,
        personKeys: 3,
      });
      const lead = leadSchema.parse((await call('GET', `/v1/leads/${leadId}`)).body);
      expect(lead).toMatchObject({
        erased: true,
        erasedAt: expect.any(String),
        comments: null,
        personId: null,
        source: 'lacentrale',
        siteId: 'amiens-nord',
        contact: { email: null, phones: [] },
      });
      const table = await leadTableText();
      for (const value of ['camille', 'fontaine', '+33639980001', 'rappel après 18h']) {
        expect(table, value).not.toContain(value);
      }
      expect(await kpiLeads()).toBe(before);
    },
    SLOW_STEP_TIMEOUT_MS,
  );

  it('answers a repeated erasure with no lead', async () => {
    const leadId = leadIdBySourceId.get('LC-2026-000417') as string;

    const repeat = await call('DELETE', `/v1/leads/${leadId}`);

    expect(repeat.status).toBe(200);
    expect(erasureSchema.parse(repeat.body)).toMatchObject({ leadIds: [], personKeys: 0 });
  });

  it('answers 404 for an unknown lead and 403 for a site manager', async () => {
    const unknown = await call('DELETE', `/v1/leads/ld_${'a'.repeat(26)}`);
    const leadId = leadIdBySourceId.get('WEB-77120') as string;
    const manager = await call('DELETE', `/v1/leads/${leadId}`, undefined, 'site-manager');

    expect(unknown.status).toBe(404);
    expect(manager.status).toBe(403);
  });

  it(
    'erases a person by email, quarantined payloads included',
    async () => {
      const quarantined = await postDelivery(
        stack.baseUrl,
        stack.tenant,
        { integration: 'website', contentType: 'application/json' },
        Buffer.from('{"formId":"atelier-rdv","email":"nathalie.roux@example.fr",', 'utf8'),
      );
      expect(quarantined.status).toBe(400);

      const erased = await call('POST', '/v1/erasures', { email: 'Nathalie.Roux@example.fr' });

      expect(erased.status, JSON.stringify(erased.body)).toBe(200);
      const result = erasureSchema.parse(erased.body);
      expect(result).toMatchObject({ kind: 'email', quarantinedPayloads: 1 });
      expect(result.leadIds).toHaveLength(1);
      const lead = leadSchema.parse((await call('GET', `/v1/leads/${result.leadIds[0]}`)).body);
      expect(lead.erased).toBe(true);
      const table = await leadTableText();
      expect(table).not.toContain('nathalie.roux');
      expect(table).not.toContain('révision des 60 000 km');
      const repeat = await call('POST', '/v1/erasures', { email: 'nathalie.roux@example.fr' });
      expect(erasureSchema.parse(repeat.body)).toMatchObject({ leadIds: [], quarantinedPayloads: 0 });
    },
    SLOW_STEP_TIMEOUT_MS,
  );

  it('keeps audit records without erased values', async () => {
    const output = await stack.stack.documentClient.send(
      new QueryCommand({
        TableName: LOCAL_TABLE_NAMES.leads,
        KeyConditionExpression: 'pk = :pk',
        ExpressionAttributeValues: { ':pk': 'AUDIT#demo' },
      }),
    );
    const text = JSON.stringify(output.Items).toLowerCase();

    expect(output.Items?.map((item) => item.kind)).toEqual(['lead', 'lead', 'email', 'email']);
    for (const value of ['camille', 'nathalie', 'example.fr', '639980001']) {
      expect(text, value).not.toContain(value);
    }
  });
});
