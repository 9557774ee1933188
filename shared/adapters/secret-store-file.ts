/** Secrets in a JSON file (name → string value), for the local stack only. */
import { readFile, writeFile } from 'node:fs/promises';
import * as z from 'zod';
import type { SecretStore } from '#shared/ports/secret-store';

const secretFileSchema = z.record(z.string(), z.string());

export class FileSecretStore implements SecretStore {
  constructor(private readonly path: string) {}

  async getSecret(name: string): Promise<string | undefined> {
    const secrets = await FileSecretStore.read(this.path);
    return secrets[name];
  }

  /** Reads the file; a missing file holds no secrets. */
  static async read(path: string): Promise<Record<string, string>> {
    let text: string;
    try {
      text = await readFile(path, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') {
        return {};
      }
      throw error;
    }
    return secretFileSchema.parse(JSON.parse(text));
  }

  /** Adds or replaces secrets; the file is readable by its owner only. */
  static async write(path: string, secrets: Record<string, string>): Promise<void> {
    const current = await FileSecretStore.read(path);
    await writeFile(path, `${JSON.stringify({ ...current, ...secrets }, null, 2)}\n`, { mode: 0o600 });
  }
}
