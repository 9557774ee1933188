import { readFileSync } from 'node:fs';
import { beforeEach, describe, expect, it } from 'vitest';
import { DependencyUnavailableError, NotFoundError } from '#shared/errors';
import {
  IntegrationNotFoundError,
  PayloadTooLargeError,
  SignatureExpiredError,
  SignatureInvalidError,
  VerificationFailedError,
} from '#shared/ingest/errors';
import { replayQuarantined, retryPendingFetches } from '#shared/ingest/replay';
import {
  type Delivery,
  type IngestDependencies,
  ingestDelivery,
  MAX_BODY_BYTES,
  verifySubscription,
} from '#shared/ingest/service';
import type { GraphApi } from '#shared/ports/graph-api';
import { parseAdfXml } from '#shared/sources/adf-xml';
import { GraphApiError, MalformedPayloadError } from '#shared/sources/errors';
import { parseGoogleAdsLeadForm } from '#shared/sources/google-ads';
import type {
  PendingFetch,
  PendingFetchRepository,
  QuarantineEntry,
  QuarantineRepository,
} from '#shared/store/lead-repository';
import { signHmac, signMeta } from '#shared/tenant/auth';
import { tenantFromDemoDocument } from '#shared/tenant/import';
import type { TenantConfig } from '#shared/tenant/model';
import { MemoryLeadRepository } from '#test/unit/people/memory-lead-repository';

const fixture = (path: string) => readFileSync(new URL(`../../fixtures/leads/${path}`, import.meta.url));
const demo = tenantFromDemoDocument(
  JSON.parse(readFileSync(new URL('../../fixtures/tenants/demo.json', import.meta.url), 'utf8')),
);
const now = new Date('2026-12-04T10:00:00Z');
const nowSeconds = now.getTime() / 1000;

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
  async markReplayed(_tenantId: string, id: string, replay: { replayedAt: string; leadIds: string[] }) {
    const entry = this.entries.find((candidate) => candidate.quarantineId === id);
    if (!entry) throw new Error(`No entry ${id}`);
    Object.assign(entry, { replayedAt: replay.replayedAt, replayedLeadIds: replay.leadIds });
  }
}

class MemoryPending implements PendingFetchRepository {
  entries: PendingFetch[] = [];
  async add(pending: PendingFetch) {
    this.entries = [
      ...this.entries.filter(
        (entry) => !(entry.integrationId === pending.integrationId && entry.leadgenId === pending.leadgenId),
      ),
      pending,
    ];
  }
  async list() {
    return [...this.entries];
  }
  async remove(_tenantId: string, integrationId: string, leadgenId: string) {
    this.entries = this.entries.filter(
      (entry) => !(entry.integrationId === integrationId && entry.leadgenId === leadgenId),
    );
  }
}

/** Serves the Graph fixtures; ids listed in `failing` throw as the Graph client does once its retries are spent. */
function fixtureGraph(failing: string[] = []): GraphApi {
  return {
    async fetchLead(leadgenId: string) {
      if (failing.includes(leadgenId)) throw new GraphApiError(`Graph API unavailable for ${leadgenId}`);
      return JSON.parse(fixture(`meta/graph/${leadgenId}.json`).toString('utf8'));
    },
  };
}

