import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main } from '#infra/cli/tenant';
import {
  DynamoLeadRepository,
  DynamoPendingFetchRepository,
  DynamoQuarantineRepository,
} from '#shared/adapters/lead-repository-dynamodb';
import { FileSecretStore } from '#shared/adapters/secret-store-file';
import { DynamoTenantRepository } from '#shared/adapters/tenant-repository-dynamodb';
import { SignatureInvalidError } from '#shared/ingest/errors';
import { type IngestDependencies, ingestDelivery } from '#shared/ingest/service';
import { signHmac } from '#shared/tenant/auth';
import { type CliEnvironment, DEMO_DOCUMENT, startCliEnvironment } from './cli-environment';

let env: CliEnvironment;

beforeAll(async () => {
  env = await startCliEnvironment();
  const imported = await env.run(main, ['import', DEMO_DOCUMENT]);
  if (imported.code !== 0) throw new Error(`Import failed: ${imported.err.join('\n')}`);
});

afterAll(async () => {
  await env?.stop();
});

async function secrets(): Promise<Record<string, string>> {
  return FileSecretStore.read(join(env.dataDir, 'secrets.json'));
}

async function storedTenant() {
  const tenant = await new DynamoTenantRepository({ client: env.client, tableName: 'leads', cacheTtlMs: 0 }).get(
    'demo',
  );
  if (!tenant) throw new Error('Tenant demo is not stored');
  return tenant;
}

/** Returns the webhook's dependencies on the same table and secrets file, with the given time. */
function webhookDependencies(now: Date): IngestDependencies {
  const table = { client: env.client, tableName: 'leads' };
  return {
    tenants: new DynamoTenantRepository({ ...table, cacheTtlMs: 0 }),
    secrets: new FileSecretStore(join(env.dataDir, 'secrets.json')),
    leads: new DynamoLeadRepository(table),
    quarantine: new DynamoQuarantineRepository(table),
    pending: new DynamoPendingFetchRepository(table),
    graph: { fetchLead: async () => Promise.reject(new Error('No Graph API in this test')) },
    clock: () => now,
  };
}

function signedWebForm(integrationId: string, secret: string, now: Date, leadId: string) {
  const body = Buffer.from(JSON.stringify({ leadId, siteId: 'amiens-nord', email: `${leadId}@example.fr` }));
  return {
    tenantId: 'demo',
    integrationId,
    headers: { 'content-type': 'application/json', 'x-signature': signHmac(secret, body, now.getTime() / 1000) },
    body,
  };
}

describe('tenant import', () => {
  it('stores the configuration, the credentials and a person-id key', async () => {
    const stored = await secrets();

    expect(JSON.parse(stored['leadpilot/demo/lacentrale'] ?? '{}')).toEqual({ secret: 'demo-lacentrale-secret' });
    expect(stored['leadpilot/demo/person-id-key']).toMatch(/^[0-9a-f]{64}$/);
    expect((await storedTenant()).integrations.map((integration) => integration.integrationId)).toContain('meta-leads');
  });

  it('keeps the person-id key when the document is imported again', async () => {
    const before = (await secrets())['leadpilot/demo/person-id-key'];

    const result = await env.run(main, ['import', DEMO_DOCUMENT]);

    expect(result.code).toBe(0);
    expect(result.out).toEqual(['Tenant demo imported into leads: 3 sites, 6 integrations; person-id key kept.']);
    expect((await secrets())['leadpilot/demo/person-id-key']).toBe(before);
  });

  it('rejects a file that is not JSON with usage exit code 2', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'leadpilot-doc-'));
    const path = join(dir, 'broken.json');
    await writeFile(path, '{ "tenantId": ');

    const result = await env.run(main, ['import', path]);

    expect(result.code).toBe(2);
    expect(result.err[0]).toContain('is not valid JSON');
    await rm(dir, { recursive: true, force: true });
  });
});

