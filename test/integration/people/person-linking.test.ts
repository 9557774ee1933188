import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DynamoDBDocumentClient, ScanCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type DynamoDbLocal, ensureTable, startDynamoDbLocal } from '#infra/local/dynamodb-local';
import {
  DynamoLeadRepository,
  DynamoPendingFetchRepository,
  DynamoQuarantineRepository,
} from '#shared/adapters/lead-repository-dynamodb';
import { DynamoTenantRepository } from '#shared/adapters/tenant-repository-dynamodb';
import { type IngestDependencies, ingestDelivery } from '#shared/ingest/service';
import type { Lead } from '#shared/lead/model';
import { LEADS_TABLE, PERSON_KEY_ENTITY } from '#shared/store/tables';
import { signHmac } from '#shared/tenant/auth';
import { tenantFromDemoDocument } from '#shared/tenant/import';
import { personIdKeySecretName } from '#shared/tenant/model';

const demo = tenantFromDemoDocument(
  JSON.parse(readFileSync(new URL('../../fixtures/tenants/demo.json', import.meta.url), 'utf8')),
);
const now = new Date('2026-12-04T10:00:00Z');

let dynamo: DynamoDbLocal;
let dataDir: string;
let client: DynamoDBDocumentClient;
let deps: IngestDependencies;
let leads: DynamoLeadRepository;

beforeAll(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'leadpilot-people-'));
  dynamo = await startDynamoDbLocal({ dataDir });
  await ensureTable(dynamo.client, 'leads', LEADS_TABLE);
  client = DynamoDBDocumentClient.from(dynamo.client, { marshallOptions: { removeUndefinedValues: true } });
  const table = { client, tableName: 'leads' };
  const tenants = new DynamoTenantRepository(table);
  await tenants.put(demo.config);
  const secrets: Record<string, string> = { ...demo.secrets, [personIdKeySecretName('demo')]: 'cd'.repeat(32) };
  leads = new DynamoLeadRepository(table);
  deps = {
    tenants,
    secrets: { getSecret: async (name) => secrets[name] },
    leads,
    quarantine: new DynamoQuarantineRepository(table),
    pending: new DynamoPendingFetchRepository(table),
    graph: { fetchLead: async () => Promise.reject(new Error('No Graph API in this test')) },
    clock: () => now,
  };
});

afterAll(async () => {
  await dynamo?.stop();
  await rm(dataDir, { recursive: true, force: true });
});

/** Builds a signed web-form delivery to the demo tenant's `website` integration. */
function webForm(fields: Record<string, unknown>) {
  const body = Buffer.from(JSON.stringify({ formId: 'essai-vn', siteId: 'amiens-nord', ...fields }), 'utf8');
  return {
    tenantId: 'demo',
    integrationId: 'website',
    headers: {
      'content-type': 'application/json',
      'x-signature': signHmac('demo-website-secret', body, now.getTime() / 1000),
    },
    body,
  };
}

async function storedLead(leadId: string | undefined): Promise<Lead> {
  const lead = leadId === undefined ? undefined : await leads.get('demo', leadId);
  if (!lead) throw new Error(`Lead ${leadId} is not stored`);
  return lead;
}

describe('person linking on DynamoDB', () => {
  it('links concurrent deliveries of two leads of one person, once each', async () => {
    for (let round = 0; round < 6; round += 1) {
      const phone = `+3363998110${round}`;
      const submittedAt = '2026-11-20T10:00:00Z';

      const [byEmail, byPhone] = await Promise.all([
        ingestDelivery(
          deps,
          webForm({ leadId: `race-${round}-a`, submittedAt, email: `race.${round}@example.fr`, phone }),
        ),
        ingestDelivery(deps, webForm({ leadId: `race-${round}-b`, submittedAt, phone })),
      ]);

      const pair = [await storedLead(byEmail.leadIds[0]), await storedLead(byPhone.leadIds[0])];
      const firsts = pair.filter((lead) => lead.repeatOf === null);
      const repeats = pair.filter((lead) => lead.repeatOf !== null);
      expect(firsts).toHaveLength(1);
      expect(repeats).toHaveLength(1);
      expect(repeats[0]?.repeatOf).toBe(firsts[0]?.leadId);
      expect(repeats[0]?.personId).toBe(firsts[0]?.personId);
    }
  });

  it('stores one lead, not a repeat of itself, when ten redeliveries race', async () => {
    const delivery = webForm({ leadId: 'redelivered', email: 'redelivered@example.fr', phone: '+33639981200' });

    const results = await Promise.all(Array.from({ length: 10 }, () => ingestDelivery(deps, delivery)));

    expect(results.filter((result) => result.duplicates.length === 0)).toHaveLength(1);
    const lead = await storedLead(results[0]?.leadIds[0]);
    expect(lead.repeatOf).toBeNull();
  });

  it('starts a new episode after 31 days', async () => {
    const email = 'returning@example.fr';
    const first = await ingestDelivery(deps, webForm({ leadId: 'ret-1', submittedAt: '2026-10-01T09:00:00Z', email }));
    const exactly30 = await ingestDelivery(
      deps,
      webForm({ leadId: 'ret-2', submittedAt: '2026-10-31T09:00:00Z', email }),
    );
    const after31 = await ingestDelivery(
      deps,
      webForm({ leadId: 'ret-3', submittedAt: '2026-11-01T09:00:00Z', email }),
    );
    const next = await ingestDelivery(deps, webForm({ leadId: 'ret-4', submittedAt: '2026-11-02T09:00:00Z', email }));

    expect((await storedLead(exactly30.leadIds[0])).repeatOf).toBe(first.leadIds[0]);
    expect((await storedLead(after31.leadIds[0])).repeatOf).toBeNull();
    expect((await storedLead(next.leadIds[0])).repeatOf).toBe(after31.leadIds[0]);
  });

  it('keeps emails and phones out of person-key items', async () => {
    await ingestDelivery(
      deps,
      webForm({ leadId: 'private', email: 'private.person@example.fr', phone: '+33639981300' }),
    );

    const output = await client.send(
      new ScanCommand({
        TableName: 'leads',
        FilterExpression: 'entity = :entity',
        ExpressionAttributeValues: { ':entity': PERSON_KEY_ENTITY },
      }),
    );
    const items = JSON.stringify(output.Items);
    expect(output.Items?.length).toBeGreaterThan(0);
    expect(items).not.toContain('@');
    expect(items).not.toContain('639981300');
  });
});