function dependencies(overrides: Partial<IngestDependencies> = {}) {
  const leads = new MemoryLeadRepository();
  const quarantine = new MemoryQuarantine();
  const pending = new MemoryPending();
  const secrets: Record<string, string> = { ...demo.secrets, 'leadpilot/demo/person-id-key': 'ab'.repeat(32) };
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

  it('returns 503 when quarantine fails', async () => {
    context.quarantine.failing = true;

    await expect(
      ingestDelivery(context.deps, hmacDelivery('lacentrale', Buffer.from('<adf'), 'demo-lacentrale-secret')),
    ).rejects.toBeInstanceOf(DependencyUnavailableError);
  });

  it('returns 503 when the store fails', async () => {
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
        attempts: 1,
        lastFailedAt: '2026-12-04T10:00:00.000Z',
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

function webFormDelivery(fields: Record<string, unknown>, secret = 'demo-website-secret', at = nowSeconds) {
  const body = Buffer.from(JSON.stringify({ formId: 'essai-vn', siteId: 'amiens-nord', ...fields }), 'utf8');
  return {
    tenantId: 'demo',
    integrationId: 'website',
    headers: { 'content-type': 'application/json', 'x-signature': signHmac(secret, body, at) },
    body,
  };
}

function withSecret(context: ReturnType<typeof dependencies>, name: string, value: Record<string, string>) {
  const secrets = context.deps.secrets;
  context.deps.secrets = {
    getSecret: async (requested: string) => (requested === name ? JSON.stringify(value) : secrets.getSecret(requested)),
  };
}

describe('ingestDelivery person linking', () => {
  it('links a phone-only lead to the earlier lead with the same phone', async () => {
    const context = dependencies();
    const first = await ingestDelivery(
      context.deps,
      webFormDelivery({
        leadId: 'w-1',
        submittedAt: '2026-11-20T10:00:00Z',
        email: 'anne.roux@example.fr',
        phone: '06 39 98 00 09',
      }),
    );

    const second = await ingestDelivery(
      context.deps,
      webFormDelivery({ leadId: 'w-2', submittedAt: '2026-12-01T10:00:00Z', phone: '+33639980009' }),
    );

    const firstLead = context.leads.stored.get(first.leadIds[0] as string);
    const secondLead = context.leads.stored.get(second.leadIds[0] as string);
    expect(firstLead?.repeatOf).toBeNull();
    expect(secondLead?.repeatOf).toBe(firstLead?.leadId);
    expect(secondLead?.personId).toBe(firstLead?.personId);
  });

  it('stores a redelivered first lead once and not as its own repeat', async () => {
    const context = dependencies();
    const delivery = webFormDelivery({ leadId: 'w-3', email: 'marc.blanc@example.fr' });

    await ingestDelivery(context.deps, delivery);
    const again = await ingestDelivery(context.deps, delivery);

    expect(again.duplicates).toEqual(again.leadIds);
    expect(context.leads.stored.size).toBe(1);
    expect(context.leads.stored.get(again.leadIds[0] as string)?.repeatOf).toBeNull();
  });

  it('never writes an email or phone into a person-key entry', async () => {
    const context = dependencies();

    await ingestDelivery(
      context.deps,
      webFormDelivery({ leadId: 'w-4', email: 'marc.blanc@example.fr', phone: '06 39 98 00 08' }),
    );

    const written = JSON.stringify([...context.leads.personKeys]);
    expect(context.leads.personKeys.size).toBe(2);
    expect(written).not.toContain('marc.blanc');
    expect(written).not.toContain('639980008');
  });
});

describe('ingestDelivery secret rotation', () => {
  it('accepts the previous HMAC secret until its grace period ends', async () => {
    const context = dependencies();
    withSecret(context, 'leadpilot/demo/website', {
      secret: 'new-secret',
      previousSecret: 'demo-website-secret',
      previousValidUntil: '2026-12-04T10:00:01.000Z',
    });

    const result = await ingestDelivery(context.deps, webFormDelivery({ leadId: 'w-5', email: 'a@example.fr' }));

    expect(result.leadIds).toHaveLength(1);
  });

  it('rejects the previous HMAC secret once its grace period is over', async () => {
    const context = dependencies();
    withSecret(context, 'leadpilot/demo/website', {
      secret: 'new-secret',
      previousSecret: 'demo-website-secret',
      previousValidUntil: '2026-12-04T10:00:00.000Z',
    });

    await expect(
      ingestDelivery(context.deps, webFormDelivery({ leadId: 'w-6', email: 'a@example.fr' })),
    ).rejects.toBeInstanceOf(SignatureInvalidError);
    expect(context.leads.stored.size).toBe(0);
  });

  it('accepts the new HMAC secret during the grace period', async () => {
    const context = dependencies();
    withSecret(context, 'leadpilot/demo/website', {
      secret: 'new-secret',
      previousSecret: 'demo-website-secret',
      previousValidUntil: '2026-12-05T10:00:00.000Z',
    });

    const result = await ingestDelivery(
      context.deps,
      webFormDelivery({ leadId: 'w-7', email: 'a@example.fr' }, 'new-secret'),
    );

    expect(result.leadIds).toHaveLength(1);
  });

  it('keeps an expired signature an expiry error even with a previous secret', async () => {
    const context = dependencies();
    withSecret(context, 'leadpilot/demo/website', {
      secret: 'new-secret',
      previousSecret: 'demo-website-secret',
      previousValidUntil: '2026-12-05T10:00:00.000Z',
    });

    await expect(
      ingestDelivery(
        context.deps,
        webFormDelivery({ leadId: 'w-8', email: 'a@example.fr' }, 'new-secret', nowSeconds - 3600),
      ),
    ).rejects.toBeInstanceOf(SignatureExpiredError);
  });
});

describe('replayQuarantined', () => {
  const malformed = Buffer.from('<adf><prospect><id>1</id></adf', 'utf8');

  async function quarantined(context: ReturnType<typeof dependencies>, delivery: Delivery) {
    await ingestDelivery(context.deps, delivery).catch(() => undefined);
    const entry = context.quarantine.entries[0];
    if (!entry) throw new Error('Nothing was quarantined');
    return entry;
  }

  it('stores the leads of a payload once its parser accepts it, and marks the entry', async () => {
    const context = dependencies();
    const entry = await quarantined(context, hmacDelivery('lacentrale', malformed, 'demo-lacentrale-secret'));
    context.deps.parsers = { 'adf-xml': () => parseAdfXml(fixture('adf/lacentrale-vo.xml')) };
    context.deps.clock = () => new Date('2026-12-05T08:00:00Z');

    const result = await replayQuarantined(context.deps, 'demo', entry.quarantineId);

    expect(result).toEqual({
      quarantineId: entry.quarantineId,
      replayedAt: '2026-12-05T08:00:00.000Z',
      leadIds: [expect.stringMatching(/^ld_/)],
      duplicates: [],
      pending: [],
    });
    const lead = context.leads.stored.get(result.leadIds[0] as string);
    expect(lead?.receivedAt).toBe('2026-12-04T10:00:00.000Z');
    expect(context.quarantine.entries[0]).toEqual({
      ...entry,
      replayedAt: '2026-12-05T08:00:00.000Z',
      replayedLeadIds: result.leadIds,
    });
  });

  it('reports the leads of a second replay as duplicates', async () => {
    const context = dependencies();
    const entry = await quarantined(context, hmacDelivery('lacentrale', malformed, 'demo-lacentrale-secret'));
    context.deps.parsers = { 'adf-xml': () => parseAdfXml(fixture('adf/lacentrale-vo.xml')) };

    const first = await replayQuarantined(context.deps, 'demo', entry.quarantineId);
    const second = await replayQuarantined(context.deps, 'demo', entry.quarantineId);

    expect(second.duplicates).toEqual(first.leadIds);
    expect(context.leads.stored.size).toBe(1);
  });

  it('leaves the entry unmarked when the payload still fails', async () => {
    const context = dependencies();
    const entry = await quarantined(context, hmacDelivery('lacentrale', malformed, 'demo-lacentrale-secret'));

    await expect(replayQuarantined(context.deps, 'demo', entry.quarantineId)).rejects.toBeInstanceOf(
      MalformedPayloadError,
    );
    expect(context.quarantine.entries).toEqual([entry]);
    expect(context.quarantine.entries[0]?.replayedAt).toBeUndefined();
  });

  async function quarantinedGoogleBody(context: ReturnType<typeof dependencies>) {
    const body = Buffer.from(fixture('google-ads/lead-form.json').toString('utf8').replace('"lead_id"', '"lead_id'));
    return quarantined(context, {
      tenantId: 'demo',
      integrationId: 'google-ads',
      headers: { 'content-type': 'application/json' },
      body,
    });
  }

  function googleParserSending(googleKey: string) {
    return () => ({ ...parseGoogleAdsLeadForm(fixture('google-ads/lead-form.json')), googleKey });
  }

  it('rejects a never-authenticated Google body whose google_key does not match', async () => {
    const context = dependencies();
    const entry = await quarantinedGoogleBody(context);
    context.deps.parsers = { 'google-ads-lead-form': googleParserSending('x') };

    await expect(replayQuarantined(context.deps, 'demo', entry.quarantineId)).rejects.toBeInstanceOf(
      SignatureInvalidError,
    );
    expect(entry.authenticated).toBe(false);
    expect(context.leads.stored.size).toBe(0);
  });

  it('stores a never-authenticated Google body whose google_key matches', async () => {
    const context = dependencies();
    const entry = await quarantinedGoogleBody(context);
    context.deps.parsers = { 'google-ads-lead-form': googleParserSending('demo-google-key-7Qx2') };

    const result = await replayQuarantined(context.deps, 'demo', entry.quarantineId);

    expect(result.leadIds).toHaveLength(1);
  });

  it('does not check the signature of an authenticated entry again', async () => {
    const context = dependencies();
    const entry = await quarantined(context, hmacDelivery('lacentrale', malformed, 'demo-lacentrale-secret'));
    withSecret(context, 'leadpilot/demo/lacentrale', { secret: 'rotated-since' });
    context.deps.parsers = { 'adf-xml': () => parseAdfXml(fixture('adf/lacentrale-vo.xml')) };

    const result = await replayQuarantined(context.deps, 'demo', entry.quarantineId);

    expect(result.leadIds).toHaveLength(1);
  });

  it('rejects an unknown quarantine id', async () => {
    const context = dependencies();

    await expect(replayQuarantined(context.deps, 'demo', 'nope')).rejects.toBeInstanceOf(NotFoundError);
  });
});

describe('retryPendingFetches', () => {
  async function withPendingLead() {
    const context = dependencies({ graph: fixtureGraph(['920000000000002']) });
    const body = fixture('meta/leadgen-webhook.json');
    await ingestDelivery(context.deps, {
      tenantId: 'demo',
      integrationId: 'meta-leads',
      headers: { 'content-type': 'application/json', 'x-hub-signature-256': signMeta('demo-meta-app-secret', body) },
      body,
    });
    return context;
  }

  it('stores a lead whose fetch succeeds now and removes its pending item', async () => {
    const context = await withPendingLead();
    context.deps.graph = fixtureGraph();

    const result = await retryPendingFetches(context.deps, 'demo');

    expect(result).toEqual({ leadIds: [expect.stringMatching(/^ld_/)], duplicates: [], failed: [] });
    expect(context.leads.stored.get(result.leadIds[0] as string)?.sourceLeadId).toBe('920000000000002');
    expect(context.pending.entries).toEqual([]);
  });

  it('keeps a lead whose fetch fails again and counts the attempt', async () => {
    const context = await withPendingLead();
    context.deps.clock = () => new Date('2026-12-04T11:00:00Z');

    const result = await retryPendingFetches(context.deps, 'demo');

    expect(result).toEqual({
      leadIds: [],
      duplicates: [],
      failed: [
        {
          integrationId: 'meta-leads',
          leadgenId: '920000000000002',
          reasonCode: 'GRAPH_API_UNAVAILABLE',
          attempts: 2,
        },
      ],
    });
    expect(context.pending.entries).toEqual([
      expect.objectContaining({
        leadgenId: '920000000000002',
        attempts: 2,
        firstFailedAt: '2026-12-04T10:00:00.000Z',
        lastFailedAt: '2026-12-04T11:00:00.000Z',
      }),
    ]);
  });

  it('reports a lead stored meanwhile as a duplicate and removes its pending item', async () => {
    const context = await withPendingLead();
    context.deps.graph = fixtureGraph();
    await retryPendingFetches(context.deps, 'demo');
    await context.deps.pending.add({
      tenantId: 'demo',
      integrationId: 'meta-leads',
      leadgenId: '920000000000002',
      formId: '330000000000001',
      createdTime: 1793951995,
      firstFailedAt: '2026-12-04T10:00:00.000Z',
      reasonCode: 'GRAPH_API_UNAVAILABLE',
      attempts: 1,
      lastFailedAt: '2026-12-04T10:00:00.000Z',
    });

    const result = await retryPendingFetches(context.deps, 'demo');

    expect(result.duplicates).toEqual(result.leadIds);
    expect(result.leadIds).toHaveLength(1);
    expect(context.pending.entries).toEqual([]);
  });
});
