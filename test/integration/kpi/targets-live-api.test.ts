import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type {
  APIGatewayProxyEventV2WithJWTAuthorizer,
  APIGatewayProxyStructuredResultV2,
  Context,
  DynamoDBStreamEvent,
} from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { ensureTable } from '#infra/local/dynamodb-local';
import { DynamoDbAggregateStore } from '#shared/adapters/aggregates-dynamodb';
import { FsObjectStore } from '#shared/adapters/object-store-fs';
import { DynamoTenantRepository } from '#shared/adapters/tenant-repository-dynamodb';
import {
  attainmentReportSchema,
  liveReportSchema,
  pacingReportSchema,
  targetUploadResultSchema,
} from '#shared/api/resource-schemas';
import { decodeRows } from '#shared/lake/parquet';
import type { Lead } from '#shared/lead/model';
import { deriveLeadState } from '#shared/lifecycle/derive';
import { AGGREGATES_TABLE, LEADS_TABLE } from '#shared/store/tables';
import { type LocalDynamoDb, startLocalDynamoDb } from '#test/integration/kpi/dynamodb-local';
import { aDailyCell } from '#test/unit/kpi/cells';
import { buildLead, buildStreamRecord, leadItem } from '#test/unit/lake/stream-records';
import { aLeadEvent, demoSite, demoTenant } from '#test/unit/lifecycle/factories';

type ApiHandler = (event: APIGatewayProxyEventV2WithJWTAuthorizer, context: Context) => Promise<unknown>;
type StreamHandler = (event: DynamoDBStreamEvent, context: Context) => Promise<unknown>;

const ADMIN = { tenant: 'demo', role: 'group-admin', sites: '*', sub: 'admin-1' };
/** Thursday 11 June 2026, 12:00 in Paris. */
const NOW = new Date('2026-06-11T10:00:00.000Z');
const context = { functionName: 'test', awsRequestId: 'request-1', getRemainingTimeInMillis: () => 30_000 } as Context;

function apiEvent(
  routeKey: string,
  options: { query?: Record<string, string>; body?: unknown; claims?: Record<string, string> } = {},
): APIGatewayProxyEventV2WithJWTAuthorizer {
  const [method = 'GET', path = '/'] = routeKey.split(' ');
  return {
    version: '2.0',
    routeKey,
    rawPath: path,
    rawQueryString: new URLSearchParams(options.query).toString(),
    headers: { 'content-type': 'application/json' },
    queryStringParameters: options.query,
    body: options.body === undefined ? undefined : JSON.stringify(options.body),
    isBase64Encoded: false,
    requestContext: {
      accountId: 'local',
      apiId: 'local',
      domainName: 'localhost',
      domainPrefix: 'localhost',
      http: { method, path, protocol: 'HTTP/1.1', sourceIp: '127.0.0.1', userAgent: 'test' },
      requestId: 'req-1',
      routeKey,
      stage: '$default',
      time: '11/Jun/2026:10:00:00 +0000',
      timeEpoch: NOW.getTime(),
      authorizer: { principalId: 'user', integrationLatency: 0, jwt: { claims: options.claims ?? ADMIN, scopes: [] } },
    },
  };
}

async function call(handler: ApiHandler, event: APIGatewayProxyEventV2WithJWTAuthorizer) {
  const response = (await handler(event, context)) as APIGatewayProxyStructuredResultV2;
  return { status: response.statusCode, body: JSON.parse(String(response.body)) as unknown };
}

/** Builds a lead of Amiens Nord received today at the given UTC time, with an optional first human contact. */
function todaysLead(leadId: string, receivedAt: string, contactedAt?: string): Lead {
  const lifecycle =
    contactedAt === undefined
      ? undefined
      : deriveLeadState([aLeadEvent({ occurredAt: contactedAt })], {
          receivedAt,
          site: demoSite('amiens-nord'),
          defaultTimeZone: 'Europe/Paris',
        }).lifecycle;
  return buildLead({
    leadId,
    receivedAt,
    submittedAt: receivedAt,
    datedAt: receivedAt,
    localDate: '2026-06-11',
    ...(lifecycle ? { lifecycle } : {}),
  });
}

