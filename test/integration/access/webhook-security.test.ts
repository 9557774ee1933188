/**
 * Webhook authentication through the local stack: replayed and forged deliveries are rejected, and what the
 * process logs while it rejects them contains no credential and no unbounded request value.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import * as z from 'zod';
import { postDelivery } from '#infra/local/deliveries';
import { DEMO_TENANT_DOCUMENT } from '#infra/local/stack';
import { logger } from '#shared/logger';
import { SIGNATURE_TOLERANCE_SECONDS, signHmac } from '#shared/tenant/auth';
import { LEAD_FIXTURES_DIR, startTestStack, type TestStack } from '#test/support/local-stack';

const SLOW_SETUP_TIMEOUT_MS = 120_000;
/** Maximum log line length accepted: a few fields of at most 256 characters each, and a cut stack. */
const MAX_LOG_LINE_LENGTH = 12_000;

const errorBodySchema = z.object({ error: z.object({ code: z.string(), message: z.string() }) });
const credentialsSchema = z.object({
  integrations: z.array(z.object({ auth: z.record(z.string(), z.string()) })),
});

let stack: TestStack;
/** Every line that the process wrote to stdout or stderr while the tests ran. */
const output: string[] = [];

async function fixture(path: string): Promise<Buffer> {
  return readFile(join(LEAD_FIXTURES_DIR, path));
}

function post(integrationId: string, body: Uint8Array | string, headers: Record<string, string>) {
  return fetch(`${stack.baseUrl}/v1/webhooks/demo/${integrationId}`, { method: 'POST', headers, body });
}

async function errorCode(response: Response): Promise<string> {
  return errorBodySchema.parse(await response.json()).error.code;
}

beforeAll(async () => {
  stack = await startTestStack();
  logger.setLogLevel('DEBUG');
  const record = (chunk: unknown) => {
    output.push(...String(chunk).split('\n').filter(Boolean));
    return true;
  };
  vi.spyOn(process.stdout, 'write').mockImplementation(record);
  vi.spyOn(process.stderr, 'write').mockImplementation(record);
}, SLOW_SETUP_TIMEOUT_MS);

afterAll(async () => {
  vi.restoreAllMocks();
  await stack?.stop();
});

describe('webhook authentication', () => {
  it('rejects a signature older than the window with 401', async () => {
    const body = await fixture('adf/lacentrale-vo.xml');
    const signedAt = Date.now() / 1000 - SIGNATURE_TOLERANCE_SECONDS - 60;

    const response = await post('lacentrale', body, {
      'content-type': 'application/xml',
      'x-signature': signHmac('demo-lacentrale-secret', body, signedAt),
    });

    expect(response.status).toBe(401);
    expect(await errorCode(response)).toBe('SIGNATURE_EXPIRED');
  });

  it('rejects a signature from the future with 401', async () => {
    const body = await fixture('adf/lacentrale-vo.xml');
    const signedAt = Date.now() / 1000 + SIGNATURE_TOLERANCE_SECONDS + 60;

    const response = await post('lacentrale', body, {
      'content-type': 'application/xml',
      'x-signature': signHmac('demo-lacentrale-secret', body, signedAt),
    });

    expect(response.status).toBe(401);
    expect(await errorCode(response)).toBe('SIGNATURE_EXPIRED');
  });

  it('rejects a signature made with another secret', async () => {
    const body = await fixture('adf/lacentrale-vo.xml');

    const response = await post('lacentrale', body, {
      'content-type': 'application/xml',
      'x-signature': signHmac('not-the-secret', body, Date.now() / 1000),
    });

    expect(response.status).toBe(401);
    expect(await errorCode(response)).toBe('SIGNATURE_INVALID');
  });

  it('rejects a Meta signature of another body', async () => {
    const body = await fixture('meta/leadgen-webhook.json');

    const response = await post('meta-leads', body, {
      'content-type': 'application/json',
      'x-hub-signature-256': `sha256=${'0'.repeat(64)}`,
    });

    expect(response.status).toBe(401);
  });

  it('rejects a wrong Meta verify token', async () => {
    const response = await fetch(
      `${stack.baseUrl}/v1/webhooks/demo/meta-leads?hub.mode=subscribe&hub.challenge=1&hub.verify_token=guess`,
    );

    expect(response.status).toBe(403);
  });

  it('rejects an oversized signature header without logging it whole', async () => {
    const body = await fixture('adf/lacentrale-vo.xml');
    const header = `t=${Math.floor(Date.now() / 1000)},v1=${'f'.repeat(12_000)}`;

    const response = await post('lacentrale', body, { 'content-type': 'application/xml', 'x-signature': header });

    expect(response.status).toBe(401);
    expect(output.some((line) => line.includes('f'.repeat(300)))).toBe(false);
  });

  it('still accepts a correctly signed delivery', async () => {
    const response = await postDelivery(
      stack.baseUrl,
      stack.tenant,
      { integration: 'lacentrale', contentType: 'application/xml' },
      await fixture('adf/lacentrale-vo.xml'),
    );

    expect(response.status).toBe(202);
  });
});

describe('logs of rejected deliveries', () => {
  it('contain no credential of the tenant', async () => {
    const document = credentialsSchema.parse(JSON.parse(await readFile(DEMO_TENANT_DOCUMENT, 'utf8')));
    const credentials = document.integrations.flatMap(({ auth }) =>
      Object.entries(auth)
        .filter(([name]) => name !== 'type')
        .map(([, value]) => value),
    );
    const lines = [...output, ...stack.logs];

    expect(credentials.length).toBeGreaterThan(0);
    expect(output.filter((line) => line.includes('"Request rejected"')).length).toBeGreaterThanOrEqual(6);
    expect(credentials.filter((credential) => lines.some((line) => line.includes(credential)))).toEqual([]);
  });

  it('have bounded lines', () => {
    const longest = Math.max(...[...output, ...stack.logs].map((line) => line.length));

    expect(longest).toBeLessThan(MAX_LOG_LINE_LENGTH);
  });
});
