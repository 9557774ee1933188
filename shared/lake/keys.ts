/**
 * Object keys of the lake table: `lead_changes/tenant=<tenantId>/dt=<yyyy-mm-dd>/<file>.parquet`.
 * Files are named after a hash of their content's event ids, so a redelivered batch overwrites its own object.
 */
import { createHash } from 'node:crypto';
import { InvalidObjectKeyError } from './errors';
import { LAKE_TABLE, type LakeRow, partitionPrefix } from './schema';

/**
 * Partition folder of the lake table with `${tenant}` and `${dt}` placeholders, relative to the lake root.
 * The Glue table's partition projection builds `storage.location.template` from it as
 * `s3://<bucket>/<prefix>/` + this template.
 */
export const LAKE_KEY_TEMPLATE = `${LAKE_TABLE}/tenant=\${tenant}/dt=\${dt}/`;

/** Hex characters of the sha256 digest kept in file names: 96 bits, so collisions need about 2^48 objects. */
const HASH_LENGTH = 24;

const OBJECT_KEY_PATTERN = new RegExp(`^${LAKE_TABLE}/tenant=([^/]+)/dt=(\\d{4}-\\d{2}-\\d{2})/([^/]+\\.parquet)$`);

export interface Partition {
  tenant: string;
  /** UTC date of the change, `yyyy-mm-dd`. */
  dt: string;
}

/** Returns the partition of a row: its tenant and the UTC date of `event_time_ms`. */
export function partitionOf(row: LakeRow): Partition {
  return { tenant: row.tenant_id, dt: new Date(row.event_time_ms).toISOString().slice(0, 10) };
}

/** Hashes the sorted event ids of a set of rows: the same rows give the same hash whatever their order. */
export function hashEventIds(rows: readonly LakeRow[]): string {
  const eventIds = rows.map((row) => row.event_id).sort();
  return createHash('sha256').update(eventIds.join('\n')).digest('hex').slice(0, HASH_LENGTH);
}

/**
 * Builds the key of the object that contains a stream batch's rows of one partition:
 * `lead_changes/tenant=<tenant>/dt=<dt>/part-<hash>.parquet`.
 *
 * @throws RangeError when `rows` is empty or spans more than one partition.
 */
export function objectKeyFor(rows: readonly LakeRow[]): string {
  const partition = singlePartitionOf(rows);
  return `${partitionPrefix(partition.tenant, partition.dt)}part-${hashEventIds(rows)}.parquet`;
}

/**
 * Builds the key of a compacted object. `index` numbers the objects of a partition too large for one object.
 */
export function compactObjectKey(partition: Partition, hash: string, index?: number): string {
  const suffix = index === undefined ? '' : `-${String(index).padStart(5, '0')}`;
  return `${partitionPrefix(partition.tenant, partition.dt)}compact-${hash}${suffix}.parquet`;
}

/** Splits a lake object key into partition values and file name. Returns null for any other key. */
export function parseObjectKey(key: string): { tenant: string; dt: string; file: string } | null {
  const match = OBJECT_KEY_PATTERN.exec(key);
  if (!match) {
    return null;
  }
  const [, tenant, dt, file] = match;
  if (tenant === undefined || dt === undefined || file === undefined) {
    return null;
  }
  return { tenant, dt, file };
}

/**
 * Checks that an object key is relative and has no empty, `.` or `..` segment, so that no store
 * (a folder on disk in particular) resolves it outside its root.
 *
 * @throws InvalidObjectKeyError naming the key.
 */
export function assertValidObjectKey(key: string): void {
  const segments = key.split('/');
  if (key === '' || segments.some((segment) => segment === '' || segment === '.' || segment === '..')) {
    throw new InvalidObjectKeyError(
      `Invalid object key "${key}": keys are relative, with no empty, "." or ".." segment`,
    );
  }
}

function singlePartitionOf(rows: readonly LakeRow[]): Partition {
  const [first] = rows;
  if (first === undefined) {
    throw new RangeError('Cannot name an object for zero rows');
  }
  const partition = partitionOf(first);
  for (const row of rows) {
    const other = partitionOf(row);
    if (other.tenant !== partition.tenant || other.dt !== partition.dt) {
      throw new RangeError(
        `Rows of one object must share one partition: found tenant=${other.tenant}/dt=${other.dt} ` +
          `with tenant=${partition.tenant}/dt=${partition.dt}`,
      );
    }
  }
  return partition;
}
