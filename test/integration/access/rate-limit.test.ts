/** The local gateway's rate limits over HTTP, with handlers that return at once. No DynamoDB involved. */
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Gateway, type HttpHandler, startGateway } from '#infra/local/gateway';

const accepted: HttpHandler = async () => ({
  statusCode: 202,
  headers: { 'content-type': 'application/json' },
  body: '{"leadIds":[],"duplicates":[],"pending":[]}',
});

describe('local gateway rate limits', () => {
  let gateway: Gateway;

  beforeAll(async () => {
    gateway = await startGateway({
      port: 0,
      handlers: { webhook: accepted, api: accepted },
      jwtSecret: randomBytes(32),
      health: async () => ({}),
      // The refill is slow enough that no token comes back while the test runs.
      rateLimits: { perIntegration: { ratePerSecond: 0.01, burst: 3 }, perTenant: { ratePerSecond: 0.01, burst: 5 } },
    });
  });

  afterAll(async () => {
    await gateway?.stop();
  });

  const post = (tenantId: string, integrationId: string) =>
    fetch(`${gateway.url}/v1/webhooks/${tenantId}/${integrationId}`, { method: 'POST', body: '{}' });

  it('answers 429 with Retry-After past the integration limit', async () => {
    const statuses: number[] = [];
    for (let index = 0; index < 3; index += 1) {
      statuses.push((await post('demo', 'lacentrale')).status);
    }

    const throttled = await post('demo', 'lacentrale');

    expect(statuses).toEqual([202, 202, 202]);
    expect(throttled.status).toBe(429);
    expect(Number(throttled.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    expect(await throttled.json()).toEqual({ message: 'Too Many Requests' });
  });

  it("passes another tenant's deliveries", async () => {
    expect((await post('rival', 'lacentrale')).status).toBe(202);
  });

  it('answers 429 past the tenant limit on a fresh integration', async () => {
    const statuses: number[] = [];
    for (const integrationId of ['website', 'website', 'google-ads']) {
      statuses.push((await post('demo', integrationId)).status);
    }

    // lacentrale took 3 of demo's 5 tokens, so the third delivery here finds none left.
    expect(statuses).toEqual([202, 202, 429]);
  });
});
