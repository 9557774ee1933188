/**
 * Exports in a local folder, downloaded from the local gateway under `/_local/exports/<key>` with a link that
 * carries its expiry and an HMAC-SHA256 signature of the key and expiry, as a stand-in for S3 pre-signed URLs.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname, resolve, sep } from 'node:path';
import { contentDisposition } from '#shared/http/responses';
import type { ExportFile, ExportLink, ExportStore, StoredExport } from './export-store';

/** Path under which the local gateway serves export files. */
export const LOCAL_EXPORTS_PATH = '/_local/exports/';

const KEY_PATTERN = /^[A-Za-z0-9._-]+(\/[A-Za-z0-9._-]+)*$/;

export interface ExportStoreFsOptions {
  /** Absolute folder that holds the files. */
  root: string;
  /** Key of the link signatures; the gateway that serves the files must use the same one. */
  secret: string;
  now?: () => Date;
}

export class ExportStoreFs implements ExportStore {
  constructor(private readonly options: ExportStoreFsOptions) {}

  async save(file: ExportFile, expiresInSeconds: number): Promise<ExportLink> {
    await this.put(file);
    return this.link(file, expiresInSeconds);
  }

  async put(file: ExportFile): Promise<void> {
    const path = filePath(this.options.root, file.key);
    await mkdir(dirname(path), { recursive: true });
    await writeFile(path, file.body);
  }

  async link(file: StoredExport, expiresInSeconds: number): Promise<ExportLink> {
    // Throws for a key that `put` would reject, so no link is signed for a path outside the root.
    filePath(this.options.root, file.key);
    const expires = Math.floor((this.options.now?.() ?? new Date()).getTime() / 1000) + expiresInSeconds;
    const signature = sign(this.options.secret, file.key, expires);
    return {
      url: `${LOCAL_EXPORTS_PATH}${file.key}?expires=${expires}&signature=${signature}`,
      expiresAt: new Date(expires * 1000).toISOString(),
    };
  }
}

function sign(secret: string, key: string, expires: number): string {
  return createHmac('sha256', secret).update(`${key}\n${expires}`).digest('base64url');
}

/** Path of a key inside the root; throws a RangeError for keys with empty, `.` or `..` segments. */
function filePath(root: string, key: string): string {
  if (!KEY_PATTERN.test(key) || key.split('/').some((segment) => segment === '.' || segment === '..')) {
    throw new RangeError(`Invalid export key "${key}"`);
  }
  const path = resolve(root, key);
  if (!path.startsWith(`${resolve(root)}${sep}`)) {
    throw new RangeError(`Invalid export key "${key}"`);
  }
  return path;
}

/** A response of the local export download route. */
export interface LocalExportResponse {
  statusCode: number;
  headers: Record<string, string>;
  body: Buffer;
}

const CONTENT_TYPES: Record<string, string> = {
  csv: 'text/csv; charset=utf-8; header=present',
  xlsx: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
};

/**
 * Serves a GET of `/_local/exports/<key>?expires=&signature=`: 200 with the file when the signature matches
 * and the link has not expired, 403 otherwise (as S3 answers an invalid or expired pre-signed URL), 404 when
 * the file is gone.
 */
export async function serveLocalExport(options: ExportStoreFsOptions, url: URL): Promise<LocalExportResponse> {
  const denied = (message: string): LocalExportResponse => ({
    statusCode: 403,
    headers: { 'content-type': 'application/json' },
    body: Buffer.from(JSON.stringify({ message })),
  });
  const key = decodeURIComponent(url.pathname.slice(LOCAL_EXPORTS_PATH.length));
  const expires = Number(url.searchParams.get('expires'));
  const signature = Buffer.from(url.searchParams.get('signature') ?? '');
  const expected = Buffer.from(sign(options.secret, key, expires));
  if (!Number.isInteger(expires) || signature.length !== expected.length || !timingSafeEqual(signature, expected)) {
    return denied('Invalid export link signature');
  }
  if (expires * 1000 < (options.now?.() ?? new Date()).getTime()) {
    return denied('Export link expired; export again');
  }

  let body: Buffer;
  try {
    body = await readFile(filePath(options.root, key));
  } catch {
    return {
      statusCode: 404,
      headers: { 'content-type': 'application/json' },
      body: Buffer.from('{"message":"Not Found"}'),
    };
  }
  const fileName = key.slice(key.lastIndexOf('/') + 1);
  const extension = fileName.slice(fileName.lastIndexOf('.') + 1);
  return {
    statusCode: 200,
    headers: {
      'content-type': CONTENT_TYPES[extension] ?? 'application/octet-stream',
      'content-disposition': contentDisposition(fileName),
      'cache-control': 'no-store',
      'x-content-type-options': 'nosniff',
    },
    body,
  };
}
