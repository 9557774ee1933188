import { describe, expect, it } from 'vitest';
import { RateLimiter, TokenBucket } from '#infra/local/rate-limit';
import type { RouteDefinition } from '#shared/http/routes';

const webhookRoute: RouteDefinition = {
  method: 'POST',
  path: '/v1/webhooks/{tenantId}/{integrationId}',
  target: 'webhook',
  auth: 'none',
  throttleRatePerSecond: 10,
  throttleBurst: 20,
};

const apiRoute: RouteDefinition = {
  method: 'GET',
  path: '/v1/kpis',
  target: 'api',
  auth: 'jwt',
  throttleRatePerSecond: 2,
  throttleBurst: 3,
};

/** A clock that moves only when the test moves it, in milliseconds. */
function fakeClock() {
  let now = 0;
  return {
    now: () => now,
    advance: (milliseconds: number) => {
      now += milliseconds;
    },
  };
}

function admitMany(limiter: RateLimiter, route: RouteDefinition, params: Record<string, string>, count: number) {
  return Array.from({ length: count }, () => limiter.admit(route, params));
}

describe('TokenBucket', () => {
  it('allows a burst, then refills at the rate', () => {
    const bucket = new TokenBucket({ ratePerSecond: 2, burst: 2 }, 0);

    bucket.take(0);
    bucket.take(0);

    expect(bucket.hasToken(0)).toBe(false);
    expect(bucket.waitMs(0)).toBe(500);
    expect(bucket.hasToken(499)).toBe(false);
    expect(bucket.hasToken(500)).toBe(true);
  });

  it('never holds more than the burst', () => {
    const bucket = new TokenBucket({ ratePerSecond: 100, burst: 2 }, 0);

    expect(bucket.isFull(60_000)).toBe(true);
    bucket.take(60_000);
    bucket.take(60_000);

    expect(bucket.hasToken(60_000)).toBe(false);
  });

  it('rejects a zero rate', () => {
    expect(() => new TokenBucket({ ratePerSecond: 0, burst: 5 }, 0)).toThrow(RangeError);
  });
});

describe('RateLimiter', () => {
  it('applies the route throttle of ROUTES with Retry-After', () => {
    const clock = fakeClock();
    const limiter = new RateLimiter({}, clock.now);

    const results = admitMany(limiter, apiRoute, {}, 4);

    expect(results).toEqual([undefined, undefined, undefined, { scope: 'route', retryAfterSeconds: 1 }]);
    clock.advance(500);
    expect(limiter.admit(apiRoute, {})).toBeUndefined();
  });

  it('limits each integration separately', () => {
    const clock = fakeClock();
    const limiter = new RateLimiter(
      { perIntegration: { ratePerSecond: 1, burst: 2 }, perTenant: false, routes: false },
      clock.now,
    );
    const lacentrale = { tenantId: 'demo', integrationId: 'lacentrale' };
    const website = { tenantId: 'demo', integrationId: 'website' };

    admitMany(limiter, webhookRoute, lacentrale, 2);

    expect(limiter.admit(webhookRoute, lacentrale)).toEqual({ scope: 'integration', retryAfterSeconds: 1 });
    expect(limiter.admit(webhookRoute, website)).toBeUndefined();
  });

  it('limits a tenant over all its integrations', () => {
    const clock = fakeClock();
    const limiter = new RateLimiter(
      { perTenant: { ratePerSecond: 0.5, burst: 3 }, perIntegration: false, routes: false },
      clock.now,
    );

    admitMany(limiter, webhookRoute, { tenantId: 'demo', integrationId: 'a' }, 2);
    admitMany(limiter, webhookRoute, { tenantId: 'demo', integrationId: 'b' }, 1);

    expect(limiter.admit(webhookRoute, { tenantId: 'demo', integrationId: 'c' })).toEqual({
      scope: 'tenant',
      retryAfterSeconds: 2,
    });
    expect(limiter.admit(webhookRoute, { tenantId: 'other', integrationId: 'a' })).toBeUndefined();
  });

  it('takes no token from other limits when one rejects', () => {
    const clock = fakeClock();
    const limiter = new RateLimiter(
      { perTenant: { ratePerSecond: 1, burst: 2 }, perIntegration: { ratePerSecond: 1, burst: 1 }, routes: false },
      clock.now,
    );

    const lacentrale = admitMany(limiter, webhookRoute, { tenantId: 'demo', integrationId: 'lacentrale' }, 10);

    expect(lacentrale.filter((result) => result === undefined)).toHaveLength(1);
    // Had the nine rejections taken tenant tokens, the tenant's second token would be gone.
    expect(limiter.admit(webhookRoute, { tenantId: 'demo', integrationId: 'website' })).toBeUndefined();
    expect(limiter.admit(webhookRoute, { tenantId: 'demo', integrationId: 'google-ads' })).toEqual({
      scope: 'tenant',
      retryAfterSeconds: 1,
    });
  });

  it('applies no tenant limit to API routes', () => {
    const clock = fakeClock();
    const limiter = new RateLimiter(
      { perTenant: { ratePerSecond: 1, burst: 1 }, perIntegration: { ratePerSecond: 1, burst: 1 }, routes: false },
      clock.now,
    );

    const results = admitMany(limiter, apiRoute, { tenantId: 'demo' }, 10);

    expect(results.every((result) => result === undefined)).toBe(true);
  });

  it('passes everything when every limit is off', () => {
    const limiter = new RateLimiter({ routes: false, perTenant: false, perIntegration: false }, () => 0);

    const results = admitMany(limiter, webhookRoute, { tenantId: 'demo', integrationId: 'lacentrale' }, 1000);

    expect(results.every((result) => result === undefined)).toBe(true);
  });
});
