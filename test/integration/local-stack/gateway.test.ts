/** The local gateway: request to payload 2.0 event, JWT authorizer, result to response. No DynamoDB involved. */
import { randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { request as httpRequest } from 'node:http';
import { join } from 'node:path';
import type {
  APIGatewayProxyEventV2,
  APIGatewayProxyEventV2WithJWTAuthorizer,
  APIGatewayProxyResultV2,
} from 'aws-lambda';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { issueDevToken } from '#infra/local/dev-token';
import { PortInUseError } from '#infra/local/errors';
import { type Gateway, type HttpHandler, startGateway } from '#infra/local/gateway';
import { LEAD_FIXTURES_DIR } from '#test/support/local-stack';

const secret = randomBytes(32);

describe('local gateway', () => {
  let gateway: Gateway;
  let events: APIGatewayProxyEventV2[];
  let nextResult: APIGatewayProxyResultV2;
  let healthy: boolean;

  const recordingHandler: HttpHandler = async (event) => {
    events.push(event);
    return nextResult;
  };

  beforeAll(async () => {
    gateway = await startGateway({
      port: 0,
      handlers: { webhook: recordingHandler, api: recordingHandler },
      jwtSecret: secret,
      health: async () => ({ dynamodb: healthy, streamPoller: true, graphApi: true }),
      localRoutes: { 'POST /_local/echo': async (body) => ({ statusCode: 200, body: { bytes: body.length } }) },
    });
  });

  afterAll(async () => {
    await gateway?.stop();
  });

  beforeEach(() => {
    events = [];
    nextResult = { statusCode: 202, headers: { 'content-type': 'application/json' }, body: '{"ok":true}' };
    healthy = true;
  });

  it('passes a latin-1 XML body byte-exact as base64', async () => {
    const bytes = await readFile(join(LEAD_FIXTURES_DIR, 'adf/website-latin1.xml'));

    const response = await fetch(`${gateway.url}/v1/webhooks/demo/website-adf`, {
      method: 'POST',
      headers: { 'content-type': 'application/xml' },
      body: bytes,
    });

    expect(response.status).toBe(202);
    expect(events).toHaveLength(1);
    expect(events[0]?.isBase64Encoded).toBe(true);
    expect(Buffer.from(events[0]?.body ?? '', 'base64').equals(bytes)).toBe(true);
  });

  it('passes a UTF-8 JSON body as text', async () => {
    const text = '{"firstName":"Hélène"}';

    await fetch(`${gateway.url}/v1/webhooks/demo/website`, {
      method: 'POST',
      headers: { 'content-type': 'application/json; charset=utf-8' },
      body: text,
    });

    expect(events[0]?.isBase64Encoded).toBe(false);
    expect(events[0]?.body).toBe(text);
  });

  it('builds a payload 2.0 event', async () => {
    const response = await new Promise<number>((resolve, reject) => {
      const request = httpRequest(
        `${gateway.url}/v1/webhooks/demo/meta-leads?hub.mode=subscribe&tag=a&tag=b`,
        {
          method: 'GET',
          headers: { 'X-Custom-Header': ['one', 'two'], Cookie: 'a=1; b=2', 'User-Agent': 'test-agent' },
        },
        (res) => {
          res.resume();
          resolve(res.statusCode ?? 0);
        },
      );
      request.on('error', reject);
      request.end();
    });

    expect(response).toBe(202);
    const event = events[0];
    expect(event).toEqual({
      version: '2.0',
      routeKey: 'GET /v1/webhooks/{tenantId}/{integrationId}',
      rawPath: '/v1/webhooks/demo/meta-leads',
      rawQueryString: 'hub.mode=subscribe&tag=a&tag=b',
      cookies: ['a=1', 'b=2'],
      headers: {
        host: expect.stringMatching(/^127\.0\.0\.1:\d+$/),
        connection: expect.any(String),
        'x-custom-header': 'one,two',
        'user-agent': 'test-agent',
      },
      queryStringParameters: { 'hub.mode': 'subscribe', tag: 'a,b' },
      pathParameters: { tenantId: 'demo', integrationId: 'meta-leads' },
      requestContext: {
        accountId: 'local',
        apiId: 'local',
        domainName: expect.stringMatching(/^127\.0\.0\.1:\d+$/),
        domainPrefix: '127',
        http: {
          method: 'GET',
          path: '/v1/webhooks/demo/meta-leads',
          protocol: 'HTTP/1.1',
          sourceIp: '127.0.0.1',
          userAgent: 'test-agent',
        },
        requestId: expect.any(String),
        routeKey: 'GET /v1/webhooks/{tenantId}/{integrationId}',
        stage: '$default',
        time: expect.stringMatching(/^\d{2}\/[A-Z][a-z]{2}\/\d{4}:\d{2}:\d{2}:\d{2} \+0000$/),
        timeEpoch: expect.any(Number),
      },
      isBase64Encoded: false,
    });
  });

  it('rejects a JWT route without a token', async () => {
    const response = await fetch(`${gateway.url}/v1/kpis?from=2026-11-01&to=2026-11-30&groupBy=source`);

    expect(response.status).toBe(401);
    expect(await response.json()).toEqual({ message: 'Unauthorized' });
    expect(events).toEqual([]);
  });

  it('rejects a token signed with another secret', async () => {
    const token = await issueDevToken(randomBytes(32), { tenantId: 'demo' });

    const response = await fetch(`${gateway.url}/v1/leads`, { headers: { authorization: `Bearer ${token}` } });

    expect(response.status).toBe(401);
    expect(events).toEqual([]);
  });

  it('rejects an expired token', async () => {
    const token = await issueDevToken(secret, { tenantId: 'demo', ttlSeconds: -60 });

    const response = await fetch(`${gateway.url}/v1/leads`, { headers: { authorization: `Bearer ${token}` } });

    expect(response.status).toBe(401);
  });

  it('passes the claims of a valid token as strings', async () => {
    const token = await issueDevToken(secret, { tenantId: 'demo', role: 'site-manager', sites: 'amiens-nord' });

    const response = await fetch(`${gateway.url}/v1/leads/abc`, { headers: { authorization: `Bearer ${token}` } });

    expect(response.status).toBe(202);
    const event = events[0] as APIGatewayProxyEventV2WithJWTAuthorizer;
    expect(event.requestContext.authorizer.jwt).toEqual({
      claims: {
        tenant: 'demo',
        role: 'site-manager',
        sites: 'amiens-nord',
        aud: 'leadpilot-api',
        iss: 'leadpilot-local',
        sub: 'dev-demo-site-manager',
        iat: expect.stringMatching(/^\d+$/),
        exp: expect.stringMatching(/^\d+$/),
      },
      scopes: null,
    });
    expect(event.pathParameters).toEqual({ leadId: 'abc' });
  });

  it('answers 404 for an unknown route', async () => {
    const response = await fetch(`${gateway.url}/v1/unknown`);

    expect(response.status).toBe(404);
    expect(await response.json()).toEqual({ message: 'Not Found' });
  });

  it('rejects a body over 10 MB with 413', async () => {
    const response = await fetch(`${gateway.url}/v1/webhooks/demo/website`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: Buffer.alloc(10 * 1024 * 1024 + 1, 0x20),
    });

    expect(response.status).toBe(413);
    expect(events).toEqual([]);
  });

  it('writes back status, headers, cookies and a base64 body', async () => {
    nextResult = {
      statusCode: 201,
      headers: { 'X-Result': 'yes', 'content-type': 'application/octet-stream' },
      cookies: ['session=1; HttpOnly', 'theme=dark'],
      body: Buffer.from([0, 1, 2, 255]).toString('base64'),
      isBase64Encoded: true,
    };

    const response = await fetch(`${gateway.url}/v1/webhooks/demo/website`, { method: 'POST', body: 'x' });

    expect(response.status).toBe(201);
    expect(response.headers.get('x-result')).toBe('yes');
    expect(response.headers.getSetCookie()).toEqual(['session=1; HttpOnly', 'theme=dark']);
    expect(Buffer.from(await response.arrayBuffer())).toEqual(Buffer.from([0, 1, 2, 255]));
  });

  it('answers 500 when the handler throws', async () => {
    const failing = await startGateway({
      port: 0,
      handlers: {
        webhook: async () => {
          throw new Error('boom');
        },
        api: recordingHandler,
      },
      jwtSecret: secret,
      health: async () => ({}),
    });

    const response = await fetch(`${failing.url}/v1/webhooks/demo/website`, { method: 'POST', body: '{}' });
    await failing.stop();

    expect(response.status).toBe(500);
    expect(await response.json()).toEqual({ message: 'Internal Server Error' });
  });

  it('reports health per component', async () => {
    const up = await fetch(`${gateway.url}/health`);
    healthy = false;
    const down = await fetch(`${gateway.url}/health`);

    expect(up.status).toBe(200);
    expect(await up.json()).toEqual({ status: 'ok', dynamodb: 'up', streamPoller: 'up', graphApi: 'up' });
    expect(down.status).toBe(503);
    expect(await down.json()).toEqual({ status: 'degraded', dynamodb: 'down', streamPoller: 'up', graphApi: 'up' });
  });

  it('serves local routes with the raw body', async () => {
    const response = await fetch(`${gateway.url}/_local/echo`, { method: 'POST', body: 'abcd' });

    expect(await response.json()).toEqual({ bytes: 4 });
  });

  it('reports a busy port with the variable to change', async () => {
    const attempt = startGateway({
      port: gateway.port,
      handlers: { webhook: recordingHandler, api: recordingHandler },
      jwtSecret: secret,
      health: async () => ({}),
    });

    await expect(attempt).rejects.toThrow(PortInUseError);
    await expect(attempt).rejects.toThrow(`Port ${gateway.port} is already in use; set PORT to another port`);
  });
});
