/**
 * Object store on a local folder: the lake of the local stack, read by DuckDB.
 */
import { randomUUID } from 'node:crypto';
import type { Dirent } from 'node:fs';
import { mkdir, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { dirname, isAbsolute, join } from 'node:path';
import { assertValidObjectKey } from '#shared/lake/keys';
import type { ObjectStore } from '#shared/ports/object-store';

/** File name prefix of objects being written. `list` skips such files, so keys must not use it. */
const TEMP_PREFIX = '.tmp-';

/**
 * Stores each object as a file under `root`, with key segments as folders.
 * `put` writes a temporary file in the target folder and renames it, so a reader sees the old object
 * or the new one, never a partial file (rename is atomic within one file system on POSIX).
 */
export class FsObjectStore implements ObjectStore {
  readonly root: string;

  /** @param root absolute path of the lake folder, created on the first `put`. */
  constructor(root: string) {
    if (!isAbsolute(root)) {
      throw new TypeError(`FsObjectStore root must be an absolute path, got "${root}"`);
    }
    this.root = root;
  }

  async put(key: string, body: Uint8Array): Promise<void> {
    const path = this.locationOf(key);
    const folder = dirname(path);
    const tempPath = join(folder, `${TEMP_PREFIX}${randomUUID()}`);

    await mkdir(folder, { recursive: true });
    try {
      await writeFile(tempPath, body);
      await rename(tempPath, path);
    } catch (error) {
      await rm(tempPath, { force: true });
      throw error;
    }
  }

  async get(key: string): Promise<Uint8Array | undefined> {
    try {
      return new Uint8Array(await readFile(this.locationOf(key)));
    } catch (error) {
      if (isNotFound(error)) {
        return undefined;
      }
      throw error;
    }
  }

  async list(prefix: string): Promise<string[]> {
    // Walks only the deepest folder that the prefix names, not the whole lake.
    const folderKey = prefix.includes('/') ? prefix.slice(0, prefix.lastIndexOf('/')) : '';
    if (folderKey !== '') {
      assertValidObjectKey(folderKey);
    }
    const keys = await this.walk(folderKey === '' ? this.root : join(this.root, folderKey), folderKey);
    return keys.filter((key) => key.startsWith(prefix)).sort();
  }

  async delete(keys: string[]): Promise<void> {
    for (const key of keys) {
      await rm(this.locationOf(key), { force: true });
    }
  }

  /** Returns the absolute file path of the key. */
  locationOf(key: string): string {
    assertValidObjectKey(key);
    return join(this.root, ...key.split('/'));
  }

  private async walk(folder: string, folderKey: string): Promise<string[]> {
    let entries: Dirent[];
    try {
      entries = await readdir(folder, { withFileTypes: true });
    } catch (error) {
      if (isNotFound(error) || isNotFolder(error)) {
        return [];
      }
      throw error;
    }

    const keys: string[] = [];
    for (const entry of entries) {
      if (entry.name.startsWith(TEMP_PREFIX)) {
        continue;
      }
      const key = folderKey === '' ? entry.name : `${folderKey}/${entry.name}`;
      if (entry.isDirectory()) {
        keys.push(...(await this.walk(join(folder, entry.name), key)));
      } else if (entry.isFile()) {
        keys.push(key);
      }
    }
    return keys;
  }
}

function isNotFound(error: unknown): boolean {
  return error instanceof Error && 'code' in error && error.code === 'ENOENT';
}

function isNotFolder(error: unknown): boolean {
  return error instanceof Error && 'code' in error && error.code === 'ENOTDIR';
}
