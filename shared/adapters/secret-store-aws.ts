/** Secrets Manager, with an in-memory cache so that a warm function reads each secret once per TTL. */
import {
  GetSecretValueCommand,
  ResourceNotFoundException,
  type SecretsManagerClient,
} from '@aws-sdk/client-secrets-manager';
import type { SecretStore } from '#shared/ports/secret-store';

export class SecretsManagerStore implements SecretStore {
  private readonly cache = new Map<string, { value: string | undefined; expiresAt: number }>();

  constructor(private readonly options: { client: SecretsManagerClient; cacheTtlMs?: number }) {}

  async getSecret(name: string): Promise<string | undefined> {
    const cached = this.cache.get(name);
    if (cached && cached.expiresAt > Date.now()) {
      return cached.value;
    }
    let value: string | undefined;
    try {
      const output = await this.options.client.send(new GetSecretValueCommand({ SecretId: name }));
      value = output.SecretString;
    } catch (error) {
      if (!(error instanceof ResourceNotFoundException)) {
        throw error;
      }
    }
    this.cache.set(name, { value, expiresAt: Date.now() + (this.options.cacheTtlMs ?? 300_000) });
    return value;
  }
}