describe('tenant show', () => {
  it('prints the configuration without any credential', async () => {
    const result = await env.run(main, ['show', 'demo']);

    expect(result.code).toBe(0);
    expect(JSON.parse(result.out.join('\n'))).toEqual(await storedTenant());
    expect(result.out.join('\n')).not.toContain('demo-lacentrale-secret');
  });

  it('reports an unknown tenant', async () => {
    const result = await env.run(main, ['show', 'nobody']);

    expect(result.code).toBe(1);
    expect(result.err).toEqual(['NOT_FOUND: Tenant nobody not found in table leads']);
  });
});

describe('tenant add-integration', () => {
  it('generates a secret that the webhook then accepts', async () => {
    const now = new Date();

    const result = await env.run(main, [
      'add-integration',
      'demo',
      '--id',
      'dealer-site-2',
      '--format',
      'web-form',
      '--source',
      'website',
      '--channel',
      'web-form',
      '--auth',
      'hmac-sha256',
    ]);

    expect(result.code).toBe(0);
    const secret = result.out[3] as string;
    expect(secret).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(JSON.parse((await secrets())['leadpilot/demo/dealer-site-2'] ?? '{}')).toEqual({ secret });
    const delivered = await ingestDelivery(
      webhookDependencies(now),
      signedWebForm('dealer-site-2', secret, now, 'cli-1'),
    );
    expect(delivered.leadIds).toHaveLength(1);
    expect((await env.run(main, ['show', 'demo'])).out.join('\n')).not.toContain(secret);
  });

  it('stores the Meta app secret from a file and generates the verify token', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'leadpilot-meta-'));
    const appSecretFile = join(dir, 'app-secret');
    await writeFile(appSecretFile, 'meta-issued-app-secret\n');

    const result = await env.run(main, [
      'add-integration',
      'demo',
      '--id',
      'meta-2',
      '--format',
      'meta-leadgen',
      '--source',
      'meta-ads',
      '--channel',
      'lead-form',
      '--auth',
      'meta',
      '--app-secret-file',
      appSecretFile,
    ]);

    expect(result.code).toBe(0);
    expect(JSON.parse((await secrets())['leadpilot/demo/meta-2'] ?? '{}')).toEqual({
      appSecret: 'meta-issued-app-secret',
      verifyToken: result.out[3],
    });
    await rm(dir, { recursive: true, force: true });
  });

  it('rejects an auth type that the format does not use, and stores nothing', async () => {
    const result = await env.run(main, [
      'add-integration',
      'demo',
      '--id',
      'wrong-auth',
      '--format',
      'adf-xml',
      '--source',
      'oem',
      '--channel',
      'manufacturer',
      '--auth',
      'google-key',
    ]);

    expect(result.code).toBe(1);
    expect(result.err).toEqual(['VALIDATION_FAILED: Format adf-xml is authenticated with hmac-sha256, not google-key']);
    expect((await secrets())['leadpilot/demo/wrong-auth']).toBeUndefined();
  });

  it('rejects an integration id that exists', async () => {
    const result = await env.run(main, [
      'add-integration',
      'demo',
      '--id',
      'lacentrale',
      '--format',
      'adf-xml',
      '--source',
      'lacentrale',
      '--channel',
      'classified',
      '--auth',
      'hmac-sha256',
    ]);

    expect(result.code).toBe(1);
    expect(result.err).toEqual(['VALIDATION_FAILED: Tenant demo already has an integration lacentrale']);
    expect(JSON.parse((await secrets())['leadpilot/demo/lacentrale'] ?? '{}')).toEqual({
      secret: 'demo-lacentrale-secret',
    });
  });

  it('requires --id', async () => {
    const result = await env.run(main, ['add-integration', 'demo', '--format', 'web-form']);

    expect(result.code).toBe(2);
    expect(result.err[0]).toBe('--id is required');
  });
});

