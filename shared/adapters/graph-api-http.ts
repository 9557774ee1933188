/**
 * Meta Graph API client for lead retrieval over HTTP, with a timeout per attempt, retries, and a time limit
 * per lead across all its attempts.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { logger } from '#shared/logger';
import type { GraphApi } from '#shared/ports/graph-api';
import { parseJsonKeepingLongIntegers } from '#shared/sources/decode';
import { GraphApiError, GraphLeadNotFoundError } from '#shared/sources/errors';

export interface HttpGraphApiOptions {
  /** Versioned Graph API root, such as `https://graph.facebook.com/v21.0`. */
  baseUrl: string;
  /** Time limit of one attempt, response body included, in milliseconds (default 3,000). */
  timeoutMs?: number;
  /**
   * Time limit of one `fetchLead` call, waits between attempts included, in milliseconds (default 5,000).
   * No attempt starts or waits past it, and the last attempt's timeout is shortened to end by it.
   */
  totalTimeoutMs?: number;
  /** Attempts in total, the first one included. */
  maxAttempts?: number;
  /** Backoff before the second attempt, in milliseconds; it doubles for each further attempt. */
  baseDelayMs?: number;
  /** Upper bound of any wait between attempts, `Retry-After` included, in milliseconds. */
  maxDelayMs?: number;
  fetchImpl?: typeof fetch;
}

/** Outcome of one attempt that is worth retrying. */
interface RetryableFailure {
  status: number | null;
  retryAfterMs: number | null;
  cause: unknown;
}

/**
 * Fetches leads with `GET {baseUrl}/{leadgenId}?access_token=...`.
 *
 * Timeouts, network errors, 429 and 5xx are retried with exponential backoff and full jitter, waiting
 * at least the delay that `Retry-After` requests, capped at `maxDelayMs`. After the last attempt, or when
 * `totalTimeoutMs` leaves no time for another one, it throws `GraphApiError`.
 * Any other 4xx throws `GraphLeadNotFoundError` at once. Integers of more than 15 digits in the body
 * are returned as strings.
 */
export class HttpGraphApi implements GraphApi {
  private readonly baseUrl: string;
  private readonly timeoutMs: number;
  private readonly totalTimeoutMs: number;
  private readonly maxAttempts: number;
  private readonly baseDelayMs: number;
  private readonly maxDelayMs: number;
  private readonly fetchImpl: typeof fetch;

  constructor(options: HttpGraphApiOptions) {
    this.baseUrl = options.baseUrl.replace(/\/+$/, '');
    this.timeoutMs = options.timeoutMs ?? 3000;
    this.totalTimeoutMs = options.totalTimeoutMs ?? 5000;
    this.maxAttempts = Math.max(1, options.maxAttempts ?? 3);
    this.baseDelayMs = options.baseDelayMs ?? 200;
    this.maxDelayMs = options.maxDelayMs ?? 2000;
    this.fetchImpl = options.fetchImpl ?? fetch;
  }

  async fetchLead(leadgenId: string, accessToken: string | undefined): Promise<unknown> {
    const url = new URL(`${this.baseUrl}/${encodeURIComponent(leadgenId)}`);
    if (accessToken) {
      url.searchParams.set('access_token', accessToken);
    }

    const deadline = performance.now() + this.totalTimeoutMs;
    let failure: RetryableFailure | undefined;
    let attempts = 0;
    for (let attempt = 1; attempt <= this.maxAttempts; attempt += 1) {
      if (failure) {
        const delayMs = this.delayBefore(attempt, failure.retryAfterMs);
        // A wait that would leave less than a tenth of an attempt's timeout is not worth it.
        if (performance.now() + delayMs + this.timeoutMs / 10 >= deadline) {
          break;
        }
        logger.warn('Retrying Graph API lead request', { attempt, status: failure.status, delayMs });
        await sleep(delayMs);
      }
      attempts = attempt;
      const outcome = await this.attempt(url, Math.min(this.timeoutMs, deadline - performance.now()));
      if ('lead' in outcome) {
        return outcome.lead;
      }
      failure = outcome;
    }

    const status = failure?.status ?? null;
    throw new GraphApiError(
      `Graph API lead request failed after ${attempts} attempts (last status: ${status ?? 'no response'})`,
      { cause: failure?.cause },
    );
  }

  /** Runs one request; returns the parsed lead or a retryable failure, and throws for a final 4xx. */
  private async attempt(url: URL, timeoutMs: number): Promise<{ lead: unknown } | RetryableFailure> {
    const signal = AbortSignal.timeout(Math.max(1, Math.round(timeoutMs)));
    let response: Response;
    try {
      response = await this.fetchImpl(url, { headers: { accept: 'application/json' }, signal });
    } catch (error) {
      return { status: null, retryAfterMs: null, cause: error };
    }

    if (response.status === 429 || response.status >= 500) {
      await response.body?.cancel();
      return {
        status: response.status,
        retryAfterMs: parseRetryAfter(response.headers.get('retry-after')),
        cause: null,
      };
    }
    if (!response.ok) {
      await response.body?.cancel();
      throw new GraphLeadNotFoundError(
        `Graph API rejected the lead request with status ${response.status}`,
        response.status,
      );
    }

    try {
      return { lead: parseJsonKeepingLongIntegers(await response.text()) };
    } catch (error) {
      return { status: response.status, retryAfterMs: null, cause: error };
    }
  }

  /** Full-jitter exponential backoff, raised to `Retry-After` when the server requests a longer wait, capped at `maxDelayMs`. */
  private delayBefore(attempt: number, retryAfterMs: number | null): number {
    const ceiling = Math.min(this.maxDelayMs, this.baseDelayMs * 2 ** (attempt - 2));
    const backoff = Math.random() * ceiling;
    return Math.round(Math.min(this.maxDelayMs, Math.max(backoff, retryAfterMs ?? 0)));
  }
}

/** Reads `Retry-After` as delta seconds or an HTTP date; returns milliseconds, or null when absent or unreadable. */
export function parseRetryAfter(header: string | null): number | null {
  if (header === null) {
    return null;
  }
  const trimmed = header.trim();
  if (/^\d+$/.test(trimmed)) {
    return Number(trimmed) * 1000;
  }
  const date = Date.parse(trimmed);
  return Number.isNaN(date) ? null : Math.max(0, date - Date.now());
}
