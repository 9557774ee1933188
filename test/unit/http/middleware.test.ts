import middy from '@middy/core';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2, Context } from 'aws-lambda';
import { describe, expect, it } from 'vitest';
import { DependencyUnavailableError, ValidationError } from '#shared/errors';
import { correlation, httpErrorHandler } from '#shared/http/middleware';
import { jsonResponse } from '#shared/http/responses';

function httpEvent(overrides: Partial<APIGatewayProxyEventV2> = {}): APIGatewayProxyEventV2 {
  return {
    version: '2.0',
    routeKey: 'GET /v1/kpis',
    rawPath: '/v1/kpis',
    rawQueryString: '',
    headers: {},
    isBase64Encoded: false,
    requestContext: {
      accountId: 'local',
      apiId: 'local',
      domainName: 'localhost',
      domainPrefix: 'localhost',
      http: { method: 'GET', path: '/v1/kpis', protocol: 'HTTP/1.1', sourceIp: '127.0.0.1', userAgent: 'test' },
      requestId: 'req-1',
      routeKey: 'GET /v1/kpis',
      stage: '$default',
      time: '04/Dec/2026:10:00:00 +0000',
      timeEpoch: 1_796_378_400_000,
    },
    ...overrides,
  };
}

const context = { awsRequestId: 'lambda-1', functionName: 'test' } as Context;

function handlerThrowing(error: unknown) {
  return middy(async (_event: APIGatewayProxyEventV2): Promise<APIGatewayProxyStructuredResultV2> => {
    throw error;
  })
    .use(correlation())
    .use(httpErrorHandler());
}

describe('httpErrorHandler', () => {
  it('answers a domain error with its status, code and message', async () => {
    const response = await handlerThrowing(new ValidationError('query.from: must be a date YYYY-MM-DD'))(
      httpEvent(),
      context,
    );

    expect(response).toEqual({
      statusCode: 400,
      headers: {
        'content-type': 'application/json; charset=utf-8',
        'cache-control': 'no-store',
        'x-content-type-options': 'nosniff',
      },
      body: JSON.stringify({
        error: { code: 'VALIDATION_FAILED', message: 'query.from: must be a date YYYY-MM-DD' },
      }),
    });
  });

  it('hides the message of a 503 and asks the client to retry', async () => {
    const response = await handlerThrowing(new DependencyUnavailableError('Secret leadpilot/demo/x is not configured'))(
      httpEvent(),
      context,
    );

    expect(response.statusCode).toBe(503);
    expect(response.headers?.['retry-after']).toBe('5');
    expect(JSON.parse(response.body as string)).toEqual({
      error: { code: 'DEPENDENCY_UNAVAILABLE', message: 'The service is temporarily unavailable; retry later' },
    });
  });

  it('answers an unexpected error with a generic 500 that leaks nothing', async () => {
    const response = await handlerThrowing(new TypeError("Cannot read properties of undefined (reading 'pk')"))(
      httpEvent(),
      context,
    );

    expect(response.statusCode).toBe(500);
    expect(JSON.parse(response.body as string)).toEqual({
      error: { code: 'INTERNAL_ERROR', message: 'An internal error occurred' },
    });
  });

  it('leaves a successful response untouched', async () => {
    const handler = middy(async () => jsonResponse(200, { ok: true }))
      .use(correlation())
      .use(httpErrorHandler());

    const response = await handler(httpEvent(), context);

    expect(response).toEqual(jsonResponse(200, { ok: true }));
  });
});
