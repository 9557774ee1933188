/** Middy middlewares shared by the HTTP handlers. */
import type middy from '@middy/core';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { DomainError } from '#shared/errors';
import { logger } from '#shared/logger';
import { errorResponse } from './responses';

type HttpRequest = middy.Request<APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2>;

/** Seconds that a client is asked to wait after a 429 or 503 before it retries. */
const RETRY_AFTER_SECONDS = '5';

/**
 * Sets the Lambda context, the request id as the log correlation id, and the route as a log key, for the
 * whole invocation. The context is set on every invocation because the local stack runs every function in
 * one process, where the logger is shared.
 */
export function correlation(): middy.MiddlewareObj<APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2> {
  return {
    before: (request: HttpRequest) => {
      logger.resetKeys();
      logger.addContext(request.context);
      logger.setCorrelationId(request.event.requestContext?.requestId ?? request.context.awsRequestId);
      logger.appendKeys({ route: request.event.routeKey });
    },
  };
}

/**
 * Maps errors to responses. A `DomainError` becomes its status with `{error:{code,message}}`. Anything else
 * becomes a 500 with a generic message, so internals never reach the client, and is logged with its stack.
 */
export function httpErrorHandler(): middy.MiddlewareObj<APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2> {
  return {
    onError: (request: HttpRequest) => {
      const error = request.error;
      if (error instanceof DomainError) {
        const retryable = error.httpStatus === 429 || error.httpStatus === 503;
        if (error.httpStatus >= 500) {
          logger.error('Request failed', { code: error.code, error });
        } else {
          logger.info('Request rejected', { code: error.code, status: error.httpStatus });
        }
        const message = error.httpStatus >= 500 ? 'The service is temporarily unavailable; retry later' : error.message;
        request.response = errorResponse(
          error.httpStatus,
          error.code,
          message,
          retryable ? { 'retry-after': RETRY_AFTER_SECONDS } : {},
        );
        return;
      }
      logger.error('Unexpected error', { error });
      request.response = errorResponse(500, 'INTERNAL_ERROR', 'An internal error occurred');
    },
  };
}
