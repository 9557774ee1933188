/**
 * Errors of the data lake: stream conversion, lake objects and object stores.
 * None of them reaches an HTTP client, so `httpStatus` only satisfies the `DomainError` contract.
 */
import { DomainError } from '#shared/errors';

export abstract class LakeError extends DomainError {}

/**
 * A stream record that cannot become a lake row (missing `leadId` or `tenantId`, an unreadable date...).
 * Carries the record's ids and the names of the offending fields, never item values, so it is safe to log.
 */
export class PoisonRecordError extends LakeError {
  readonly code = 'LAKE_POISON_RECORD';
  readonly httpStatus = 422;
  readonly eventId: string;
  readonly sequenceNumber: string;

  constructor(eventId: string, sequenceNumber: string, reason: string) {
    super(`Stream record ${eventId} (sequence number ${sequenceNumber}) cannot become a lake row: ${reason}`);
    this.eventId = eventId;
    this.sequenceNumber = sequenceNumber;
  }
}

/** A lake object whose rows do not match the lake columns, found while reading it back (compaction). */
export class InvalidLakeObjectError extends LakeError {
  readonly code = 'LAKE_INVALID_OBJECT';
  readonly httpStatus = 500;
}

/** An object key that is empty, starts with `/` or contains an empty, `.` or `..` segment. */
export class InvalidObjectKeyError extends LakeError {
  readonly code = 'LAKE_INVALID_OBJECT_KEY';
  readonly httpStatus = 500;
}

/** A lake location that is neither `s3://bucket/prefix` nor `file:///absolute/folder`. */
export class InvalidLakeUriError extends LakeError {
  readonly code = 'LAKE_INVALID_URI';
  readonly httpStatus = 500;
}

/** An object store request that failed for some keys (S3 `DeleteObjects` reports errors per key). */
export class ObjectStoreError extends LakeError {
  readonly code = 'LAKE_OBJECT_STORE_FAILED';
  readonly httpStatus = 503;
}
