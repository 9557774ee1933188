import { S3Client } from '@aws-sdk/client-s3';
import { describe, expect, it } from 'vitest';
import { createObjectStore } from '#shared/adapters/object-store';
import { FsObjectStore } from '#shared/adapters/object-store-fs';
import { S3ObjectStore } from '#shared/adapters/object-store-s3';
import { InvalidLakeUriError } from '#shared/lake/errors';

describe('createObjectStore', () => {
  const s3Client = new S3Client({ region: 'eu-west-3' });

  it('creates an S3 store for an s3 URI with a prefix', () => {
    const store = createObjectStore('s3://leadpilot-lake/lake/v1/', { s3Client });

    expect(store).toBeInstanceOf(S3ObjectStore);
    expect(store.locationOf('lead_changes/a.parquet')).toBe('s3://leadpilot-lake/lake/v1/lead_changes/a.parquet');
  });

  it('creates an S3 store at the bucket root', () => {
    const store = createObjectStore('s3://leadpilot-lake', { s3Client });

    expect(store.locationOf('lead_changes/a.parquet')).toBe('s3://leadpilot-lake/lead_changes/a.parquet');
  });

  it('creates a folder store for a file URI', () => {
    const store = createObjectStore('file:///var/lib/leadpilot/lake/');

    expect(store).toBeInstanceOf(FsObjectStore);
    expect(store.locationOf('lead_changes/a.parquet')).toBe('/var/lib/leadpilot/lake/lead_changes/a.parquet');
  });

  it('decodes percent-encoded folder names', () => {
    const store = createObjectStore('file:///tmp/my%20lake');

    expect(store.locationOf('k')).toBe('/tmp/my lake/k');
  });

  it.each(['https://example.com/lake', 'file://host/lake', 'file:///', 'not a uri'])('rejects "%s"', (uri) => {
    expect(() => createObjectStore(uri)).toThrow(InvalidLakeUriError);
  });
});
