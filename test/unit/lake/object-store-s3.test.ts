import {
  DeleteObjectsCommand,
  GetObjectCommand,
  ListObjectsV2Command,
  NoSuchKey,
  PutObjectCommand,
  S3Client,
} from '@aws-sdk/client-s3';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { S3ObjectStore } from '#shared/adapters/object-store-s3';
import { InvalidObjectKeyError, ObjectStoreError } from '#shared/lake/errors';

const s3Mock = mockClient(S3Client);

function buildStore(prefix = 'lake/v1') {
  return new S3ObjectStore({ client: new S3Client({ region: 'eu-west-3' }), bucket: 'leadpilot-lake-test', prefix });
}

describe('S3ObjectStore', () => {
  beforeEach(() => {
    s3Mock.reset();
  });

  it('puts an object under the prefix with its content type', async () => {
    s3Mock.on(PutObjectCommand).resolves({});
    const body = new Uint8Array([1, 2, 3]);

    await buildStore().put('lead_changes/a.parquet', body, 'application/vnd.apache.parquet');

    expect(s3Mock.commandCalls(PutObjectCommand).map((call) => call.args[0].input)).toEqual([
      {
        Bucket: 'leadpilot-lake-test',
        Key: 'lake/v1/lead_changes/a.parquet',
        Body: body,
        ContentType: 'application/vnd.apache.parquet',
      },
    ]);
  });

  it('gets the bytes of an object', async () => {
    // The SDK's streaming body, reduced to the one method the store calls.
    const body = { transformToByteArray: async () => new Uint8Array([7, 8, 9]) };
    s3Mock.on(GetObjectCommand, { Bucket: 'leadpilot-lake-test', Key: 'lake/v1/k' }).resolves({ Body: body as never });

    expect(await buildStore().get('k')).toEqual(new Uint8Array([7, 8, 9]));
  });

  it('returns undefined for a missing object', async () => {
    s3Mock.on(GetObjectCommand).rejects(new NoSuchKey({ message: 'The specified key does not exist.', $metadata: {} }));

    expect(await buildStore().get('missing')).toBeUndefined();
  });

  it('rethrows other get failures', async () => {
    s3Mock.on(GetObjectCommand).rejects(new Error('AccessDenied'));

    await expect(buildStore().get('k')).rejects.toThrow('AccessDenied');
  });

  it('follows continuation tokens and strips the prefix', async () => {
    s3Mock
      .on(ListObjectsV2Command, { ContinuationToken: undefined })
      .resolves({
        IsTruncated: true,
        NextContinuationToken: 'page-2',
        Contents: [{ Key: 'lake/v1/lead_changes/tenant=demo/dt=2026-11-07/part-b.parquet' }],
      })
      .on(ListObjectsV2Command, { ContinuationToken: 'page-2' })
      .resolves({
        IsTruncated: false,
        Contents: [{ Key: 'lake/v1/lead_changes/tenant=demo/dt=2026-11-06/part-a.parquet' }],
      });

    const keys = await buildStore().list('lead_changes/tenant=demo/');

    expect(keys).toEqual([
      'lead_changes/tenant=demo/dt=2026-11-06/part-a.parquet',
      'lead_changes/tenant=demo/dt=2026-11-07/part-b.parquet',
    ]);
    expect(s3Mock.commandCalls(ListObjectsV2Command).map((call) => call.args[0].input)).toEqual([
      { Bucket: 'leadpilot-lake-test', Prefix: 'lake/v1/lead_changes/tenant=demo/', ContinuationToken: undefined },
      { Bucket: 'leadpilot-lake-test', Prefix: 'lake/v1/lead_changes/tenant=demo/', ContinuationToken: 'page-2' },
    ]);
  });

  it('returns an empty list for an empty prefix', async () => {
    s3Mock.on(ListObjectsV2Command).resolves({ IsTruncated: false, KeyCount: 0 });

    expect(await buildStore().list('lead_changes/')).toEqual([]);
  });

  it('deletes in batches of 1000 keys', async () => {
    s3Mock.on(DeleteObjectsCommand).resolves({});
    const keys = Array.from({ length: 2500 }, (_, index) => `k/${String(index).padStart(4, '0')}`);

    await buildStore().delete(keys);

    const batches = s3Mock.commandCalls(DeleteObjectsCommand).map((call) => call.args[0].input.Delete?.Objects ?? []);
    expect(batches.map((batch) => batch.length)).toEqual([1000, 1000, 500]);
    expect(batches[0]?.[0]).toEqual({ Key: 'lake/v1/k/0000' });
    expect(batches[2]?.at(-1)).toEqual({ Key: 'lake/v1/k/2499' });
    expect(s3Mock.commandCalls(DeleteObjectsCommand)[0]?.args[0].input.Delete?.Quiet).toBe(true);
  });

  it('sends no request to delete zero keys', async () => {
    await buildStore().delete([]);

    expect(s3Mock.commandCalls(DeleteObjectsCommand)).toHaveLength(0);
  });

  it('raises the per-key errors of DeleteObjects', async () => {
    s3Mock.on(DeleteObjectsCommand).resolves({
      Errors: [{ Key: 'lake/v1/k/1', Code: 'AccessDenied', Message: 'Access Denied' }],
    });

    await expect(buildStore().delete(['k/1', 'k/2'])).rejects.toThrow(ObjectStoreError);
    await expect(buildStore().delete(['k/1', 'k/2'])).rejects.toThrow(/1 of 2 keys.*lake\/v1\/k\/1 \(AccessDenied/);
  });

  it('locates keys as s3 URIs with the prefix', () => {
    expect(buildStore('/lake/v1/').locationOf('lead_changes/a.parquet')).toBe(
      's3://leadpilot-lake-test/lake/v1/lead_changes/a.parquet',
    );
    expect(buildStore('').locationOf('lead_changes/a.parquet')).toBe('s3://leadpilot-lake-test/lead_changes/a.parquet');
  });

  it('rejects keys with dot segments', async () => {
    await expect(buildStore().put('lead_changes/../x', new Uint8Array())).rejects.toThrow(InvalidObjectKeyError);
  });
});