describe('tenant rotate-secret', () => {
  it('keeps the previous HMAC secret valid for the grace period only', async () => {
    const rotatedAt = new Date();

    const result = await env.run(main, ['rotate-secret', 'demo', 'website', '--grace-hours', '2'], rotatedAt);

    expect(result.code).toBe(0);
    const until = new Date(rotatedAt.getTime() + 2 * 3_600_000);
    expect(JSON.parse((await secrets())['leadpilot/demo/website'] ?? '{}')).toEqual({
      secret: result.out[1],
      previousSecret: 'demo-website-secret',
      previousValidUntil: until.toISOString(),
    });
    const inGrace = new Date(until.getTime() - 1000);
    const accepted = await ingestDelivery(
      webhookDependencies(inGrace),
      signedWebForm('website', 'demo-website-secret', inGrace, 'grace-1'),
    );
    expect(accepted.leadIds).toHaveLength(1);
    await expect(
      ingestDelivery(webhookDependencies(until), signedWebForm('website', 'demo-website-secret', until, 'grace-2')),
    ).rejects.toBeInstanceOf(SignatureInvalidError);
  });

  it('reports an unknown integration', async () => {
    const result = await env.run(main, ['rotate-secret', 'demo', 'nope']);

    expect(result.code).toBe(1);
    expect(result.err).toEqual(['NOT_FOUND: Tenant demo has no integration nope']);
  });
});

describe('tenant add-alias', () => {
  it('adds an alias to a site', async () => {
    const result = await env.run(main, ['add-alias', 'demo', 'abbeville', 'FR-00999']);

    expect(result.code).toBe(0);
    expect((await storedTenant()).sites.find((site) => site.siteId === 'abbeville')?.aliases).toEqual([
      'FR-00731',
      'Abbeville',
      'FR-00999',
    ]);
  });

  it('rejects an alias that routes to another site, ignoring case and accents', async () => {
    const result = await env.run(main, ['add-alias', 'demo', 'abbeville', 'amiens NORD']);

    expect(result.code).toBe(1);
    expect(result.err).toEqual(['VALIDATION_FAILED: "amiens NORD" already routes to site amiens-nord']);
  });
});

describe('tenant set-source-rule', () => {
  it('appends a rule to the integration', async () => {
    const result = await env.run(main, [
      'set-source-rule',
      'demo',
      'website',
      '--source',
      'tiktok-ads',
      '--utm-source',
      'tiktok, tt',
    ]);

    expect(result.code).toBe(0);
    expect(result.out).toEqual(['Source rule 3 of demo/website added.']);
    expect(
      (await storedTenant()).integrations.find((item) => item.integrationId === 'website')?.sourceRules[2],
    ).toEqual({ when: { utm_source: ['tiktok', 'tt'] }, source: 'tiktok-ads' });
  });
});

describe('tenant command line', () => {
  it('prints its help', async () => {
    const result = await env.run(main, ['--help']);

    expect(result.code).toBe(0);
    expect(result.out[0]).toContain('Usage: npm run tenant');
  });

  it('rejects an option of another command', async () => {
    const result = await env.run(main, ['show', 'demo', '--grace-hours', '3']);

    expect(result.code).toBe(2);
    expect(result.err[0]).toBe('show does not take --grace-hours');
  });

  it('requires --table with --target aws', async () => {
    const result = await env.run(main, ['show', 'demo', '--target', 'aws']);

    expect(result.code).toBe(2);
    expect(result.err[0]).toBe('--table is required with --target aws');
  });

  it('reports a data directory without a running stack', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'leadpilot-nostack-'));

    const code = await main(['show', 'demo'], {
      dataDir: dir,
      print: () => {},
      warn: (line) => expect(line).toContain('No running local stack found'),
      clock: () => new Date(),
    });

    expect(code).toBe(1);
    expect(await readFile(join(dir, 'stack.json')).catch(() => 'absent')).toBe('absent');
    await rm(dir, { recursive: true, force: true });
  });
});
