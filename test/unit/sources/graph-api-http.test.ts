import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { HttpGraphApi, parseRetryAfter } from '#shared/adapters/graph-api-http';
import { GraphApiError, GraphLeadNotFoundError } from '#shared/sources/errors';

type Reply = (response: ServerResponse) => void;

const lead = '{"id":"920000000000001","form_id":330000000000000001,"field_data":[]}';
const json =
  (status: number, body: string, headers: Record<string, string> = {}): Reply =>
  (response) => {
    response.writeHead(status, { 'content-type': 'application/json', ...headers }).end(body);
  };
const silent: Reply = () => {};

let server: Server;
let baseUrl: string;
let replies: Reply[] = [];
let requests: string[] = [];

beforeAll(async () => {
  server = createServer((request: IncomingMessage, response: ServerResponse) => {
    requests.push(request.url ?? '');
    const reply = replies.shift() ?? json(500, '{}');
    reply(response);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/v21.0`;
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

beforeEach(() => {
  replies = [];
  requests = [];
});

function aClient(options: { timeoutMs?: number; maxAttempts?: number } = {}): HttpGraphApi {
  return new HttpGraphApi({ baseUrl, baseDelayMs: 5, maxDelayMs: 50, ...options });
}

describe('HttpGraphApi', () => {
  it('fetches a lead with the access token and keeps int64 ids exact', async () => {
    replies = [json(200, lead)];

    const result = await aClient().fetchLead('920000000000001', 'page-token');

    expect(result).toEqual({ id: '920000000000001', form_id: '330000000000000001', field_data: [] });
    expect(requests).toEqual(['/v21.0/920000000000001?access_token=page-token']);
  });

  it('omits the access token when there is none', async () => {
    replies = [json(200, lead)];

    await aClient().fetchLead('920000000000001', undefined);

    expect(requests).toEqual(['/v21.0/920000000000001']);
  });

  it('retries a 429 honouring Retry-After, then returns the lead', async () => {
    replies = [json(429, '{}', { 'retry-after': '0' }), json(200, lead)];

    await expect(aClient().fetchLead('920000000000001', undefined)).resolves.toMatchObject({ id: '920000000000001' });
    expect(requests).toHaveLength(2);
  });

  it('throws GraphApiError after every attempt failed with 5xx', async () => {
    replies = [json(500, '{}'), json(502, '{}'), json(503, '{}')];

    const failure = aClient().fetchLead('920000000000001', 'page-token');

    await expect(failure).rejects.toThrow(
      new GraphApiError('Graph API lead request failed after 3 attempts (last status: 503)'),
    );
    await expect(failure).rejects.toMatchObject({ code: 'GRAPH_API_UNAVAILABLE', httpStatus: 503 });
    expect(requests).toHaveLength(3);
  });

  it('times out a slow response and retries it', async () => {
    replies = [silent, json(200, lead)];

    await expect(aClient({ timeoutMs: 200 }).fetchLead('920000000000001', undefined)).resolves.toMatchObject({
      id: '920000000000001',
    });
    expect(requests).toHaveLength(2);
  });

  it('throws GraphApiError when every attempt times out', async () => {
    replies = [silent, silent];

    await expect(aClient({ timeoutMs: 100, maxAttempts: 2 }).fetchLead('1', undefined)).rejects.toThrow(
      new GraphApiError('Graph API lead request failed after 2 attempts (last status: no response)'),
    );
  });

  it('throws GraphLeadNotFoundError at once for another 4xx', async () => {
    replies = [json(400, '{"error":{"message":"Unsupported get request"}}')];

    const failure = aClient().fetchLead('920000000000001', 'page-token');

    await expect(failure).rejects.toBeInstanceOf(GraphLeadNotFoundError);
    await expect(failure).rejects.toMatchObject({ code: 'GRAPH_LEAD_NOT_FOUND', httpStatus: 404, upstreamStatus: 400 });
    expect(requests).toHaveLength(1);
  });

  it('treats a network error as retryable', async () => {
    const refused = new HttpGraphApi({ baseUrl: 'http://127.0.0.1:1', baseDelayMs: 1, maxAttempts: 2 });

    await expect(refused.fetchLead('1', undefined)).rejects.toBeInstanceOf(GraphApiError);
  });

  it('never puts the access token in the error message', async () => {
    replies = [json(500, '{}')];

    await expect(aClient({ maxAttempts: 1 }).fetchLead('1', 'secret-token')).rejects.not.toThrow(/secret-token/);
  });
});

describe('parseRetryAfter', () => {
  it('reads delta seconds', () => {
    expect(parseRetryAfter('3')).toBe(3000);
  });

  it('reads an HTTP date as the time left until it', () => {
    const inOneMinute = new Date(Date.now() + 60_000).toUTCString();

    expect(parseRetryAfter(inOneMinute)).toBeGreaterThan(55_000);
    expect(parseRetryAfter('Thu, 01 Jan 1970 00:00:00 GMT')).toBe(0);
  });

  it('returns null when absent or unreadable', () => {
    expect(parseRetryAfter(null)).toBeNull();
    expect(parseRetryAfter('soon')).toBeNull();
  });
});
