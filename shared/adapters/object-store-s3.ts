/**
 * Object store on an S3 bucket, under a key prefix: the lake in AWS, read by Athena.
 */
import {
  DeleteObjectsCommand,
  GetObjectCommand,
  ListObjectsV2Command,
  NoSuchKey,
  PutObjectCommand,
  type S3Client,
} from '@aws-sdk/client-s3';
import { ObjectStoreError } from '#shared/lake/errors';
import { assertValidObjectKey } from '#shared/lake/keys';
import type { ObjectStore } from '#shared/ports/object-store';

/** Maximum number of keys of one `DeleteObjects` request, fixed by S3. */
const DELETE_BATCH_SIZE = 1000;

export interface S3ObjectStoreOptions {
  client: S3Client;
  bucket: string;
  /** Key prefix of the lake inside the bucket, without leading or trailing `/`, or empty for the bucket root. */
  prefix: string;
}

export class S3ObjectStore implements ObjectStore {
  private readonly client: S3Client;
  private readonly bucket: string;
  /** The prefix followed by `/`, or empty. */
  private readonly keyPrefix: string;

  constructor({ client, bucket, prefix }: S3ObjectStoreOptions) {
    const trimmed = prefix.replace(/^\/+|\/+$/g, '');
    this.client = client;
    this.bucket = bucket;
    this.keyPrefix = trimmed === '' ? '' : `${trimmed}/`;
  }

  async put(key: string, body: Uint8Array, contentType = 'application/octet-stream'): Promise<void> {
    await this.client.send(
      new PutObjectCommand({ Bucket: this.bucket, Key: this.s3Key(key), Body: body, ContentType: contentType }),
    );
  }

  async get(key: string): Promise<Uint8Array | undefined> {
    try {
      const output = await this.client.send(new GetObjectCommand({ Bucket: this.bucket, Key: this.s3Key(key) }));
      return output.Body === undefined ? new Uint8Array() : await output.Body.transformToByteArray();
    } catch (error) {
      // The name check also covers an error class from another copy of the SDK in the bundle.
      if (error instanceof NoSuchKey || (error instanceof Error && error.name === 'NoSuchKey')) {
        return undefined;
      }
      throw error;
    }
  }

  /** Lists every key under the prefix, following `ListObjectsV2` continuation tokens. */
  async list(prefix: string): Promise<string[]> {
    const keys: string[] = [];
    let continuationToken: string | undefined;
    do {
      const output = await this.client.send(
        new ListObjectsV2Command({
          Bucket: this.bucket,
          Prefix: `${this.keyPrefix}${prefix}`,
          ContinuationToken: continuationToken,
        }),
      );
      for (const object of output.Contents ?? []) {
        if (object.Key !== undefined) {
          keys.push(object.Key.slice(this.keyPrefix.length));
        }
      }
      continuationToken = output.IsTruncated ? output.NextContinuationToken : undefined;
    } while (continuationToken !== undefined);

    // S3 lists in UTF-8 byte order, which differs from JavaScript string order for characters beyond U+FFFF.
    return keys.sort();
  }

  /**
   * Deletes keys in batches of 1000, the `DeleteObjects` limit. Deleting a missing key is not an error.
   *
   * @throws ObjectStoreError when S3 reports a failure for any key of a batch. Earlier batches stay deleted.
   */
  async delete(keys: string[]): Promise<void> {
    for (let start = 0; start < keys.length; start += DELETE_BATCH_SIZE) {
      const batch = keys.slice(start, start + DELETE_BATCH_SIZE);
      const output = await this.client.send(
        new DeleteObjectsCommand({
          Bucket: this.bucket,
          Delete: { Objects: batch.map((key) => ({ Key: this.s3Key(key) })), Quiet: true },
        }),
      );
      const errors = output.Errors ?? [];
      if (errors.length > 0) {
        const [first] = errors;
        throw new ObjectStoreError(
          `S3 DeleteObjects failed for ${errors.length} of ${batch.length} keys in bucket ${this.bucket}, ` +
            `first ${first?.Key} (${first?.Code}: ${first?.Message}). Check the role's s3:DeleteObject permission.`,
        );
      }
    }
  }

  /** Returns `s3://bucket/prefix/key`. */
  locationOf(key: string): string {
    return `s3://${this.bucket}/${this.s3Key(key)}`;
  }

  private s3Key(key: string): string {
    assertValidObjectKey(key);
    return `${this.keyPrefix}${key}`;
  }
}
