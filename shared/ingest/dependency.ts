/**
 * Classification of the failures of the webhook's dependencies (lead store, tenant store, secret store), so
 * that every one of them reaches the sender as a status it retries: 429 when the dependency throttles, 503
 * otherwise.
 */
import { DependencyThrottledError, DependencyUnavailableError } from '#shared/errors';

/**
 * Error names that AWS services use for throttling: DynamoDB (`ProvisionedThroughputExceededException`,
 * `ThrottlingException`, `RequestLimitExceeded`) and Secrets Manager (`ThrottlingException`).
 */
const THROTTLING_ERROR_NAMES = new Set([
  'ProvisionedThroughputExceededException',
  'ThrottlingException',
  'RequestLimitExceeded',
  'TooManyRequestsException',
]);

/** Cancellation reason codes of a DynamoDB transaction that was cancelled by throttling. */
const THROTTLING_CANCELLATION_CODES = new Set([
  'ThrottlingError',
  'ProvisionedThroughputExceeded',
  'RequestLimitExceeded',
]);

/** Returns true for an AWS SDK error that reports throttling, a cancelled transaction included. */
export function isThrottlingError(error: unknown): boolean {
  if (!(error instanceof Error)) {
    return false;
  }
  if (THROTTLING_ERROR_NAMES.has(error.name)) {
    return true;
  }
  // The SDK's retry strategy flags the throttling errors that it recognises, whatever their name.
  const retryable = (error as { $retryable?: { throttling?: boolean } }).$retryable;
  if (retryable?.throttling === true) {
    return true;
  }
  const reasons = (error as { CancellationReasons?: { Code?: string }[] }).CancellationReasons;
  return (
    reasons?.some((reason) => reason.Code !== undefined && THROTTLING_CANCELLATION_CODES.has(reason.Code)) ?? false
  );
}

/**
 * Converts a failure of a dependency call into the error that the webhook returns: a throttling error becomes
 * `DependencyThrottledError` (429) and any other error `DependencyUnavailableError` (503), both with the
 * original error as `cause`. Errors of the store's own contract (a person-key conflict that kept recurring)
 * are failures of the dependency too, so the sender retries them.
 *
 * @param dependency names the dependency in the client-facing message, such as "The lead store".
 */
export function toDependencyError(
  error: unknown,
  dependency: string,
): DependencyThrottledError | DependencyUnavailableError {
  if (isThrottlingError(error)) {
    return new DependencyThrottledError(`${dependency} is throttling requests; retry after the Retry-After delay`, {
      cause: error,
    });
  }
  return new DependencyUnavailableError(`${dependency} request failed`, { cause: error });
}

/** Runs one call to a dependency and converts its failure with `toDependencyError`. */
export async function callDependency<T>(dependency: string, call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (error) {
    throw toDependencyError(error, dependency);
  }
}
