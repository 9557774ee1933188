/** Errors of the webhook edge: who may deliver, how much, and to which integration. */
import { DomainError } from '#shared/errors';

export abstract class IngestError extends DomainError {}

/** The signature, key or HMAC does not match the integration's secret; nothing is stored. */
export class SignatureInvalidError extends IngestError {
  readonly code = 'SIGNATURE_INVALID';
  readonly httpStatus = 401;
}

/** The signed timestamp is outside the accepted window, which blocks replays of captured requests. */
export class SignatureExpiredError extends IngestError {
  readonly code = 'SIGNATURE_EXPIRED';
  readonly httpStatus = 401;
}

/** The body is larger than the webhook accepts. */
export class PayloadTooLargeError extends IngestError {
  readonly code = 'PAYLOAD_TOO_LARGE';
  readonly httpStatus = 413;
}

/** No such tenant or integration, or the integration is not configured for this route. */
export class IntegrationNotFoundError extends IngestError {
  readonly code = 'INTEGRATION_NOT_FOUND';
  readonly httpStatus = 404;
}

/** Meta's subscription handshake with a wrong verify token, or a handshake on a non-Meta integration. */
export class VerificationFailedError extends IngestError {
  readonly code = 'VERIFICATION_FAILED';
  readonly httpStatus = 403;
}
