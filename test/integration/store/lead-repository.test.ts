import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type DynamoDbLocal, ensureTable, startDynamoDbLocal } from '#infra/local/dynamodb-local';
import {
  DynamoLeadRepository,
  DynamoQuarantineRepository,
  monthsBetween,
} from '#shared/adapters/lead-repository-dynamodb';
import { LEADS_TABLE } from '#shared/store/tables';
import { aLead } from '#test/factories/lead';

let dynamo: DynamoDbLocal;
let dataDir: string;
let leads: DynamoLeadRepository;
let quarantine: DynamoQuarantineRepository;

beforeAll(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'leadpilot-store-'));
  dynamo = await startDynamoDbLocal({ dataDir });
  await ensureTable(dynamo.client, 'leads', LEADS_TABLE);
  const client = DynamoDBDocumentClient.from(dynamo.client, { marshallOptions: { removeUndefinedValues: true } });
  leads = new DynamoLeadRepository({ client, tableName: 'leads' });
  quarantine = new DynamoQuarantineRepository({ client, tableName: 'leads' });
});

afterAll(async () => {
  await dynamo?.stop();
  await rm(dataDir, { recursive: true, force: true });
});

describe('DynamoLeadRepository', () => {
  it('stores a lead once when twenty deliveries race', async () => {
    const lead = aLead();

    const outcomes = await Promise.all(Array.from({ length: 20 }, () => leads.createIfAbsent(lead)));

    expect(outcomes.filter((outcome) => outcome === 'created')).toHaveLength(1);
    expect(outcomes.filter((outcome) => outcome === 'duplicate')).toHaveLength(19);
  });

  it('returns the stored lead without its key attributes', async () => {
    const lead = aLead();
    await leads.createIfAbsent(lead);

    expect(await leads.get('demo', lead.leadId)).toEqual(lead);
  });

  it('returns nothing for a lead of another tenant', async () => {
    const lead = aLead({ tenantId: 'other' });
    await leads.createIfAbsent(lead);

    expect(await leads.get('demo', lead.leadId)).toBeUndefined();
  });

  it('lists leads across months page by page, restricted to the visible sites', async () => {
    const tenantId = 'listing';
    const stored = [
      aLead({ tenantId, localDate: '2026-09-30', datedAt: '2026-09-30T10:00:00.000Z' }),
      aLead({ tenantId, localDate: '2026-10-01', datedAt: '2026-10-01T10:00:00.000Z' }),
      aLead({ tenantId, localDate: '2026-10-15', datedAt: '2026-10-15T10:00:00.000Z', siteId: 'abbeville' }),
      aLead({ tenantId, localDate: '2026-11-02', datedAt: '2026-11-02T10:00:00.000Z', siteId: null }),
      aLead({ tenantId, localDate: '2026-12-01', datedAt: '2026-12-01T10:00:00.000Z' }),
    ];
    for (const lead of stored) {
      await leads.createIfAbsent(lead);
    }

    const seen: string[] = [];
    let cursor: string | undefined;
    do {
      const page = await leads.list({
        tenantId,
        from: '2026-10-01',
        to: '2026-11-30',
        visibleSites: '*',
        limit: 1,
        cursor,
      });
      seen.push(...page.items.map((lead) => lead.leadId));
      cursor = page.nextCursor;
    } while (cursor);
    const amiensOnly = await leads.list({
      tenantId,
      from: '2026-09-01',
      to: '2026-12-31',
      visibleSites: ['amiens-nord'],
      limit: 50,
    });

    expect(seen).toEqual([stored[1]?.leadId, stored[2]?.leadId, stored[3]?.leadId]);
    expect(amiensOnly.items.map((lead) => lead.leadId)).toEqual([
      stored[0]?.leadId,
      stored[1]?.leadId,
      stored[4]?.leadId,
    ]);
  });
});

describe('DynamoQuarantineRepository', () => {
  it('keeps a payload byte-exact with its reason', async () => {
    const body = Buffer.from('<?xml version="1.0" encoding="ISO-8859-1"?><adf>Lef\xe8vre', 'latin1');
    const entry = {
      quarantineId: '2026-12-04T10:00:00.000Z#q1',
      tenantId: 'demo',
      integrationId: 'website-adf',
      receivedAt: '2026-12-04T10:00:00.000Z',
      contentType: 'application/xml',
      authenticated: true,
      reasonCode: 'MALFORMED_PAYLOAD',
      reasonMessage: 'XML is not well-formed',
      body: new Uint8Array(body),
    };

    await quarantine.add(entry);

    expect(await quarantine.get('demo', entry.quarantineId)).toEqual(entry);
    const { body: _body, ...listed } = entry;
    expect(await quarantine.list('demo')).toEqual([listed]);
  });
});

describe('monthsBetween', () => {
  it('lists every month from the first date to the last across a year end', () => {
    expect(monthsBetween('2026-11-15', '2027-02-01')).toEqual(['2026-11', '2026-12', '2027-01', '2027-02']);
  });
});
