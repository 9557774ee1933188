import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { main } from '#infra/cli/quarantine';
import { main as tenantMain } from '#infra/cli/tenant';
import {
  DynamoLeadRepository,
  DynamoPendingFetchRepository,
  DynamoQuarantineRepository,
} from '#shared/adapters/lead-repository-dynamodb';
import { FileSecretStore } from '#shared/adapters/secret-store-file';
import { DynamoTenantRepository } from '#shared/adapters/tenant-repository-dynamodb';
import { replayQuarantined } from '#shared/ingest/replay';
import { type IngestDependencies, ingestDelivery } from '#shared/ingest/service';
import type { GraphApi } from '#shared/ports/graph-api';
import { GraphApiError, InvalidLeadError, MalformedPayloadError } from '#shared/sources/errors';
import { parseWebForm } from '#shared/sources/web-form';
import { signHmac, signMeta } from '#shared/tenant/auth';
import type { TenantConfig } from '#shared/tenant/model';
import { type CliEnvironment, DEMO_DOCUMENT, startCliEnvironment } from './cli-environment';

const fixture = (path: string) => readFileSync(new URL(`../../fixtures/leads/${path}`, import.meta.url));

let env: CliEnvironment;

beforeAll(async () => {
  env = await startCliEnvironment();
});

afterAll(async () => {
  await env?.stop();
});

beforeEach(async () => {
  // Each test gets the demo tenant as the document defines it, whatever an earlier test changed.
  const imported = await env.run(tenantMain, ['import', DEMO_DOCUMENT]);
  if (imported.code !== 0) throw new Error(`Import failed: ${imported.err.join('\n')}`);
});

const unavailableGraph: GraphApi = {
  fetchLead: async (leadgenId) => Promise.reject(new GraphApiError(`Graph API unavailable for ${leadgenId}`)),
};

function webhookDependencies(overrides: Partial<IngestDependencies> = {}): IngestDependencies {
  const table = { client: env.client, tableName: 'leads' };
  return {
    tenants: new DynamoTenantRepository({ ...table, cacheTtlMs: 0 }),
    secrets: new FileSecretStore(join(env.dataDir, 'secrets.json')),
    leads: new DynamoLeadRepository(table),
    quarantine: new DynamoQuarantineRepository(table),
    pending: new DynamoPendingFetchRepository(table),
    graph: unavailableGraph,
    clock: () => new Date(),
    ...overrides,
  };
}

const tenants = () => new DynamoTenantRepository({ client: env.client, tableName: 'leads', cacheTtlMs: 0 });

async function changeTenant(change: (tenant: TenantConfig) => TenantConfig): Promise<void> {
  const tenant = await tenants().get('demo');
  if (!tenant) throw new Error('Tenant demo is not stored');
  await tenants().put(change(tenant));
}

/** Posts a signed body to an integration and returns the id of the quarantine entry it produced. */
async function quarantine(integrationId: string, secret: string, body: Buffer, contentType: string): Promise<string> {
  const before = new Set((await webhookDependencies().quarantine.list('demo')).map((entry) => entry.quarantineId));
  const now = new Date();
  await ingestDelivery(webhookDependencies(), {
    tenantId: 'demo',
    integrationId,
    headers: { 'content-type': contentType, 'x-signature': signHmac(secret, body, now.getTime() / 1000) },
    body,
  }).catch(() => undefined);
  const added = (await webhookDependencies().quarantine.list('demo')).filter(
    (entry) => !before.has(entry.quarantineId),
  );
  if (added.length !== 1 || !added[0]) throw new Error(`Expected one new quarantine entry, found ${added.length}`);
  return added[0].quarantineId;
}

/** Builds a web-form JSON lead for `website-adf`, which expects ADF/XML and so quarantines it as malformed. */
function misroutedWebForm(leadId: string): Buffer {
  return Buffer.from(
    JSON.stringify({ leadId, siteId: 'abbeville', email: 'misrouted.person@example.fr', phone: '0639981400' }),
  );
}

