import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type DynamoDbLocal, ensureTable, startDynamoDbLocal } from '#infra/local/dynamodb-local';
import {
  DynamoLeadRepository,
  DynamoPendingFetchRepository,
  DynamoQuarantineRepository,
  monthsBetween,
} from '#shared/adapters/lead-repository-dynamodb';
import { ValidationError } from '#shared/errors';
import { PersonKeyConflictError, type PersonKeyWrite } from '#shared/store/lead-repository';
import { LEADS_TABLE } from '#shared/store/tables';
import { aLead } from '#test/factories/lead';

let dynamo: DynamoDbLocal;
let dataDir: string;
let leads: DynamoLeadRepository;
let quarantine: DynamoQuarantineRepository;
let pending: DynamoPendingFetchRepository;

beforeAll(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'leadpilot-store-'));
  dynamo = await startDynamoDbLocal({ dataDir });
  await ensureTable(dynamo.client, 'leads', LEADS_TABLE);
  const client = DynamoDBDocumentClient.from(dynamo.client, { marshallOptions: { removeUndefinedValues: true } });
  leads = new DynamoLeadRepository({ client, tableName: 'leads' });
  quarantine = new DynamoQuarantineRepository({ client, tableName: 'leads' });
  pending = new DynamoPendingFetchRepository({ client, tableName: 'leads' });
});

