/** Errors of personal-data erasure. */
import { DomainError } from '#shared/errors';

/** Base of the errors that erasure raises on purpose. */
export abstract class PrivacyError extends DomainError {}

/**
 * The email or phone of an erasure request does not normalise, so it could match no stored lead. The code is
 * the API's general validation code, so clients handle it like any invalid body.
 */
export class ErasureIdentifierInvalidError extends PrivacyError {
  readonly code = 'VALIDATION_FAILED';
  readonly httpStatus = 400;
}