describe('quarantine list', () => {
  it('lists an entry with its reason and never its body', async () => {
    const id = await quarantine('website-adf', 'demo-website-secret', misroutedWebForm('list-1'), 'application/json');

    const result = await env.run(main, ['list', '--tenant', 'demo']);

    expect(result.code).toBe(0);
    expect(result.out[0]).toBe('id\tintegration\treceived\treason\tmessage\treplayed');
    const row = result.out.find((line) => line.startsWith(id))?.split('\t');
    expect(row?.slice(1, 4)).toEqual(['website-adf', id.slice(0, 24), 'MALFORMED_PAYLOAD']);
    expect(row?.[5]).toBe('-');
    expect(result.out.join('\n')).not.toContain('misrouted.person');
  });

  it('says so when a tenant has no entry', async () => {
    const result = await env.run(main, ['list', '--tenant', 'nobody']);

    expect(result).toEqual({ code: 0, out: ['No quarantined payloads for tenant nobody.'], err: [] });
  });
});

describe('quarantine replay', () => {
  it('fails and keeps the entry while the payload still cannot be read', async () => {
    const id = await quarantine('website-adf', 'demo-website-secret', misroutedWebForm('replay-0'), 'application/json');

    const result = await env.run(main, ['replay', id]);

    expect(result.code).toBe(1);
    expect(result.err[0]).toMatch(/^MALFORMED_PAYLOAD: /);
    const entry = await webhookDependencies().quarantine.get('demo', id);
    expect(entry?.replayedAt).toBeUndefined();
  });

  it('stores the lead once the integration is fixed', async () => {
    const id = await quarantine('website-adf', 'demo-website-secret', misroutedWebForm('replay-1'), 'application/json');
    await changeTenant((tenant) => ({
      ...tenant,
      integrations: tenant.integrations.map((integration) =>
        integration.integrationId === 'website-adf' ? { ...integration, format: 'web-form' } : integration,
      ),
    }));
    const replayedAt = new Date('2026-12-05T08:00:00.000Z');

    const first = await env.run(main, ['replay', id, '--tenant', 'demo'], replayedAt);
    const second = await env.run(main, ['replay', id, '--tenant', 'demo'], replayedAt);

    expect(first.code).toBe(0);
    const [leadId] = (first.out[1] ?? '').split('\t');
    expect(first.out).toEqual([`Replayed ${id}: 1 lead(s), 0 already stored.`, `${leadId}\tcreated`]);
    expect(second.out).toEqual([`Replayed ${id}: 1 lead(s), 1 already stored.`, `${leadId}\tduplicate`]);
    const lead = await webhookDependencies().leads.get('demo', leadId as string);
    expect(lead?.sourceLeadId).toBe('replay-1');
    expect(lead?.siteId).toBe('abbeville');
    const entry = await webhookDependencies().quarantine.get('demo', id);
    expect(entry?.replayedAt).toBe('2026-12-05T08:00:00.000Z');
    expect(entry?.replayedLeadIds).toEqual([leadId]);
    const listed = await env.run(main, ['list']);
    expect(listed.out.find((line) => line.startsWith(id))?.split('\t')[5]).toBe('2026-12-05T08:00:00.000Z');
  });

  it('reports an unknown id', async () => {
    const result = await env.run(main, ['replay', 'nope']);

    expect(result).toEqual({ code: 1, out: [], err: ['NOT_FOUND: No quarantined payload nope for tenant demo'] });
  });
});

