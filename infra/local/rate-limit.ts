/**
 * Request rate limits of the local gateway: a token bucket per route with the throttle settings of `ROUTES`,
 * as API Gateway applies them to the stage's routes, plus a bucket per tenant and one per integration on the
 * webhook routes.
 *
 * NOTE: in AWS only the per-route limits exist. An HTTP API can neither use usage plans nor be associated
 * with AWS WAF, so the per-tenant and per-integration limits have no AWS counterpart in this stack. A WAF
 * rate-based rule keyed on the URI path, on a CloudFront distribution in front of the API, would add them.
 */
import type { RouteDefinition } from '#shared/http/routes';

/** A token bucket's settings: tokens added per second, and the bucket size (the largest burst). */
export interface RateLimit {
  ratePerSecond: number;
  burst: number;
}

export interface RateLimitOptions {
  /** Applies each route's `throttleRatePerSecond` and `throttleBurst`; default true. */
  routes?: boolean;
  /** Per tenant of the webhook path, over both webhook routes; `false` turns it off. */
  perTenant?: RateLimit | false;
  /** Per integration of the webhook path; `false` turns it off. */
  perIntegration?: RateLimit | false;
}

/**
 * Default webhook limits. They are a product choice below the `POST` webhook route's 200 requests per second,
 * so that one integration or one tenant cannot take the whole route. They were not derived from measurements.
 */
export const DEFAULT_WEBHOOK_LIMITS = {
  perTenant: { ratePerSecond: 150, burst: 300 },
  perIntegration: { ratePerSecond: 100, burst: 200 },
} as const satisfies Record<string, RateLimit>;

/** Buckets kept before full ones are dropped. */
const MAX_BUCKETS = 10_000;

/** The limit a request exceeded, and how long the client should wait before it retries. */
export interface RateLimitRejection {
  scope: 'route' | 'tenant' | 'integration';
  /** Whole seconds until the bucket contains a token again, at least 1. */
  retryAfterSeconds: number;
}

/** A token bucket that refills continuously. Times are in milliseconds from any fixed origin. */
export class TokenBucket {
  private tokens: number;
  private updatedAt: number;

  constructor(
    private readonly limit: RateLimit,
    now: number,
  ) {
    if (!(limit.ratePerSecond > 0 && limit.burst >= 1)) {
      throw new RangeError(
        `A rate limit needs ratePerSecond > 0 and burst >= 1, got ${limit.ratePerSecond} and ${limit.burst}`,
      );
    }
    this.tokens = limit.burst;
    this.updatedAt = now;
  }

  /** Whether a token is available at `now`, without taking it. */
  hasToken(now: number): boolean {
    this.refill(now);
    return this.tokens >= 1;
  }

  /** Takes one token; call it only after `hasToken` returned true for the same `now`. */
  take(now: number): void {
    this.refill(now);
    this.tokens -= 1;
  }

  /** Whether the bucket is back to its burst size, so that dropping it and starting a new one changes nothing. */
  isFull(now: number): boolean {
    this.refill(now);
    return this.tokens >= this.limit.burst;
  }

  /** Milliseconds from `now` until a token is available; 0 when one is. */
  waitMs(now: number): number {
    this.refill(now);
    return this.tokens >= 1 ? 0 : ((1 - this.tokens) / this.limit.ratePerSecond) * 1000;
  }

  private refill(now: number): void {
    const elapsedSeconds = Math.max(0, now - this.updatedAt) / 1000;
    this.tokens = Math.min(this.limit.burst, this.tokens + elapsedSeconds * this.limit.ratePerSecond);
    this.updatedAt = now;
  }
}

/**
 * Decides, request by request, whether the gateway passes a request on or returns 429. A request takes a
 * token from every bucket it belongs to, and only when each of them has one, so a rejected request does not
 * use up the budget of the other limits.
 */
export class RateLimiter {
  private readonly buckets = new Map<string, TokenBucket>();
  private readonly perTenant: RateLimit | false;
  private readonly perIntegration: RateLimit | false;
  private readonly routes: boolean;

  constructor(
    options: RateLimitOptions = {},
    private readonly now: () => number = () => performance.now(),
  ) {
    this.routes = options.routes ?? true;
    this.perTenant = options.perTenant ?? DEFAULT_WEBHOOK_LIMITS.perTenant;
    this.perIntegration = options.perIntegration ?? DEFAULT_WEBHOOK_LIMITS.perIntegration;
  }

  /** Takes the request's tokens and returns undefined, or returns the first limit that has no token left. */
  admit(route: RouteDefinition, pathParameters: Record<string, string>): RateLimitRejection | undefined {
    const now = this.now();
    const buckets = this.bucketsOf(route, pathParameters, now);
    for (const { scope, bucket } of buckets) {
      if (!bucket.hasToken(now)) {
        return { scope, retryAfterSeconds: Math.max(1, Math.ceil(bucket.waitMs(now) / 1000)) };
      }
    }
    for (const { bucket } of buckets) {
      bucket.take(now);
    }
    return undefined;
  }

  private bucketsOf(
    route: RouteDefinition,
    pathParameters: Record<string, string>,
    now: number,
  ): { scope: RateLimitRejection['scope']; bucket: TokenBucket }[] {
    const buckets: { scope: RateLimitRejection['scope']; bucket: TokenBucket }[] = [];
    if (this.routes) {
      const limit = { ratePerSecond: route.throttleRatePerSecond, burst: route.throttleBurst };
      buckets.push({ scope: 'route', bucket: this.bucket(`route ${route.method} ${route.path}`, limit, now) });
    }
    const { tenantId, integrationId } = pathParameters;
    if (route.target !== 'webhook' || tenantId === undefined) {
      return buckets;
    }
    if (this.perTenant) {
      buckets.push({ scope: 'tenant', bucket: this.bucket(`tenant ${tenantId}`, this.perTenant, now) });
    }
    if (this.perIntegration && integrationId !== undefined) {
      const key = `integration ${tenantId}/${integrationId}`;
      buckets.push({ scope: 'integration', bucket: this.bucket(key, this.perIntegration, now) });
    }
    return buckets;
  }

  private bucket(key: string, limit: RateLimit, now: number): TokenBucket {
    let bucket = this.buckets.get(key);
    if (!bucket) {
      this.dropFullBuckets(now);
      bucket = new TokenBucket(limit, now);
      this.buckets.set(key, bucket);
    }
    return bucket;
  }

  /** Keeps the map bounded: webhook paths are open, so anyone can send requests for made-up tenant ids. */
  private dropFullBuckets(now: number): void {
    if (this.buckets.size < MAX_BUCKETS) {
      return;
    }
    for (const [key, bucket] of this.buckets) {
      if (bucket.isFull(now)) {
        this.buckets.delete(key);
      }
    }
  }
}
