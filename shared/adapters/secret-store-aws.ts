/** Secrets Manager, with an in-memory cache so that a warm function reads each secret once per TTL. */
import {
  GetSecretValueCommand,
  ResourceNotFoundException,
  type SecretsManagerClient,
} from '@aws-sdk/client-secrets-manager';
import { logger } from '#shared/logger';
import type { SecretStore } from '#shared/ports/secret-store';

export interface SecretsManagerStoreOptions {
  client: SecretsManagerClient;
  /** Time that a value read is served from the cache, in milliseconds (default 5 minutes). */
  cacheTtlMs?: number;
  /**
   * Time limit of one read, the SDK's own retries included, in milliseconds (default 2,000). Secrets Manager
   * usually responds in tens of milliseconds, so the limit only stops a read that hangs.
   */
  timeoutMs?: number;
}

/**
 * Reads secrets from Secrets Manager. When a read fails or times out after the cached value has expired, the
 * expired value is returned (and the failure logged), so a secret store outage does not stop a warm function.
 * A secret that was never read successfully has no such fallback, and its read throws.
 */
export class SecretsManagerStore implements SecretStore {
  private readonly cache = new Map<string, { value: string | undefined; expiresAt: number }>();
  private readonly cacheTtlMs: number;
  private readonly timeoutMs: number;

  constructor(private readonly options: SecretsManagerStoreOptions) {
    this.cacheTtlMs = options.cacheTtlMs ?? 300_000;
    this.timeoutMs = options.timeoutMs ?? 2_000;
  }

  async getSecret(name: string): Promise<string | undefined> {
    const cached = this.cache.get(name);
    if (cached && cached.expiresAt > Date.now()) {
      return cached.value;
    }
    let value: string | undefined;
    try {
      const output = await this.options.client.send(new GetSecretValueCommand({ SecretId: name }), {
        abortSignal: AbortSignal.timeout(this.timeoutMs),
      });
      value = output.SecretString;
    } catch (error) {
      if (!(error instanceof ResourceNotFoundException)) {
        if (cached === undefined) {
          throw error;
        }
        logger.warn('Secret read failed; serving the expired cached value', { secretName: name, error });
        return cached.value;
      }
    }
    this.cache.set(name, { value, expiresAt: Date.now() + this.cacheTtlMs });
    return value;
  }
}
