/**
 * A local API Gateway HTTP API: serves exactly the routes of `ROUTES`, turns each request into a payload 2.0
 * event, checks bearer tokens on `jwt` routes as the JWT authorizer does, and calls the route's handler in
 * process. It also serves `GET /health`, the local-only admin routes under `/_local/`, and the Lambda Invoke
 * API that starts the lead export worker.
 *
 * NOTE: overlapping requests run concurrently in one handler module, whereas Lambda gives each instance one
 * event at a time. Per-invocation module state (the logger's correlation id, buffered metrics) can therefore
 * mix between overlapping requests here. Queuing requests per handler would lift this at a cost in throughput.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { APIGatewayProxyEventV2, APIGatewayProxyResultV2, Context } from 'aws-lambda';
import { matchRoute, ROUTES, type RouteDefinition, type RouteTarget } from '#shared/http/routes';
import { truncateForLog } from '#shared/log-safety';
import { verifyDevToken } from './dev-token';
import { PortInUseError } from './errors';
import { type JwtClaims, newRequestId, stringifyClaims, toGatewayEvent, writeJson, writeResult } from './gateway-event';
import { LAMBDA_INVOKE_PATH, type LambdaApiRequest, type LambdaApiResponse } from './lambda-api';
import { createLambdaContext } from './lambda-context';
import { isAddressInUse, LOOPBACK, listenOnLoopback } from './ports';
import { RateLimiter, type RateLimitOptions } from './rate-limit';

/** An HTTP handler as `functions/webhook.ts` and `functions/api.ts` export it. */
export type HttpHandler = (event: APIGatewayProxyEventV2, context: Context) => Promise<APIGatewayProxyResultV2>;

/** A local-only route under `/_local/`: receives the raw body and returns a status and a JSON body. */
export type LocalRoute = (body: Buffer) => Promise<{ statusCode: number; body: unknown }>;

/** A page served on GET outside the API routes, such as the API reference at `/docs`. */
export type LocalPage = () => Promise<{ contentType: string; body: Buffer }>;

/** Serves a GET under a path prefix; returns the status, headers and body of the response. */
export type LocalDownload = (
  url: URL,
) => Promise<{ statusCode: number; headers: Record<string, string>; body: Buffer }>;

/** A file served on GET outside the API routes, such as the dashboard's static files. */
export interface StaticResponse {
  contentType: string;
  body: Buffer;
  /** 200 when absent. */
  statusCode?: number;
  cacheControl?: string;
}

/** A handler's answer to a route, as the client receives it; tests use it to check responses against the contract. */
export interface ObservedResponse {
  method: string;
  /** Route path with `{name}` parameters, as in `ROUTES`. */
  routePath: string;
  statusCode: number;
  contentType: string;
  body: string;
}

/** Component name to whether it is up, for `GET /health`. */
export type HealthCheck = () => Promise<Record<string, boolean>>;

export interface GatewayOptions {
  port: number;
  handlers: Record<RouteTarget, HttpHandler>;
  jwtSecret: Uint8Array;
  health: HealthCheck;
  /** Keyed by `METHOD /_local/...`. */
  localRoutes?: Record<string, LocalRoute>;
  /** Keyed by path, served on GET. */
  pages?: Record<string, LocalPage>;
  /**
   * Serves GET requests under a path prefix outside the API routes, such as the export downloads under
   * `/_local/exports/`; keyed by the prefix.
   */
  downloads?: Record<string, LocalDownload>;
  /**
   * Serves the Lambda Invoke API under `/2015-03-31/functions/`, so that a `LambdaClient` pointed at the gateway
   * invokes the local functions.
   */
  lambdaApi?: (request: LambdaApiRequest) => Promise<LambdaApiResponse>;
  /** Serves GET requests that match no route or page; undefined gives the usual 404. */
  staticFiles?: (path: string) => Promise<StaticResponse | undefined>;
  /** Called with every handler response, after it is written. */
  observeResponse?: (response: ObservedResponse) => void;
  log?: (line: string) => void;
  /** Route, tenant and integration limits (see `RateLimiter`); on with the defaults unless `false`. */
  rateLimits?: RateLimitOptions | false;
}

export interface Gateway {
  port: number;
  url: string;
  stop(): Promise<void>;
}