function aKeyWrite(keyHash: string, firstLeadId: string, expectedFirstLeadId: string | null = null): PersonKeyWrite {
  return {
    entry: { keyHash, firstLeadId, firstDatedAt: '2026-11-06T18:45:03.000Z', personId: `p_${keyHash}` },
    expectedFirstLeadId,
    expiresAt: 1_800_000_000,
  };
}

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

    expect(await leads.get('demo', lead.leadId)).toEqual({ ...lead, leadNumber: expect.any(Number), version: 1 });
  });

  it('numbers the leads of a tenant in arrival order and skips the number drawn for a duplicate', async () => {
    const tenantId = 'numbering';
    const [first, second, third] = [aLead({ tenantId }), aLead({ tenantId }), aLead({ tenantId })];
    await leads.createIfAbsent(first);
    await leads.createIfAbsent(second);
    await leads.createIfAbsent(second);
    await leads.createIfAbsent(third);

    const numbers = await Promise.all(
      [first, second, third].map(async (lead) => (await leads.get(tenantId, lead.leadId))?.leadNumber),
    );
    expect(numbers).toEqual([1, 2, 4]);
  });

  it('returns nothing for a lead of another tenant', async () => {
    const lead = aLead({ tenantId: 'other' });
    await leads.createIfAbsent(lead);

    expect(await leads.get('demo', lead.leadId)).toBeUndefined();
  });

  it('rejects a cursor made for another tenant or range', async () => {
    const tenantId = 'cursors';
    for (const localDate of ['2026-10-01', '2026-10-02']) {
      await leads.createIfAbsent(aLead({ tenantId, localDate, datedAt: `${localDate}T10:00:00.000Z` }));
    }
    const range = { from: '2026-10-01', to: '2026-10-31', visibleSites: '*' as const, limit: 1 };
    const first = await leads.list({ ...range, tenantId });
    const forged = Buffer.from(
      JSON.stringify({
        month: 0,
        key: { pk: 'LEAD#other#x', sk: 'LEAD', gsi1pk: 'TENANT#other#MONTH#2026-10', gsi1sk: '2026-10-01#x' },
      }),
    ).toString('base64url');

    await expect(leads.list({ ...range, tenantId: 'other', cursor: first.nextCursor })).rejects.toThrow(
      ValidationError,
    );
    await expect(leads.list({ ...range, tenantId, cursor: forged })).rejects.toThrow(ValidationError);
    await expect(leads.list({ ...range, tenantId, from: '2026-10-02', cursor: first.nextCursor })).rejects.toThrow(
      ValidationError,
    );
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

describe('DynamoLeadRepository person keys', () => {
  it('stores a lead with its person keys and reads them back', async () => {
    const lead = aLead();

    const outcome = await leads.createIfAbsent(lead, [aKeyWrite('k-1a', lead.leadId), aKeyWrite('k-1b', lead.leadId)]);

    expect(outcome).toBe('created');
    expect(await leads.get('demo', lead.leadId)).toEqual({ ...lead, leadNumber: expect.any(Number), version: 1 });
    const entries = await leads.getPersonKeys('demo', ['k-1a', 'k-1b', 'k-1-absent']);
    expect(entries.sort((left, right) => left.keyHash.localeCompare(right.keyHash))).toEqual([
      aKeyWrite('k-1a', lead.leadId).entry,
      aKeyWrite('k-1b', lead.leadId).entry,
    ]);
  });

  it('reports a duplicate and writes no key when the lead exists', async () => {
    const lead = aLead();
    await leads.createIfAbsent(lead);

    const outcome = await leads.createIfAbsent(lead, [aKeyWrite('k-2', lead.leadId)]);

    expect(outcome).toBe('duplicate');
    expect(await leads.getPersonKeys('demo', ['k-2'])).toEqual([]);
  });

  it('rejects a key changed since it was read', async () => {
    const first = aLead();
    const second = aLead();
    await leads.createIfAbsent(first, [aKeyWrite('k-3', first.leadId)]);

    await expect(leads.createIfAbsent(second, [aKeyWrite('k-3', second.leadId)])).rejects.toBeInstanceOf(
      PersonKeyConflictError,
    );
    expect(await leads.get('demo', second.leadId)).toBeUndefined();
    expect(await leads.getPersonKeys('demo', ['k-3'])).toEqual([aKeyWrite('k-3', first.leadId).entry]);
  });

  it('replaces a key that still holds the entry the writer read', async () => {
    const first = aLead();
    const later = aLead();
    await leads.createIfAbsent(first, [aKeyWrite('k-4', first.leadId)]);

    await leads.createIfAbsent(later, [aKeyWrite('k-4', later.leadId, first.leadId)]);

    expect(await leads.getPersonKeys('demo', ['k-4'])).toEqual([aKeyWrite('k-4', later.leadId).entry]);
  });

  it('keeps person keys of one tenant away from another', async () => {
    const lead = aLead({ tenantId: 'other-tenant' });
    await leads.createIfAbsent(lead, [aKeyWrite('k-5', lead.leadId)]);

    expect(await leads.getPersonKeys('demo', ['k-5'])).toEqual([]);
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

describe('DynamoQuarantineRepository replays', () => {
  it('marks an entry replayed and keeps its body', async () => {
    const entry = {
      quarantineId: '2026-12-04T11:00:00.000Z#q2',
      tenantId: 'replays',
      integrationId: 'website',
      receivedAt: '2026-12-04T11:00:00.000Z',
      contentType: 'application/json',
      authenticated: true,
      reasonCode: 'INVALID_LEAD',
      reasonMessage: 'no id',
      body: new Uint8Array(Buffer.from('{"a":1}')),
    };
    await quarantine.add(entry);

    await quarantine.markReplayed('replays', entry.quarantineId, {
      replayedAt: '2026-12-05T08:00:00.000Z',
      leadIds: ['ld_x'],
    });

    const replayed = { ...entry, replayedAt: '2026-12-05T08:00:00.000Z', replayedLeadIds: ['ld_x'] };
    expect(await quarantine.get('replays', entry.quarantineId)).toEqual(replayed);
    const { body: _body, ...listed } = replayed;
    expect(await quarantine.list('replays')).toEqual([listed]);
  });

  it('rejects marking an entry that does not exist', async () => {
    await expect(
      quarantine.markReplayed('replays', 'missing', { replayedAt: '2026-12-05T08:00:00.000Z', leadIds: [] }),
    ).rejects.toThrow();
  });
});

describe('DynamoPendingFetchRepository', () => {
  it('replaces a pending fetch with the same ids and removes it', async () => {
    const base = {
      tenantId: 'pending-tenant',
      integrationId: 'meta-leads',
      leadgenId: '920000000000002',
      formId: '330000000000001',
      createdTime: 1793951995,
      firstFailedAt: '2026-12-04T10:00:00.000Z',
      reasonCode: 'GRAPH_API_UNAVAILABLE',
      attempts: 1,
      lastFailedAt: '2026-12-04T10:00:00.000Z',
    };
    await pending.add(base);
    await pending.add({ ...base, attempts: 2, lastFailedAt: '2026-12-04T11:00:00.000Z' });

    expect(await pending.list('pending-tenant')).toEqual([
      { ...base, attempts: 2, lastFailedAt: '2026-12-04T11:00:00.000Z' },
    ]);
    await pending.remove('pending-tenant', 'meta-leads', '920000000000002');
    expect(await pending.list('pending-tenant')).toEqual([]);
  });
});

describe('monthsBetween', () => {
  it('lists every month from the first date to the last across a year end', () => {
    expect(monthsBetween('2026-11-15', '2027-02-01')).toEqual(['2026-11', '2026-12', '2027-01', '2027-02']);
  });
});
