import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiReferencePage } from '#infra/local/api-docs';
import { type Gateway, startGateway } from '#infra/local/gateway';

describe('API reference page', () => {
  let gateway: Gateway;
  let dataDir: string;

  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'leadpilot-docs-'));
    const unused = async () => ({ statusCode: 500 });
    gateway = await startGateway({
      port: 0,
      handlers: { webhook: unused, api: unused },
      jwtSecret: new Uint8Array(32),
      health: async () => ({}),
      pages: { '/docs': apiReferencePage(dataDir) },
    });
  });

  afterAll(async () => {
    await gateway?.stop();
    await rm(dataDir, { recursive: true, force: true });
  });

  it('serves the Redoc rendering of the OpenAPI document with no outside script', async () => {
    const response = await fetch(`${gateway.url}/docs`);
    const html = await response.text();

    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(html).toContain('LeadPilot API');
    expect(html).not.toMatch(/<script[^>]+src="https?:/);
  }, 120_000);
});
