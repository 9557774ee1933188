/** Exports on S3, downloaded through pre-signed GET URLs. */
import { GetObjectCommand, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import { contentDisposition } from '#shared/http/responses';
import type { ExportFile, ExportLink, ExportStore, StoredExport } from './export-store';

export interface ExportStoreS3Options {
  client: S3Client;
  bucket: string;
  /** Key prefix inside the bucket, without leading or trailing `/`; empty for the bucket root. */
  prefix: string;
}

/**
 * Writes exports to a bucket and signs GET URLs with the function's own credentials.
 *
 * NOTE: a pre-signed URL stops working when the credentials that signed it expire, which for a Lambda role
 * can come before `expiresInSeconds`. Links are meant for an immediate download, so expiries stay short.
 */
export class ExportStoreS3 implements ExportStore {
  private readonly keyPrefix: string;

  constructor(private readonly options: ExportStoreS3Options) {
    this.keyPrefix = options.prefix === '' ? '' : `${options.prefix}/`;
  }

  async save(file: ExportFile, expiresInSeconds: number): Promise<ExportLink> {
    await this.put(file);
    return this.link(file, expiresInSeconds);
  }

  async put(file: ExportFile): Promise<void> {
    await this.options.client.send(
      new PutObjectCommand({
        Bucket: this.options.bucket,
        Key: `${this.keyPrefix}${file.key}`,
        Body: file.body,
        ContentType: file.contentType,
        ContentDisposition: contentDisposition(file.fileName),
      }),
    );
  }

  async link(file: StoredExport, expiresInSeconds: number): Promise<ExportLink> {
    const key = `${this.keyPrefix}${file.key}`;
    const disposition = contentDisposition(file.fileName);
    const signedAt = Date.now();
    const url = await getSignedUrl(
      this.options.client,
      new GetObjectCommand({ Bucket: this.options.bucket, Key: key, ResponseContentDisposition: disposition }),
      { expiresIn: expiresInSeconds },
    );
    return { url, expiresAt: new Date(signedAt + expiresInSeconds * 1000).toISOString() };
  }
}
