/**
 * Storage of the exports too large for a Lambda response, and the download link that replaces them: S3 with a
 * pre-signed GET URL in AWS, a folder with an HMAC-signed `/_local/exports/` link on the local stack.
 */
import { S3Client } from '@aws-sdk/client-s3';
import { ExportStoreFs } from './export-store-fs';
import { ExportStoreS3 } from './export-store-s3';

/** A file written by an export. */
export interface ExportFile {
  /** Object key, unique per export: `<tenant>/<uuid>/<file name>`. */
  key: string;
  body: Uint8Array;
  contentType: string;
  /** Name under which the browser saves the file. */
  fileName: string;
}

/** A time-limited GET link to a stored export. */
export interface ExportLink {
  /** Absolute (S3) or origin-relative (local stack) URL; it needs no bearer token. */
  url: string;
  /** ISO 8601 instant after which the link is rejected. */
  expiresAt: string;
}

/** The key and download name of a stored export, enough to sign a new link to it. */
export type StoredExport = Pick<ExportFile, 'key' | 'fileName'>;

export interface ExportStore {
  /** Stores the file and returns a link valid for `expiresInSeconds`. */
  save(file: ExportFile, expiresInSeconds: number): Promise<ExportLink>;
  /** Stores the file without signing a link; a lead export job writes its file this way. */
  put(file: ExportFile): Promise<void>;
  /** Signs a GET link, valid for `expiresInSeconds`, to a file stored earlier. It does not check that the file exists. */
  link(file: StoredExport, expiresInSeconds: number): Promise<ExportLink>;
}

/**
 * Creates the export store of an exports location: `s3://bucket/prefix` or `file:///absolute/folder`. A
 * folder store needs `linkSecret`, which the local gateway uses to check the links.
 *
 * @throws TypeError for any other location, or a folder without a link secret.
 */
export function createExportStore(
  exportsUri: string,
  options: { s3Client?: S3Client; linkSecret?: string; now?: () => Date } = {},
): ExportStore {
  const url = new URL(exportsUri);
  if (url.protocol === 's3:' && url.hostname !== '') {
    const prefix = decodeURIComponent(url.pathname).replace(/^\/+|\/+$/g, '');
    return new ExportStoreS3({ client: options.s3Client ?? new S3Client({}), bucket: url.hostname, prefix });
  }
  if (url.protocol === 'file:' && url.hostname === '' && url.pathname.length > 1) {
    if (options.linkSecret === undefined) {
      throw new TypeError(`Exports location ${exportsUri} is a folder, which needs a link secret to sign links`);
    }
    return new ExportStoreFs({ root: decodeURIComponent(url.pathname), secret: options.linkSecret, now: options.now });
  }
  throw new TypeError(`Invalid exports location "${exportsUri}": expected s3://bucket/prefix or file:///path`);
}
