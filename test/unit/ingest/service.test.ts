import { readFileSync } from 'node:fs';
import { beforeEach, describe, expect, it } from 'vitest';
import { DependencyUnavailableError } from '#shared/errors';
import {
  IntegrationNotFoundError,
  PayloadTooLargeError,
  SignatureInvalidError,
  VerificationFailedError,
} from '#shared/ingest/errors';
import { type IngestDependencies, ingestDelivery, MAX_BODY_BYTES, verifySubscription } from '#shared/ingest/service';
import type { Lead } from '#shared/lead/model';
import type { GraphApi } from '#shared/ports/graph-api';
import { GraphApiError, MalformedPayloadError } from '#shared/sources/errors';
import type {
  LeadRepository,
  PendingFetch,
  PendingFetchRepository,
  QuarantineEntry,
  QuarantineRepository,
} from '#shared/store/lead-repository';
import { signHmac, signMeta } from '#shared/tenant/auth';
import { tenantFromDemoDocument } from '#shared/tenant/import';
import type { TenantConfig } from '#shared/tenant/model';

const fixture = (path: string) => readFileSync(new URL(`../../fixtures/leads/${path}`, import.meta.url));
const demo = tenantFromDemoDocument(
  JSON.parse(readFileSync(new URL('../../fixtures/tenants/demo.json', import.meta.url), 'utf8')),
);
const now = new Date('2026-12-04T10:00:00Z');
const nowSeconds = now.getTime() / 1000;

class MemoryLeads implements LeadRepository {
  readonly stored = new Map<string, Lead>();
  failing = false;
  async createIfAbsent(lead: Lead) {
    if (this.failing) throw new Error('ProvisionedThroughputExceededException');
    if (this.stored.has(lead.leadId)) return 'duplicate' as const;
    this.stored.set(lead.leadId, lead);
    return 'created' as const;
  }
  async get(_tenantId: string, leadId: string) {
    return this.stored.get(leadId);
  }
  async list() {
    return { items: [...this.stored.values()] };
  }
}

class MemoryQuarantine implements QuarantineRepository {
  readonly entries: QuarantineEntry[] = [];
  failing = false;
  async add(entry: QuarantineEntry) {
    if (this.failing) throw new Error('InternalServerError');
    this.entries.push(entry);
  }
  async list() {
    return this.entries;
  }
  async get(_tenantId: string, id: string) {
    return this.entries.find((entry) => entry.quarantineId === id);
  }
}

class MemoryPending implements PendingFetchRepository {
  readonly entries: PendingFetch[] = [];
  async add(pending: PendingFetch) {
    this.entries.push(pending);
  }
  async list() {
    return this.entries;
  }
  async remove() {}
}

/** Serves the Graph fixtures; ids listed in `failing` answer like an exhausted retry loop. */
function fixtureGraph(failing: string[] = []): GraphApi {
  return {
    async fetchLead(leadgenId: string) {
      if (failing.includes(leadgenId)) throw new GraphApiError(`Graph API unavailable for ${leadgenId}`);
      return JSON.parse(fixture(`meta/graph/${leadgenId}.json`).toString('utf8'));
    },
  };
}

function dependencies(overrides: Partial<IngestDependencies> = {}) {
  const leads = new MemoryLeads();
  const quarantine = new MemoryQuarantine();
  const pending = new MemoryPending();
  const secrets = { ...demo.secrets, 'leadpilot/demo/person-id-key': 'ab'.repeat(32) };
  const deps: IngestDependencies = {
    tenants: {
      get: async (tenantId: string) => (tenantId === 'demo' ? demo.config : undefined),
      put: async (_config: TenantConfig) => {},
    },
    secrets: { getSecret: async (name: string) => secrets[name] },
    leads,
    quarantine,
    pending,
    graph: fixtureGraph(),
    clock: () => now,
    ...overrides,
  };
  return { deps, leads, quarantine, pending };
}

function hmacDelivery(integrationId: string, body: Uint8Array, secret: string, contentType = 'application/xml') {
  return {
    tenantId: 'demo',
    integrationId,
    headers: { 'content-type': contentType, 'x-signature': signHmac(secret, body, nowSeconds) },
    body,
  };
}

