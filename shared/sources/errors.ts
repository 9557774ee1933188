/**
 * Errors raised while reading a payload. Each is answered with a 4xx and the payload is quarantined
 * with the error's code and message, so that it can be replayed once the parser is fixed.
 */
import { DomainError } from '#shared/errors';

export abstract class PayloadError extends DomainError {}

/** Bytes that are not well-formed in the declared syntax: broken XML or JSON, undecodable text. */
export class MalformedPayloadError extends PayloadError {
  readonly code = 'MALFORMED_PAYLOAD';
  readonly httpStatus = 400;
}

/** Well-formed input that is not a lead of the integration's format (an ADF document without a prospect...). */
export class InvalidLeadError extends PayloadError {
  readonly code = 'INVALID_LEAD';
  readonly httpStatus = 422;
}

/** A content type that the integration's format does not accept. */
export class UnsupportedMediaTypeError extends PayloadError {
  readonly code = 'UNSUPPORTED_MEDIA_TYPE';
  readonly httpStatus = 415;
}

/** XML that declares a DOCTYPE or entities, refused to rule out external entities and entity expansion. */
export class ForbiddenXmlConstructError extends PayloadError {
  readonly code = 'XML_DOCTYPE_FORBIDDEN';
  readonly httpStatus = 400;
}

/**
 * The Graph API did not return a lead after every attempt (timeouts, network errors, 429 or 5xx).
 * Answers 503 so that Meta redelivers the webhook later.
 */
export class GraphApiError extends DomainError {
  readonly code = 'GRAPH_API_UNAVAILABLE';
  readonly httpStatus = 503;
}

/**
 * The Graph API refused the lead request with a 4xx other than 429 (unknown lead id, expired or missing
 * permission). Retrying the same request cannot succeed, so it is not retried.
 */
export class GraphLeadNotFoundError extends DomainError {
  readonly code = 'GRAPH_LEAD_NOT_FOUND';
  readonly httpStatus = 404;

  constructor(
    message: string,
    /** Status code that the Graph API returned. */
    readonly upstreamStatus: number,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}