describe('targets, pacing and live counts through the handlers on DynamoDB Local', () => {
  let dynamoDb: LocalDynamoDb;
  let lakeRoot: string;
  let api: ApiHandler;
  let streamToLake: StreamHandler;

  beforeAll(async () => {
    dynamoDb = await startLocalDynamoDb(AGGREGATES_TABLE, 'aggregates');
    await ensureTable(dynamoDb.client, 'leads', LEADS_TABLE);
    await new DynamoTenantRepository({ client: dynamoDb.documentClient, tableName: 'leads' }).put(demoTenant);
    lakeRoot = await mkdtemp(join(tmpdir(), 'leadpilot-live-'));
    const endpoint = await dynamoDb.client.config.endpoint?.();
    vi.stubEnv('DYNAMODB_ENDPOINT', `${endpoint?.protocol}//${endpoint?.hostname}:${endpoint?.port}`);
    vi.stubEnv('AWS_ACCESS_KEY_ID', 'local');
    vi.stubEnv('AWS_SECRET_ACCESS_KEY', 'local');
    vi.stubEnv('LEADS_TABLE_NAME', 'leads');
    vi.stubEnv('AGGREGATES_TABLE_NAME', 'aggregates');
    vi.stubEnv('SECRETS_BACKEND', 'file');
    vi.stubEnv('SECRETS_FILE', join(lakeRoot, 'secrets.json'));
    vi.stubEnv('LAKE_URI', pathToFileURL(lakeRoot).href);
    // Only Date is faked, so the SDK's timers and sockets run as usual.
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(NOW);
    vi.resetModules();
    ({ handler: api } = (await import('#functions/api')) as unknown as { handler: ApiHandler });
    ({ handler: streamToLake } = (await import('#functions/stream-to-lake')) as unknown as {
      handler: StreamHandler;
    });
  });

  afterAll(async () => {
    vi.useRealTimers();
    vi.unstubAllEnvs();
    dynamoDb?.stop();
    await rm(lakeRoot, { recursive: true, force: true });
  });

  it('stores targets and reports their attainment and pacing', async () => {
    await new DynamoDbAggregateStore({ client: dynamoDb.documentClient, tableName: 'aggregates' }).replaceDays(
      'demo',
      '2026-05-01',
      '2026-06-10',
      [
        aDailyCell({ date: '2026-05-12', leads: 10, handled: 9, handledInTime: 9 }),
        aDailyCell({ date: '2026-05-13', siteId: 'abbeville', leads: 10, handled: 7, handledInTime: 5 }),
        aDailyCell({ date: '2026-06-02', leads: 4 }),
        aDailyCell({ date: '2026-06-05', basis: 'activity', leads: 0, sales: 1 }),
      ],
      { runId: 'run-1', finishedAt: '2026-06-11T02:00:00.000Z' },
    );
    const rows = [
      { month: '2026-05', scope: 'site', scopeId: 'amiens-nord', kpi: 'handledWithinOneBusinessHourRate', target: 0.9 },
      { month: '2026-05', scope: 'site', scopeId: 'abbeville', kpi: 'handledWithinOneBusinessHourRate', target: 0.9 },
      { month: '2026-06', scope: 'group', kpi: 'leads', target: 15 },
      { month: '2026-06', scope: 'group', kpi: 'sales', target: 2 },
    ];

    const put = await call(api, apiEvent('PUT /v1/targets', { body: { rows } }));
    const forbidden = await call(
      api,
      apiEvent('PUT /v1/targets', { body: { rows }, claims: { ...ADMIN, role: 'site-manager' } }),
    );
    const attainment = await call(
      api,
      apiEvent('GET /v1/targets/attainment', { query: { from: '2026-05', to: '2026-06' } }),
    );
    const managerView = await call(
      api,
      apiEvent('GET /v1/targets/attainment', {
        query: { month: '2026-05' },
        claims: { ...ADMIN, role: 'site-manager', sites: 'abbeville' },
      }),
    );
    const pacing = await call(api, apiEvent('GET /v1/kpis/pacing', { query: { month: '2026-06' } }));

    expect(put).toEqual({ status: 200, body: { months: ['2026-05', '2026-06'], rows: 4 } });
    expect(targetUploadResultSchema.safeParse(put.body).success).toBe(true);
    expect(attainmentReportSchema.safeParse(attainment.body).success).toBe(true);
    expect(pacingReportSchema.safeParse(pacing.body).success).toBe(true);
    expect(forbidden.status).toBe(403);
    const closed = { direction: 'higher', basis: 'cohort', monthStatus: 'closed', pacing: null };
    const current = { direction: 'higher', monthStatus: 'current' };
    expect(attainment).toEqual({
      status: 200,
      body: {
        from: '2026-05',
        to: '2026-06',
        rows: [
          { ...rows[1], ...closed, actual: 0.5, attained: false },
          { ...rows[0], ...closed, actual: 0.9, attained: true },
          // 4 leads over 10 elapsed days of 30: 12 projected against 15.
          {
            ...rows[2],
            ...current,
            basis: 'cohort',
            actual: 4,
            attained: false,
            pacing: { projected: 12, projectedAttained: false },
          },
          {
            ...rows[3],
            ...current,
            basis: 'activity',
            actual: 1,
            attained: false,
            pacing: { projected: 3, projectedAttained: true },
          },
        ],
      },
    });
    expect(managerView.body).toEqual({
      from: '2026-05',
      to: '2026-05',
      rows: [{ ...rows[1], ...closed, actual: 0.5, attained: false }],
    });
    expect(pacing.status).toBe(200);
    expect(pacing.body).toMatchObject({
      month: '2026-06',
      status: 'current',
      today: '2026-06-11',
      elapsedDays: 10,
      totals: {
        leads: { monthToDate: 4, projected: 12 },
        sales: { monthToDate: 1, projected: 3 },
        revenue: { monthToDate: 0, projected: 0 },
        grossMargin: { monthToDate: 0, projected: 0 },
        spend: { monthToDate: 0, projected: 0 },
      },
    });
  });

  it('counts leads live from the stream, and a redelivery changes nothing', async () => {
    const waiting = todaysLead('ld_live0000000000000000000001', '2026-06-11T07:00:00.000Z');
    const handledLater = todaysLead(
      'ld_live0000000000000000000002',
      '2026-06-11T07:30:00.000Z',
      '2026-06-11T07:45:00.000Z',
    );
    const event: DynamoDBStreamEvent = {
      Records: [
        buildStreamRecord({ eventId: 'live-1', sequenceNumber: '100', newItem: leadItem(waiting) }),
        buildStreamRecord({
          eventId: 'live-2',
          sequenceNumber: '200',
          newItem: leadItem({ ...handledLater, lifecycle: undefined }),
        }),
        buildStreamRecord({
          eventId: 'live-3',
          sequenceNumber: '300',
          eventName: 'MODIFY',
          newItem: leadItem(handledLater),
        }),
      ],
    };

    const first = await streamToLake(event, context);
    const redelivery = await streamToLake(event, context);
    const live = await call(api, apiEvent('GET /v1/kpis/live'));

    expect(first).toEqual({ batchItemFailures: [] });
    expect(redelivery).toEqual({ batchItemFailures: [] });
    expect(liveReportSchema.safeParse(live.body).success).toBe(true);
    expect(live).toEqual({
      status: 200,
      body: {
        source: 'live',
        asOf: '2026-06-11T10:00:00.000Z',
        rows: [
          { site: 'abbeville', date: '2026-06-11', leads: 0, handled: 0, waiting: 0 },
          { site: 'amiens-nord', date: '2026-06-11', leads: 2, handled: 1, waiting: 1 },
          { site: 'saint-denis-reunion', date: '2026-06-11', leads: 0, handled: 0, waiting: 0 },
        ],
        totals: { leads: 2, handled: 1, waiting: 1 },
        waitingLeads: [
          {
            leadId: 'ld_live0000000000000000000001',
            site: 'amiens-nord',
            source: 'google-ads',
            receivedAt: '2026-06-11T07:00:00.000Z',
            localDate: '2026-06-11',
            waitedBusinessMinutes: 180,
            waitedMinutes: 180,
          },
        ],
      },
    });
  });

  it('fails the records whose live update failed, after their lake write', async () => {
    vi.stubEnv('AGGREGATES_TABLE_NAME', 'missing-table');
    vi.resetModules();
    const { handler } = (await import('#functions/stream-to-lake')) as unknown as { handler: StreamHandler };
    const lead = todaysLead('ld_live0000000000000000000003', '2026-06-11T08:00:00.000Z');

    const response = await handler(
      { Records: [buildStreamRecord({ eventId: 'live-4', sequenceNumber: '400', newItem: leadItem(lead) })] },
      context,
    );

    expect(response).toEqual({ batchItemFailures: [{ itemIdentifier: '400' }] });
    const lake = new FsObjectStore(lakeRoot);
    const objects = await Promise.all(
      (await lake.list('lead_changes/')).map(async (key) => decodeRows((await lake.get(key)) ?? new Uint8Array())),
    );
    expect(objects.flat().map((row) => row.event_id)).toContain('live-4');
    vi.stubEnv('AGGREGATES_TABLE_NAME', 'aggregates');
  });
});
