/** Errors of the nightly KPI job and of the query engines it runs on. */
import { DomainError } from '#shared/errors';

/** Base class of KPI errors. */
export abstract class KpiError extends DomainError {}

/**
 * A KPI query that the engine rejected or that failed while running (syntax error, missing table, engine fault).
 * Its HTTP status is 502 because the fault lies with the query engine, not with the caller's request.
 */
export class QueryFailedError extends KpiError {
  readonly code = 'KPI_QUERY_FAILED';
  readonly httpStatus = 502;
}

/**
 * A KPI query that was cancelled before it finished: by an operator, by the workgroup's bytes-scanned cutoff,
 * or by the adapter after its timeout.
 */
export class QueryCancelledError extends KpiError {
  readonly code = 'KPI_QUERY_CANCELLED';
  readonly httpStatus = 502;
}

/** Aggregates that cannot be stored as they are, such as a day whose cells exceed the item size limit. */
export class AggregatesWriteError extends KpiError {
  readonly code = 'KPI_AGGREGATES_WRITE_FAILED';
  readonly httpStatus = 500;
}
