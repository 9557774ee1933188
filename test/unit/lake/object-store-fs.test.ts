import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FsObjectStore } from '#shared/adapters/object-store-fs';
import { InvalidObjectKeyError } from '#shared/lake/errors';

describe('FsObjectStore', () => {
  let root: string;
  let store: FsObjectStore;

  beforeEach(async () => {
    root = await mkdtemp(join(tmpdir(), 'leadpilot-fs-store-'));
    store = new FsObjectStore(root);
  });

  afterEach(async () => {
    await rm(root, { recursive: true, force: true });
  });

  it('writes and reads an object in nested folders', async () => {
    await store.put('lead_changes/tenant=demo/dt=2026-11-06/part-a.parquet', new Uint8Array([1, 2, 3]));

    expect(await store.get('lead_changes/tenant=demo/dt=2026-11-06/part-a.parquet')).toEqual(new Uint8Array([1, 2, 3]));
    expect(await readdir(join(root, 'lead_changes', 'tenant=demo', 'dt=2026-11-06'))).toEqual(['part-a.parquet']);
  });

  it('overwrites an existing object', async () => {
    await store.put('a/b', new Uint8Array([1]));
    await store.put('a/b', new Uint8Array([2, 2]));

    expect(await store.get('a/b')).toEqual(new Uint8Array([2, 2]));
  });

  it('returns undefined for a missing object', async () => {
    expect(await store.get('a/missing')).toBeUndefined();
  });

  it('lists keys under a prefix in lexicographic order', async () => {
    for (const key of ['t/dt=2/b', 't/dt=1/z', 't/dt=1/a', 'u/x', 't/dt=10/c']) {
      await store.put(key, new Uint8Array([0]));
    }

    expect(await store.list('t/')).toEqual(['t/dt=1/a', 't/dt=1/z', 't/dt=10/c', 't/dt=2/b']);
    expect(await store.list('t/dt=1')).toEqual(['t/dt=1/a', 't/dt=1/z', 't/dt=10/c']);
    expect(await store.list('')).toEqual(['t/dt=1/a', 't/dt=1/z', 't/dt=10/c', 't/dt=2/b', 'u/x']);
  });

  it('lists nothing under a missing folder', async () => {
    expect(await store.list('lead_changes/tenant=nobody/')).toEqual([]);
  });

  it('skips temporary files of writes in progress', async () => {
    await store.put('p/a', new Uint8Array([0]));
    await writeFile(join(root, 'p', '.tmp-unfinished'), 'partial');

    expect(await store.list('p/')).toEqual(['p/a']);
  });

  it('deletes objects and ignores missing keys', async () => {
    await store.put('d/a', new Uint8Array([0]));
    await store.put('d/b', new Uint8Array([0]));

    await store.delete(['d/a', 'd/missing']);

    expect(await store.list('d/')).toEqual(['d/b']);
  });

  it('locates a key as an absolute path', () => {
    expect(store.locationOf('lead_changes/x.parquet')).toBe(join(root, 'lead_changes', 'x.parquet'));
  });

  it('rejects keys that leave the root', async () => {
    await expect(store.put('../outside', new Uint8Array([0]))).rejects.toThrow(InvalidObjectKeyError);
    await expect(store.get('/etc/passwd')).rejects.toThrow(InvalidObjectKeyError);
    await expect(store.list('../')).rejects.toThrow(InvalidObjectKeyError);
  });

  it('rejects a relative root', () => {
    expect(() => new FsObjectStore('lake')).toThrow(TypeError);
  });
});
