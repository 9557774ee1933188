/**
 * Object storage for the lake: S3 in AWS, a folder on disk on the local stack.
 * Keys use `/` as separator and never start with one.
 */
export interface ObjectStore {
  put(key: string, body: Uint8Array, contentType?: string): Promise<void>;
  /** Returns the object's bytes, or undefined when the key does not exist. */
  get(key: string): Promise<Uint8Array | undefined>;
  /** Lists every key under the prefix, in lexicographic order. */
  list(prefix: string): Promise<string[]>;
  delete(keys: string[]): Promise<void>;
  /** Location that a query engine reads the key from: `s3://bucket/key` or an absolute file path. */
  locationOf(key: string): string;
}