/** API Gateway's payload limit for HTTP APIs. */
export const MAX_REQUEST_BYTES = 10 * 1024 * 1024;
const HANDLER_TIMEOUT_MS = 30_000;

class PayloadTooLarge extends Error {}

/** Starts the gateway on 127.0.0.1; throws `PortInUseError` when the port is taken. */
export async function startGateway(options: GatewayOptions): Promise<Gateway> {
  const log = options.log ?? (() => {});
  const limiter = options.rateLimits === false ? undefined : new RateLimiter(options.rateLimits);
  const server: Server = createServer((request, response) => {
    const requestId = newRequestId();
    handleRequest(options, limiter, request, response, requestId).catch((error: unknown) => {
      const path = truncateForLog(request.url?.split('?')[0] ?? '');
      log(`Gateway failed to respond to ${request.method} ${path}: ${describe(error)}`);
      if (!response.headersSent) {
        writeJson(response, 500, { message: 'Internal Server Error' }, requestId);
      } else {
        response.destroy();
      }
    });
  });

  let port: number;
  try {
    port = await listenOnLoopback(server, options.port);
  } catch (error) {
    if (isAddressInUse(error)) {
      throw new PortInUseError(`Port ${options.port} is already in use; set PORT to another port`, { cause: error });
    }
    throw error;
  }
  return {
    port,
    url: `http://${LOOPBACK}:${port}`,
    stop: () =>
      new Promise<void>((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()));
        server.closeAllConnections();
      }),
  };
}

async function handleRequest(
  options: GatewayOptions,
  limiter: RateLimiter | undefined,
  request: IncomingMessage,
  response: ServerResponse,
  requestId: string,
): Promise<void> {
  const url = new URL(request.url ?? '/', `http://${LOOPBACK}`);
  const method = request.method ?? 'GET';

  let body: Buffer;
  try {
    body = await readBody(request);
  } catch (error) {
    if (error instanceof PayloadTooLarge) {
      response.setHeader('connection', 'close');
      writeJson(response, 413, { message: 'Request Entity Too Large' }, requestId);
      return;
    }
    throw error;
  }

  if (method === 'GET' && url.pathname === '/health') {
    const components = await options.health();
    const healthy = Object.values(components).every(Boolean);
    const status = Object.fromEntries(Object.entries(components).map(([name, up]) => [name, up ? 'up' : 'down']));
    writeJson(response, healthy ? 200 : 503, { status: healthy ? 'ok' : 'degraded', ...status }, requestId);
    return;
  }

  const page = method === 'GET' ? options.pages?.[url.pathname] : undefined;
  if (page) {
    const { contentType, body: pageBody } = await page();
    response.writeHead(200, { 'content-type': contentType, 'x-request-id': requestId });
    response.end(pageBody);
    return;
  }

  const download =
    method === 'GET'
      ? Object.entries(options.downloads ?? {}).find(([prefix]) => url.pathname.startsWith(prefix))?.[1]
      : undefined;
  if (download) {
    const file = await download(url);
    response.writeHead(file.statusCode, { ...file.headers, 'x-request-id': requestId });
    response.end(file.body);
    return;
  }

  if (options.lambdaApi && url.pathname.startsWith(LAMBDA_INVOKE_PATH)) {
    const result = await options.lambdaApi({ method, path: url.pathname, headers: request.headers, body });
    response.writeHead(result.statusCode, { ...result.headers, 'x-amzn-requestid': requestId });
    response.end(result.body);
    return;
  }

  const localRoute = options.localRoutes?.[`${method} ${url.pathname}`];
  if (localRoute) {
    const result = await localRoute(body);
    writeJson(response, result.statusCode, result.body, requestId);
    return;
  }

  const match = findRoute(method, url.pathname);
  if (!match) {
    const file = method === 'GET' ? await options.staticFiles?.(url.pathname) : undefined;
    if (file) {
      response.writeHead(file.statusCode ?? 200, {
        'content-type': file.contentType,
        'x-request-id': requestId,
        'x-content-type-options': 'nosniff',
        ...(file.cacheControl ? { 'cache-control': file.cacheControl } : {}),
      });
      response.end(file.body);
      return;
    }
    writeJson(response, 404, { message: 'Not Found' }, requestId);
    return;
  }

  // A throttled request reaches neither the authorizer nor the handler. The body is the gateway's own, without
  // an error code, as the OpenAPI document describes API Gateway's 429.
  const rejection = limiter?.admit(match.route, match.pathParameters);
  if (rejection) {
    response.setHeader('retry-after', String(rejection.retryAfterSeconds));
    writeJson(response, 429, { message: 'Too Many Requests' }, requestId);
    return;
  }

  let claims: JwtClaims | undefined;
  if (match.route.auth === 'jwt') {
    claims = await authorize(options.jwtSecret, request.headers.authorization);
    if (!claims) {
      response.setHeader('www-authenticate', 'Bearer');
      writeJson(response, 401, { message: 'Unauthorized' }, requestId);
      return;
    }
  }

  const routeKey = `${match.route.method} ${match.route.path}`;
  const event = toGatewayEvent({
    request,
    url,
    routeKey,
    pathParameters: match.pathParameters,
    body,
    requestId,
    claims,
  });
  const handler = options.handlers[match.route.target];
  let result: APIGatewayProxyResultV2;
  try {
    result = await handler(event, createLambdaContext(match.route.target, HANDLER_TIMEOUT_MS));
  } catch (error) {
    // Lambda reports an unhandled error, and API Gateway returns 500 without detail.
    options.log?.(`Handler ${match.route.target} threw on ${routeKey}: ${describe(error)}`);
    writeJson(response, 500, { message: 'Internal Server Error' }, requestId);
    return;
  }
  writeResult(response, result, requestId);
  if (options.observeResponse && typeof result === 'object') {
    const headers = Object.fromEntries(
      Object.entries(result.headers ?? {}).map(([name, value]) => [name.toLowerCase(), value]),
    );
    options.observeResponse({
      method: match.route.method,
      routePath: match.route.path,
      statusCode: result.statusCode ?? 200,
      contentType: String(headers['content-type'] ?? ''),
      body: result.isBase64Encoded ? Buffer.from(result.body ?? '', 'base64').toString('utf8') : (result.body ?? ''),
    });
  }
}

