/**
 * Conversion between node:http requests and API Gateway HTTP API payload 2.0 events and results.
 */
import { randomBytes } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type {
  APIGatewayProxyEventV2,
  APIGatewayProxyEventV2WithJWTAuthorizer,
  APIGatewayProxyResultV2,
} from 'aws-lambda';

/** Claims of a verified token, in the form the JWT authorizer passes them on. */
export type JwtClaims = Record<string, string>;

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const utf8Decoder = new TextDecoder('utf-8', { fatal: true });

/**
 * Header values by lower-case name, duplicates joined with commas as API Gateway joins them. The `cookie`
 * header is left out because payload 2.0 carries cookies in their own field.
 */
export function eventHeaders(request: IncomingMessage): { headers: Record<string, string>; cookies: string[] } {
  const headers: Record<string, string> = {};
  const cookies: string[] = [];
  for (let index = 0; index + 1 < request.rawHeaders.length; index += 2) {
    const name = (request.rawHeaders[index] ?? '').toLowerCase();
    const value = request.rawHeaders[index + 1] ?? '';
    if (name === 'cookie') {
      cookies.push(
        ...value
          .split(';')
          .map((cookie) => cookie.trim())
          .filter((cookie) => cookie !== ''),
      );
      continue;
    }
    headers[name] = name in headers ? `${headers[name]},${value}` : value;
  }
  return { headers, cookies };
}

/**
 * Encodes the body as API Gateway does for a Lambda proxy integration: UTF-8 text as a string, anything else
 * base64 with `isBase64Encoded`. JSON, `text/*` and form bodies count as text when they carry no other charset
 * and their bytes are valid UTF-8. XML is always base64, because its charset may be declared inside the document
 * (`<?xml encoding="ISO-8859-1"?>`) and the handler must see the exact bytes to decode it.
 */
export function encodeBody(body: Buffer, contentType: string | undefined): { body?: string; isBase64Encoded: boolean } {
  if (body.length === 0) {
    return { isBase64Encoded: false };
  }
  const [mediaType = '', ...parameters] = (contentType ?? '').split(';').map((part) => part.trim().toLowerCase());
  const charset = parameters.find((parameter) => parameter.startsWith('charset='))?.slice('charset='.length);
  const isXml = mediaType.endsWith('/xml') || mediaType.endsWith('+xml');
  const isText =
    mediaType === 'application/json' ||
    mediaType.endsWith('+json') ||
    mediaType === 'application/x-www-form-urlencoded' ||
    mediaType.startsWith('text/');
  const isUtf8Charset = charset === undefined || charset.replaceAll('"', '') === 'utf-8';
  if (isText && !isXml && isUtf8Charset) {
    try {
      return { body: utf8Decoder.decode(body), isBase64Encoded: false };
    } catch {
      // Invalid UTF-8 under a text type: pass the bytes on untouched.
    }
  }
  return { body: body.toString('base64'), isBase64Encoded: true };
}

/** API Gateway's `requestContext.time` format: `12/Mar/2020:19:03:58 +0000`. */
export function formatRequestTime(date: Date): string {
  const pad = (value: number) => String(value).padStart(2, '0');
  return `${pad(date.getUTCDate())}/${MONTHS[date.getUTCMonth()]}/${date.getUTCFullYear()}:${pad(date.getUTCHours())}:${pad(date.getUTCMinutes())}:${pad(date.getUTCSeconds())} +0000`;
}

/** Creates a random id in the style of API Gateway request ids. */
export function newRequestId(): string {
  return `${randomBytes(10).toString('base64url')}=`;
}

export interface EventInput {
  request: IncomingMessage;
  url: URL;
  routeKey: string;
  pathParameters: Record<string, string>;
  body: Buffer;
  requestId: string;
  /** Claims of the verified bearer token on `jwt` routes; absent on open routes. */
  claims?: JwtClaims;
}

