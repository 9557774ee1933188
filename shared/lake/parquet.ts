/**
 * Parquet encoding of lake rows (hyparquet-writer) and decoding for compaction (hyparquet).
 *
 * Column order and types come from `LAKE_COLUMNS`. Every column is OPTIONAL so that a column added later
 * reads as null in older files. Files are SNAPPY-compressed and byte-for-byte deterministic: the same rows
 * in the same order give the same bytes, which makes a rewritten object identical to the first one.
 */
import { parquetReadObjects } from 'hyparquet';
import { parquetWriteBuffer } from 'hyparquet-writer';
import * as z from 'zod';
import { InvalidLakeObjectError } from './errors';
import { LAKE_COLUMNS, type LakeRow } from './schema';

/**
 * Rows per row group. Row groups are the unit that engines read in parallel and skip with statistics.
 * 100,000 lake rows take a few megabytes once compressed (an estimate from the column widths).
 */
const ROW_GROUP_SIZE = 100_000;

/** Fixed `created_by`: a library version in the footer would change the bytes of a rewritten object. */
const CREATED_BY = 'leadpilot';

/**
 * Encodes rows as one Parquet file. hyparquet-writer 0.17 requires BigInt values for INT64 columns,
 * so epoch milliseconds are converted here.
 */
export function encodeRows(rows: readonly LakeRow[]): Uint8Array {
  const columnData = LAKE_COLUMNS.map((column) => {
    const values = rows.map((row) => row[column.name]);
    if (column.type !== 'INT64') {
      return { name: column.name, type: column.type, data: values };
    }
    const bigints = values.map((value) => (typeof value === 'number' ? BigInt(value) : null));
    const encoding = 'encoding' in column ? column.encoding : undefined;
    return { name: column.name, type: column.type, data: bigints, ...(encoding ? { encoding } : {}) };
  });
  const buffer = parquetWriteBuffer({ columnData, rowGroupSize: ROW_GROUP_SIZE, createdBy: CREATED_BY });
  return new Uint8Array(buffer);
}

const requiredString = z.string();
const nullableString = z
  .string()
  .nullish()
  .transform((value) => value ?? null);
const epochMs = z.bigint().transform((value, context) => {
  const ms = Number(value);
  if (!Number.isSafeInteger(ms)) {
    context.addIssue({ code: 'custom', message: 'INT64 value outside the safe integer range' });
    return z.NEVER;
  }
  return ms;
});

const baseRowSchema = z.object({
  event_id: requiredString,
  event_seq: requiredString,
  event_name: z.enum(['INSERT', 'MODIFY', 'REMOVE']),
  event_time_ms: epochMs,
  entity: requiredString,
  tenant_id: requiredString,
  lead_id: requiredString,
  site_id: nullableString,
  integration_id: nullableString,
  source: nullableString,
  channel: nullableString,
  campaign_id: nullableString,
  campaign_name: nullableString,
  form_id: nullableString,
  utm_source: nullableString,
  utm_medium: nullableString,
  utm_campaign: nullableString,
  category: nullableString,
  interest: nullableString,
  status: nullableString,
  is_test: z.boolean(),
  is_deleted: z.boolean(),
  person_id: nullableString,
  dated_at_ms: epochMs.nullish().transform((value) => value ?? null),
  received_at_ms: epochMs.nullish().transform((value) => value ?? null),
  local_date: nullableString,
}) satisfies z.ZodType<LakeRow, unknown>;

const nullableInteger = epochMs.nullish().transform((value) => value ?? null);
const nullableBoolean = z
  .boolean()
  .nullish()
  .transform((value) => value ?? null);

/**
 * The columns after the base ones are all optional in `LakeRow` (lead life-cycle and lead event columns),
 * so their decoders derive from `LAKE_COLUMNS`: a column added there is kept by compaction without a change
 * here.
 */
const optionalColumnShape = Object.fromEntries(
  LAKE_COLUMNS.filter((column) => !(column.name in baseRowSchema.shape)).map((column) => {
    const decoder = { INT64: nullableInteger, BOOLEAN: nullableBoolean, STRING: nullableString }[column.type];
    return [column.name, decoder];
  }),
);

const decodedRowSchema = baseRowSchema.extend(optionalColumnShape) as unknown as z.ZodType<LakeRow, unknown>;

/**
 * Decodes a lake object written by `encodeRows` (or by an older version with fewer columns).
 *
 * @throws InvalidLakeObjectError when the bytes are not Parquet or a row does not match the lake columns.
 */
export async function decodeRows(bytes: Uint8Array): Promise<LakeRow[]> {
  const file = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
  let objects: Record<string, unknown>[];
  try {
    objects = await parquetReadObjects({ file });
  } catch (error) {
    throw new InvalidLakeObjectError('Invalid lake object: the bytes are not a readable Parquet file', {
      cause: error,
    });
  }

  const rows = z.array(decodedRowSchema).safeParse(objects);
  if (!rows.success) {
    const paths = [...new Set(rows.error.issues.map((issue) => issue.path.slice(1).join('.')))];
    throw new InvalidLakeObjectError(`Invalid lake object: rows do not match the lake columns (${paths.join(', ')})`);
  }
  return rows.data;
}
