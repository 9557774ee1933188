/**
 * An in-memory ObjectStore whose writes can be made to fail for chosen key prefixes.
 */
import type { ObjectStore } from '#shared/ports/object-store';

export class FakeObjectStore implements ObjectStore {
  readonly objects = new Map<string, Uint8Array>();
  readonly contentTypes = new Map<string, string | undefined>();
  /** Key prefixes whose `put` rejects. */
  readonly failingPrefixes: string[] = [];

  async put(key: string, body: Uint8Array, contentType?: string): Promise<void> {
    if (this.failingPrefixes.some((prefix) => key.startsWith(prefix))) {
      throw new Error(`simulated write failure for ${key}`);
    }
    this.objects.set(key, body);
    this.contentTypes.set(key, contentType);
  }

  async get(key: string): Promise<Uint8Array | undefined> {
    return this.objects.get(key);
  }

  async list(prefix: string): Promise<string[]> {
    return [...this.objects.keys()].filter((key) => key.startsWith(prefix)).sort();
  }

  async delete(keys: string[]): Promise<void> {
    for (const key of keys) {
      this.objects.delete(key);
    }
  }

  locationOf(key: string): string {
    return `memory://${key}`;
  }
}
