/**
 * Base class of every error that LeadPilot raises on purpose.
 *
 * `code` is stable and documented in the API contract, so integrators can branch on it.
 * `httpStatus` is the status of the HTTP response. Errors that are not a `DomainError` always become a
 * 500 without their message.
 */
export abstract class DomainError extends Error {
  abstract readonly code: string;
  abstract readonly httpStatus: number;

  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** Request input that fails validation: a query parameter, a path parameter or a JSON body. */
export class ValidationError extends DomainError {
  readonly code = 'VALIDATION_FAILED';
  readonly httpStatus = 400;
}

/** A resource that does not exist, or that the caller may not see. Both return 404, so ids cannot be probed. */
export class NotFoundError extends DomainError {
  readonly code = 'NOT_FOUND';
  readonly httpStatus = 404;
}

/** A missing or invalid bearer token. */
export class UnauthorizedError extends DomainError {
  readonly code = 'UNAUTHORIZED';
  readonly httpStatus = 401;
}

/** A valid caller whose role does not allow the operation. */
export class ForbiddenError extends DomainError {
  readonly code = 'FORBIDDEN';
  readonly httpStatus = 403;
}

/**
 * A dependency (lead store, secret store, Graph API) that failed or throttled.
 * It returns 503 so that webhook senders retry. The message never reaches the client.
 */
export class DependencyUnavailableError extends DomainError {
  readonly code = 'DEPENDENCY_UNAVAILABLE';
  readonly httpStatus = 503;
}

/**
 * A dependency (the lead store, the secret store) that rejected the request because it is throttling. It
 * returns 429 with `Retry-After`, so that webhook senders retry later. The message never names the request's
 * data, because it reaches the client.
 */
export class DependencyThrottledError extends DomainError {
  readonly code = 'DEPENDENCY_THROTTLED';
  readonly httpStatus = 429;
}