function findRoute(
  method: string,
  path: string,
): { route: RouteDefinition; pathParameters: Record<string, string> } | undefined {
  // API Gateway prefers the most specific route, so `/v1/leads/export.csv` wins over `/v1/leads/{leadId}`:
  // among the matches, the one with the fewest path parameters is taken.
  let best: { route: RouteDefinition; pathParameters: Record<string, string> } | undefined;
  for (const route of ROUTES) {
    if (route.method !== method) {
      continue;
    }
    let pathParameters: Record<string, string> | null;
    try {
      pathParameters = matchRoute(route.path, path);
    } catch {
      // A malformed percent-encoding in the path matches no route.
      pathParameters = null;
    }
    if (pathParameters && (!best || Object.keys(pathParameters).length < Object.keys(best.pathParameters).length)) {
      best = { route, pathParameters };
    }
  }
  return best;
}

/** Returns the string claims of a valid bearer token, or undefined; API Gateway also accepts the bare token. */
async function authorize(secret: Uint8Array, header: string | undefined): Promise<JwtClaims | undefined> {
  const token = header?.replace(/^Bearer\s+/i, '').trim();
  if (!token) {
    return undefined;
  }
  try {
    return stringifyClaims(await verifyDevToken(secret, token));
  } catch {
    return undefined;
  }
}

/** Reads the body; past the limit it rejects at once but keeps consuming, so the client can read the 413. */
function readBody(request: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = Number(request.headers['content-length'] ?? 0) > MAX_REQUEST_BYTES ? Number.POSITIVE_INFINITY : 0;
    if (size > MAX_REQUEST_BYTES) {
      reject(new PayloadTooLarge());
    }
    request.on('data', (chunk: Buffer) => {
      if (size > MAX_REQUEST_BYTES) {
        return;
      }
      size += chunk.length;
      if (size > MAX_REQUEST_BYTES) {
        chunks.length = 0;
        reject(new PayloadTooLarge());
        return;
      }
      chunks.push(chunk);
    });
    request.on('end', () => resolve(Buffer.concat(chunks)));
    request.on('error', reject);
  });
}

/** The error's name and message, cut like every logged string, because messages can quote request values. */
function describe(error: unknown): string {
  return truncateForLog(error instanceof Error ? `${error.name}: ${error.message}` : String(error));
}
