/**
 * Object store selection from the lake location (`LAKE_URI`).
 */

import { fileURLToPath } from 'node:url';
import { S3Client } from '@aws-sdk/client-s3';
import { InvalidLakeUriError } from '#shared/lake/errors';
import type { ObjectStore } from '#shared/ports/object-store';
import { FsObjectStore } from './object-store-fs';
import { S3ObjectStore } from './object-store-s3';

/**
 * Creates the object store of a lake location: `s3://bucket/prefix` (prefix optional) gives an
 * `S3ObjectStore`, `file:///absolute/folder` an `FsObjectStore`.
 *
 * @param options.s3Client client for S3 locations. When omitted, a default client is created and takes its
 *   region from the SDK's usual sources.
 * @throws InvalidLakeUriError for any other scheme or a location without bucket or path.
 */
export function createObjectStore(lakeUri: string, options: { s3Client?: S3Client } = {}): ObjectStore {
  let url: URL;
  try {
    url = new URL(lakeUri);
  } catch (error) {
    throw new InvalidLakeUriError(`Invalid lake URI "${lakeUri}": expected s3://bucket/prefix or file:///path`, {
      cause: error,
    });
  }

  if (url.protocol === 's3:') {
    if (url.hostname === '') {
      throw new InvalidLakeUriError(`Invalid lake URI "${lakeUri}": the bucket name is missing`);
    }
    const prefix = decodeURIComponent(url.pathname).replace(/^\/+|\/+$/g, '');
    return new S3ObjectStore({ client: options.s3Client ?? new S3Client({}), bucket: url.hostname, prefix });
  }

  if (url.protocol === 'file:') {
    if (url.hostname !== '' || url.pathname === '/' || url.pathname === '') {
      throw new InvalidLakeUriError(
        `Invalid lake URI "${lakeUri}": expected file:/// followed by an absolute folder path`,
      );
    }
    return new FsObjectStore(fileURLToPath(url).replace(/\/+$/, ''));
  }

  throw new InvalidLakeUriError(`Invalid lake URI "${lakeUri}": expected s3://bucket/prefix or file:///path`);
}
