import { GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import type { APIGatewayProxyEventV2WithJWTAuthorizer, Context } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { DynamoLeadEventStore } from '#shared/adapters/lead-events-dynamodb';
import { DynamoTenantRepository } from '#shared/adapters/tenant-repository-dynamodb';
import { deriveLeadState } from '#shared/lifecycle/derive';
import { LEADS_TABLE, leadKeys } from '#shared/store/tables';
import { type LocalDynamoDb, startLocalDynamoDb } from '#test/integration/kpi/dynamodb-local';
import { buildLead, leadItem } from '#test/unit/lake/stream-records';
import { aLeadEvent, demoSite, demoTenant } from '#test/unit/lifecycle/factories';

const TABLE_NAME = 'leads';
const lead = buildLead({ leadId: 'ld_aaaaaaaaaaaaaaaaaaaaaaaaab', receivedAt: '2026-11-07T17:30:00.000Z' });

function apiEvent(
  body: unknown,
  claims: Record<string, string> = { tenant: 'demo', role: 'group-admin', sites: '*', sub: 'user-1' },
): APIGatewayProxyEventV2WithJWTAuthorizer {
  return {
    version: '2.0',
    routeKey: 'POST /v1/leads/{leadId}/events',
    rawPath: `/v1/leads/${lead.leadId}/events`,
    rawQueryString: '',
    headers: { 'content-type': 'application/json' },
    pathParameters: { leadId: lead.leadId },
    body: typeof body === 'string' ? body : JSON.stringify(body),
    isBase64Encoded: false,
    requestContext: {
      accountId: 'local',
      apiId: 'local',
      domainName: 'localhost',
      domainPrefix: 'localhost',
      http: {
        method: 'POST',
        path: `/v1/leads/${lead.leadId}/events`,
        protocol: 'HTTP/1.1',
        sourceIp: '127.0.0.1',
        userAgent: 'test',
      },
      requestId: 'req-1',
      routeKey: 'POST /v1/leads/{leadId}/events',
      stage: '$default',
      time: '09/Nov/2026:10:00:00 +0000',
      timeEpoch: 1_794_218_400_000,
      authorizer: { principalId: 'user-1', integrationLatency: 0, jwt: { claims, scopes: [] } },
    },
  };
}

const context = { functionName: 'api', awsRequestId: 'request-1' } as Context;

describe('lead events on DynamoDB Local', () => {
  let dynamoDb: LocalDynamoDb;
  let store: DynamoLeadEventStore;

  beforeAll(async () => {
    dynamoDb = await startLocalDynamoDb(LEADS_TABLE, TABLE_NAME);
    store = new DynamoLeadEventStore({ client: dynamoDb.documentClient, tableName: TABLE_NAME });
    await dynamoDb.documentClient.send(new PutCommand({ TableName: TABLE_NAME, Item: leadItem(lead) }));
    await new DynamoTenantRepository({ client: dynamoDb.documentClient, tableName: TABLE_NAME }).put(demoTenant);
    const endpoint = await dynamoDb.client.config.endpoint?.();
    vi.stubEnv('DYNAMODB_ENDPOINT', `${endpoint?.protocol}//${endpoint?.hostname}:${endpoint?.port}`);
    vi.stubEnv('AWS_ACCESS_KEY_ID', 'local');
    vi.stubEnv('AWS_SECRET_ACCESS_KEY', 'local');
    vi.stubEnv('LEADS_TABLE_NAME', TABLE_NAME);
    vi.stubEnv('AGGREGATES_TABLE_NAME', 'aggregates');
    // Erasure reads the person-id key from the secret store; these tests never erase, so no file is needed.
    vi.stubEnv('SECRETS_BACKEND', 'file');
    vi.stubEnv('SECRETS_FILE', 'unused-secrets.json');
  });

  afterAll(() => {
    vi.unstubAllEnvs();
    dynamoDb?.stop();
  });

  it('stores an event id once, even when the repeat has another time', async () => {
    const input = aLeadEvent({ eventId: 'once' });
    const event = { ...input, tenantId: 'demo', leadId: 'ld-once', recordedAt: '2026-11-09T08:00:01.000Z' };

    const first = await store.append(event);
    const repeat = await store.append({ ...event, occurredAt: '2026-11-10T08:00:00.000Z' });

    expect([first, repeat]).toEqual(['accepted', 'duplicate']);
    expect(await store.list('demo', 'ld-once')).toEqual([input]);
  });

  it('keeps a state derived from more events than a stale one', async () => {
    const timing = { receivedAt: lead.receivedAt, site: demoSite('amiens-nord'), defaultTimeZone: 'Europe/Paris' };
    const newer = deriveLeadState([aLeadEvent(), aLeadEvent({ type: 'test-drive' })], timing);
    const older = deriveLeadState([aLeadEvent()], timing);

    const saved = await store.saveDerivedState('demo', lead.leadId, newer);
    const stale = await store.saveDerivedState('demo', lead.leadId, older);
    const item = await dynamoDb.documentClient.send(
      new GetCommand({ TableName: TABLE_NAME, Key: { pk: leadKeys.pk('demo', lead.leadId), sk: leadKeys.sk } }),
    );

    expect([saved, stale]).toEqual(['saved', 'stale']);
    expect(item.Item?.status).toBe('test-drive');
    expect(item.Item?.contact).toEqual(lead.contact);
  });

  it('answers 202 with accepted and duplicate ids and derives the lead state', async () => {
    const { handler } = await import('#functions/api');
    const events = [
      aLeadEvent({
        eventId: 'api-assign',
        type: 'assigned',
        salespersonId: 's-amiens-1',
        occurredAt: '2026-11-07T17:40:00.000Z',
      }),
      aLeadEvent({ eventId: 'api-call', occurredAt: '2026-11-09T08:00:00.000Z' }),
    ];

    const first = await handler(apiEvent({ events }), context);
    const repeat = await handler(apiEvent(events[1]), context);
    const item = await dynamoDb.documentClient.send(
      new GetCommand({ TableName: TABLE_NAME, Key: { pk: leadKeys.pk('demo', lead.leadId), sk: leadKeys.sk } }),
    );

    expect(first).toMatchObject({ statusCode: 202 });
    expect(JSON.parse(String(first.body))).toEqual({ accepted: ['api-assign', 'api-call'], duplicates: [] });
    expect(JSON.parse(String(repeat.body))).toEqual({ accepted: [], duplicates: ['api-call'] });
    expect(item.Item?.lifecycle).toMatchObject({
      assignedSalespersonId: 's-amiens-1',
      firstHumanContactAt: '2026-11-09T08:00:00.000Z',
      timeToFirstContactBusinessMinutes: 30,
      timeToFirstContactRawMinutes: 2310,
    });
  });

  it.each([
    ['403 to finance', { tenant: 'demo', role: 'finance', sites: '*', sub: 'f-1' }, aLeadEvent(), 403],
    [
      '404 to a site manager of another site',
      { tenant: 'demo', role: 'site-manager', sites: 'abbeville', sub: 'm-1' },
      aLeadEvent(),
      404,
    ],
    [
      '404 to a salesperson the lead is not assigned to',
      { tenant: 'demo', role: 'salesperson', sites: 'amiens-nord', sub: 's-amiens-2' },
      aLeadEvent(),
      404,
    ],
    ['400 to a body that is not JSON', undefined, '{"events": [', 400],
    ['400 to a batch over 100 events', undefined, { events: Array.from({ length: 101 }, () => aLeadEvent()) }, 400],
  ])('answers %s', async (_case, claims, body, statusCode) => {
    const { handler } = await import('#functions/api');

    const response = await handler(apiEvent(body, claims), context);

    expect(response.statusCode).toBe(statusCode);
  });
});