describe('ingestDelivery', () => {
  let context: ReturnType<typeof dependencies>;

  beforeEach(() => {
    context = dependencies();
  });

  it('stores a signed ADF lead and reports its id', async () => {
    const result = await ingestDelivery(
      context.deps,
      hmacDelivery('lacentrale', fixture('adf/lacentrale-vo.xml'), 'demo-lacentrale-secret'),
    );

    expect(result).toEqual({ leadIds: [expect.stringMatching(/^ld_[a-z2-7]{26}$/)], duplicates: [], pending: [] });
    expect(context.leads.stored.get(result.leadIds[0] as string)?.sourceLeadId).toBe('LC-2026-000417');
  });

  it('reports a redelivered lead as a duplicate and stores it once', async () => {
    const delivery = hmacDelivery('lacentrale', fixture('adf/lacentrale-vo.xml'), 'demo-lacentrale-secret');
    const first = await ingestDelivery(context.deps, delivery);

    const second = await ingestDelivery(context.deps, delivery);

    expect(second).toEqual({ leadIds: first.leadIds, duplicates: first.leadIds, pending: [] });
    expect(context.leads.stored.size).toBe(1);
  });

  it('rejects a wrong signature and stores nothing', async () => {
    const delivery = hmacDelivery('lacentrale', fixture('adf/lacentrale-vo.xml'), 'not-the-secret');

    await expect(ingestDelivery(context.deps, delivery)).rejects.toBeInstanceOf(SignatureInvalidError);
    expect(context.leads.stored.size).toBe(0);
    expect(context.quarantine.entries).toEqual([]);
  });

  it('rejects a body over 256 KB before reading the tenant', async () => {
    const body = Buffer.alloc(MAX_BODY_BYTES + 1, 0x20);

    await expect(
      ingestDelivery(context.deps, hmacDelivery('lacentrale', body, 'demo-lacentrale-secret')),
    ).rejects.toBeInstanceOf(PayloadTooLargeError);
  });

  it('rejects an unknown integration', async () => {
    const delivery = hmacDelivery('nope', fixture('adf/lacentrale-vo.xml'), 'x');

    await expect(ingestDelivery(context.deps, delivery)).rejects.toBeInstanceOf(IntegrationNotFoundError);
  });

  it('quarantines malformed XML byte-exact with its reason', async () => {
    const body = Buffer.from('<adf><prospect><id>1</id></adf', 'utf8');

    await expect(
      ingestDelivery(context.deps, hmacDelivery('lacentrale', body, 'demo-lacentrale-secret')),
    ).rejects.toBeInstanceOf(MalformedPayloadError);
    expect(context.quarantine.entries).toEqual([
      {
        quarantineId: expect.stringMatching(/^2026-12-04T10:00:00.000Z#/),
        tenantId: 'demo',
        integrationId: 'lacentrale',
        receivedAt: '2026-12-04T10:00:00.000Z',
        contentType: 'application/xml',
        authenticated: true,
        reasonCode: 'MALFORMED_PAYLOAD',
        reasonMessage: expect.any(String),
        body,
      },
    ]);
    expect(context.leads.stored.size).toBe(0);
  });

  it('answers 503 when the quarantine cannot keep a bad payload', async () => {
    context.quarantine.failing = true;

    await expect(
      ingestDelivery(context.deps, hmacDelivery('lacentrale', Buffer.from('<adf'), 'demo-lacentrale-secret')),
    ).rejects.toBeInstanceOf(DependencyUnavailableError);
  });

  it('answers 503 when the lead store fails, so the sender retries', async () => {
    context.leads.failing = true;
    const delivery = hmacDelivery('lacentrale', fixture('adf/lacentrale-vo.xml'), 'demo-lacentrale-secret');

    await expect(ingestDelivery(context.deps, delivery)).rejects.toBeInstanceOf(DependencyUnavailableError);
  });

  it('checks the google_key inside a Google Ads lead', async () => {
    const body = Buffer.from(
      fixture('google-ads/lead-form.json').toString('utf8').replace('demo-google-key-7Qx2', 'x'),
    );

    await expect(
      ingestDelivery(context.deps, {
        tenantId: 'demo',
        integrationId: 'google-ads',
        headers: { 'content-type': 'application/json' },
        body,
      }),
    ).rejects.toBeInstanceOf(SignatureInvalidError);
    expect(context.leads.stored.size).toBe(0);
  });

  it('stores every Meta lead of a notification and keeps a failed fetch as pending', async () => {
    context = dependencies({ graph: fixtureGraph(['920000000000002']) });
    const body = fixture('meta/leadgen-webhook.json');

    const result = await ingestDelivery(context.deps, {
      tenantId: 'demo',
      integrationId: 'meta-leads',
      headers: { 'content-type': 'application/json', 'x-hub-signature-256': signMeta('demo-meta-app-secret', body) },
      body,
    });

    expect(result.leadIds).toHaveLength(2);
    expect(result.pending).toEqual(['920000000000002']);
    expect(context.pending.entries).toEqual([
      {
        tenantId: 'demo',
        integrationId: 'meta-leads',
        leadgenId: '920000000000002',
        formId: '330000000000001',
        createdTime: 1793951995,
        firstFailedAt: '2026-12-04T10:00:00.000Z',
        reasonCode: 'GRAPH_API_UNAVAILABLE',
      },
    ]);
  });
});

describe('verifySubscription', () => {
  it('returns the challenge when the verify token matches', async () => {
    const { deps } = dependencies();

    const challenge = await verifySubscription(deps, {
      tenantId: 'demo',
      integrationId: 'meta-leads',
      query: { 'hub.mode': 'subscribe', 'hub.verify_token': 'demo-meta-verify-token', 'hub.challenge': '1158201444' },
    });

    expect(challenge).toBe('1158201444');
  });

  it('rejects a wrong verify token', async () => {
    const { deps } = dependencies();

    await expect(
      verifySubscription(deps, {
        tenantId: 'demo',
        integrationId: 'meta-leads',
        query: { 'hub.mode': 'subscribe', 'hub.verify_token': 'wrong', 'hub.challenge': '1' },
      }),
    ).rejects.toBeInstanceOf(VerificationFailedError);
  });
});