/** Builds the payload 2.0 event of one request. */
export function toGatewayEvent(input: EventInput): APIGatewayProxyEventV2 | APIGatewayProxyEventV2WithJWTAuthorizer {
  const { request, url } = input;
  const { headers, cookies } = eventHeaders(request);
  const now = new Date();
  const domainName = headers.host ?? url.host;
  const queryStringParameters = queryParameters(url);
  const event: APIGatewayProxyEventV2 = {
    version: '2.0',
    routeKey: input.routeKey,
    rawPath: url.pathname,
    rawQueryString: url.search.startsWith('?') ? url.search.slice(1) : url.search,
    ...(cookies.length > 0 ? { cookies } : {}),
    headers,
    ...(queryStringParameters ? { queryStringParameters } : {}),
    ...(Object.keys(input.pathParameters).length > 0 ? { pathParameters: input.pathParameters } : {}),
    requestContext: {
      accountId: 'local',
      apiId: 'local',
      domainName,
      domainPrefix: domainName.split('.')[0] ?? domainName,
      http: {
        method: request.method ?? 'GET',
        path: url.pathname,
        protocol: `HTTP/${request.httpVersion}`,
        sourceIp: (request.socket.remoteAddress ?? '127.0.0.1').replace(/^::ffff:/, ''),
        userAgent: headers['user-agent'] ?? '',
      },
      requestId: input.requestId,
      routeKey: input.routeKey,
      stage: '$default',
      time: formatRequestTime(now),
      timeEpoch: now.getTime(),
    },
    ...encodeBody(input.body, headers['content-type']),
  };
  if (!input.claims) {
    return event;
  }
  return {
    ...event,
    requestContext: {
      ...event.requestContext,
      authorizer: { principalId: '', integrationLatency: 0, jwt: { claims: input.claims, scopes: null } },
    },
  } as APIGatewayProxyEventV2WithJWTAuthorizer;
}

/** Query parameters with duplicates joined by commas, as in payload 2.0; undefined when there are none. */
function queryParameters(url: URL): Record<string, string> | undefined {
  const parameters: Record<string, string> = {};
  for (const [name, value] of url.searchParams) {
    parameters[name] = name in parameters ? `${parameters[name]},${value}` : value;
  }
  return Object.keys(parameters).length > 0 ? parameters : undefined;
}

/**
 * Converts claim values to strings as the HTTP API JWT authorizer does: numbers and booleans as text, arrays as
 * `[a b]`, objects as JSON.
 */
export function stringifyClaims(payload: Record<string, unknown>): JwtClaims {
  const claims: JwtClaims = {};
  for (const [name, value] of Object.entries(payload)) {
    if (Array.isArray(value)) {
      claims[name] = `[${value.map(String).join(' ')}]`;
    } else if (value !== null && typeof value === 'object') {
      claims[name] = JSON.stringify(value);
    } else {
      claims[name] = String(value);
    }
  }
  return claims;
}

/**
 * Writes a handler result. A result without `statusCode` is treated as API Gateway treats it: a 200 whose body
 * is the value as JSON.
 */
export function writeResult(response: ServerResponse, result: APIGatewayProxyResultV2, requestId: string): void {
  if (typeof result !== 'object' || result === null || !('statusCode' in result)) {
    const body = typeof result === 'string' ? result : JSON.stringify(result);
    response.writeHead(200, { 'content-type': 'application/json', 'apigw-requestid': requestId });
    response.end(body);
    return;
  }
  const headers: Record<string, string | string[]> = { 'apigw-requestid': requestId };
  for (const [name, value] of Object.entries(result.headers ?? {})) {
    headers[name.toLowerCase()] = String(value);
  }
  if (result.cookies && result.cookies.length > 0) {
    headers['set-cookie'] = result.cookies;
  }
  const body =
    result.body === undefined ? Buffer.alloc(0) : Buffer.from(result.body, result.isBase64Encoded ? 'base64' : 'utf8');
  response.writeHead(result.statusCode ?? 200, headers);
  response.end(body);
}

/** Writes a JSON response of the gateway itself (not of a handler). */
export function writeJson(response: ServerResponse, statusCode: number, body: unknown, requestId: string): void {
  response.writeHead(statusCode, { 'content-type': 'application/json', 'apigw-requestid': requestId });
  response.end(JSON.stringify(body));
}