describe('replayQuarantined on DynamoDB', () => {
  it('stores a payload that its parser rejected once the parser accepts it', async () => {
    // A web form without leadId or submissionId, which a stricter parser version rejects.
    const body = Buffer.from(JSON.stringify({ siteId: 'amiens-nord', email: 'parser.fixed@example.fr' }));
    const rejecting = webhookDependencies({
      parsers: {
        'web-form': () => {
          throw new InvalidLeadError('Web form has no leadId');
        },
      },
    });
    const now = new Date();
    await expect(
      ingestDelivery(rejecting, {
        tenantId: 'demo',
        integrationId: 'website',
        headers: {
          'content-type': 'application/json',
          'x-signature': signHmac('demo-website-secret', body, now.getTime() / 1000),
        },
        body,
      }),
    ).rejects.toBeInstanceOf(InvalidLeadError);
    const entry = (await rejecting.quarantine.list('demo')).find((item) => item.reasonCode === 'INVALID_LEAD');
    if (!entry) throw new Error('Nothing was quarantined');
    const fixed = webhookDependencies({ parsers: { 'web-form': (bytes, type) => [parseWebForm(bytes, type)] } });

    const first = await replayQuarantined(fixed, 'demo', entry.quarantineId);
    const second = await replayQuarantined(fixed, 'demo', entry.quarantineId);

    expect(first.leadIds).toHaveLength(1);
    expect(first.duplicates).toEqual([]);
    expect(second.duplicates).toEqual(first.leadIds);
    expect((await fixed.leads.get('demo', first.leadIds[0] as string))?.receivedAt).toBe(entry.receivedAt);
  });

  it('rejects a malformed body again with the parser unchanged', async () => {
    const id = await quarantine(
      'lacentrale',
      'demo-lacentrale-secret',
      Buffer.from('<adf><prospect>', 'utf8'),
      'application/xml',
    );

    await expect(replayQuarantined(webhookDependencies(), 'demo', id)).rejects.toBeInstanceOf(MalformedPayloadError);
  });
});

describe('quarantine retry-pending', () => {
  it('stores fetched leads and keeps failures', async () => {
    const body = fixture('meta/leadgen-webhook.json');
    const delivered = await ingestDelivery(webhookDependencies(), {
      tenantId: 'demo',
      integrationId: 'meta-leads',
      headers: { 'content-type': 'application/json', 'x-hub-signature-256': signMeta('demo-meta-app-secret', body) },
      body,
    });
    expect(delivered.pending).toEqual(['920000000000001', '920000000000002', '920000000000003']);
    const pending = webhookDependencies().pending;
    await pending.add({
      tenantId: 'demo',
      integrationId: 'meta-leads',
      leadgenId: '920000000000999',
      formId: null,
      createdTime: null,
      firstFailedAt: '2026-12-04T10:00:00.000Z',
      reasonCode: 'GRAPH_API_UNAVAILABLE',
      attempts: 1,
      lastFailedAt: '2026-12-04T10:00:00.000Z',
    });

    const result = await env.run(main, ['retry-pending', '--tenant', 'demo']);

    expect(result.code).toBe(1);
    expect(result.out[0]).toBe('Retried pending Meta fetches of demo: 3 stored (0 already stored), 1 still pending.');
    expect(result.out.slice(1, 4).map((line) => line.split('\t')[1])).toEqual(['created', 'created', 'created']);
    expect(result.out[4]).toBe('meta-leads/920000000000999\tstill pending\tGRAPH_LEAD_NOT_FOUND\tattempts 2');
    expect((await pending.list('demo')).map((item) => [item.leadgenId, item.attempts])).toEqual([
      ['920000000000999', 2],
    ]);
  });
});

describe('quarantine command line', () => {
  it('prints its help', async () => {
    const result = await env.run(main, ['-h']);

    expect(result.code).toBe(0);
    expect(result.out[0]).toContain('Usage: npm run quarantine');
  });

  it('requires the id of a replay', async () => {
    const result = await env.run(main, ['replay']);

    expect(result.code).toBe(2);
    expect(result.err[0]).toBe('replay takes one ID, got 0');
  });

  it('rejects an unknown option', async () => {
    const result = await env.run(main, ['list', '--verbose']);

    expect(result.code).toBe(2);
    expect(result.err[0]).toContain("Unknown option '--verbose'");
  });
});
