import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { BatchWriteCommand, DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { APIGatewayProxyEventV2WithJWTAuthorizer, Context } from 'aws-lambda';
import { strFromU8, unzipSync } from 'fflate';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { type DynamoDbLocal, ensureTable, startDynamoDbLocal } from '#infra/local/dynamodb-local';
import { DynamoLeadRepository } from '#shared/adapters/lead-repository-dynamodb';
import { DynamoTenantRepository } from '#shared/adapters/tenant-repository-dynamodb';
import type { Caller } from '#shared/api/caller';
import { ExportStoreFs, serveLocalExport } from '#shared/export/export-store-fs';
import { exportLeads, LEAD_EXPORT_PAGE_SIZE } from '#shared/export/lead-export';
import type { Lead } from '#shared/lead/model';
import type { LeadRepository } from '#shared/store/lead-repository';
import { AGGREGATES_TABLE, LEADS_TABLE } from '#shared/store/tables';
import { aLead } from '#test/factories/lead';
import { leadItem } from '#test/unit/lake/stream-records';
import { demoTenant } from '#test/unit/lifecycle/factories';

/** Enough leads for two repository pages and a month boundary, small enough for a test. */
const LEAD_COUNT = 2_000;
const LINK_SECRET = 'a-local-export-link-secret-of-32-chars!';

const admin: Caller = { tenantId: 'demo', role: 'group-admin', sites: '*', subject: 'admin-1' };
const request = { from: '2026-02-01', to: '2026-03-31', locale: 'fr' } as const;

let dynamo: DynamoDbLocal;
let dataDir: string;
let leads: DynamoLeadRepository;
let tenants: DynamoTenantRepository;

function leadOfIndex(index: number): Lead {
  const day = String((index % 28) + 1).padStart(2, '0');
  const month = index % 2 === 0 ? '02' : '03';
  return aLead({
    siteId: 'amiens-nord',
    localDate: `2026-${month}-${day}`,
    datedAt: `2026-${month}-${day}T10:00:00.000Z`,
    receivedAt: `2026-${month}-${day}T10:00:00.000Z`,
  });
}

beforeAll(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'leadpilot-export-'));
  dynamo = await startDynamoDbLocal({ dataDir });
  await ensureTable(dynamo.client, 'leads', LEADS_TABLE);
  await ensureTable(dynamo.client, 'aggregates', AGGREGATES_TABLE);
  const client = DynamoDBDocumentClient.from(dynamo.client, { marshallOptions: { removeUndefinedValues: true } });
  leads = new DynamoLeadRepository({ client, tableName: 'leads' });
  tenants = new DynamoTenantRepository({ client, tableName: 'leads' });
  await tenants.put(demoTenant);

  const all = Array.from({ length: LEAD_COUNT }, (_, index) => leadOfIndex(index));
  all[0] = aLead({
    siteId: 'amiens-nord',
    localDate: '2026-03-04',
    datedAt: '2026-03-04T17:26:00.000Z',
    receivedAt: '2026-03-04T17:26:00.000Z',
  });
  for (let start = 0; start < all.length; start += 25) {
    const batch = all.slice(start, start + 25).map((lead) => ({ PutRequest: { Item: leadItem(lead) } }));
    await client.send(new BatchWriteCommand({ RequestItems: { leads: batch } }));
  }
}, 180_000);

afterAll(async () => {
  vi.unstubAllEnvs();
  await dynamo?.stop();
  await rm(dataDir, { recursive: true, force: true });
});

/** Wraps a repository and records the size of every page it returns. */
function countingPages(repository: LeadRepository): { repository: LeadRepository; pageSizes: number[] } {
  const pageSizes: number[] = [];
  const counting = Object.create(repository) as LeadRepository;
  counting.list = async (query) => {
    const page = await repository.list(query);
    pageSizes.push(page.items.length);
    return page;
  };
  return { repository: counting, pageSizes };
}

describe('exportLeads on DynamoDB Local', () => {
  it('pages through every lead of the range', async () => {
    const { repository, pageSizes } = countingPages(leads);

    const result = await exportLeads({ leads: repository, tenants }, admin, request);

    expect(result).toMatchObject({ kind: 'inline', rowCount: LEAD_COUNT });
    expect(pageSizes.length).toBeGreaterThan(1);
    expect(Math.max(...pageSizes)).toBeLessThanOrEqual(LEAD_EXPORT_PAGE_SIZE);
    expect(pageSizes.reduce((sum, size) => sum + size, 0)).toBe(LEAD_COUNT);
  });

  it('writes one CSV record per lead, in site time', async () => {
    const result = await exportLeads({ leads, tenants }, admin, request);
    const body = result.kind === 'inline' ? result.body : '';
    const records = body.split('\r\n').filter((line) => line !== '');

    expect(records).toHaveLength(LEAD_COUNT + 1);
    expect(records[0]?.startsWith('\uFEFFIdentifiant du lead;Reçu le (heure du site);Site;')).toBe(true);
    expect(body).toContain(';04/03/2026 18:26:00;Amiens Nord;website;web-form;;VN;Nouveau;');
    expect(new Set(records.slice(1).map((record) => record.split(';')[0])).size).toBe(LEAD_COUNT);
  });

  it('stops reading once the file outgrows the inline limit', async () => {
    const { repository, pageSizes } = countingPages(leads);

    const result = await exportLeads({ leads: repository, tenants, maxInlineBytes: 10_000 }, admin, request);

    expect(result).toEqual({
      kind: 'deferred',
      reason: 'size',
      fileName: 'leadpilot-leads-2026-02-01-2026-03-31.csv',
      rowsRead: pageSizes[0],
    });
    expect(pageSizes).toHaveLength(1);
  });

  it('stops reading once the time budget is spent', async () => {
    let milliseconds = 0;
    const { repository, pageSizes } = countingPages(leads);
    const now = () => {
      milliseconds += 1_000;
      return milliseconds;
    };

    const result = await exportLeads({ leads: repository, tenants, now, timeBudgetMs: 1_500 }, admin, request);

    expect(result).toMatchObject({ kind: 'deferred', reason: 'time' });
    expect(pageSizes).toHaveLength(1);
  });

  it('leaves out leads of other sites for a site manager', async () => {
    const manager: Caller = { tenantId: 'demo', role: 'site-manager', sites: ['abbeville'], subject: 'm-1' };

    const result = await exportLeads({ leads, tenants }, manager, request);

    expect(result).toMatchObject({ kind: 'inline', rowCount: 0 });
  });
});

describe('ExportStoreFs', () => {
  it('serves a stored file through a signed link and rejects a tampered one', async () => {
    const root = join(dataDir, 'exports');
    const store = new ExportStoreFs({ root, secret: LINK_SECRET });
    const file = { key: 'demo/job-1/leads.csv', fileName: 'leads.csv' };
    await store.put({ ...file, body: Buffer.from('\uFEFFa;b\r\n', 'utf8'), contentType: 'text/csv' });

    const url = new URL((await store.link(file, 60)).url, 'http://127.0.0.1');
    const served = await serveLocalExport({ root, secret: LINK_SECRET }, url);
    const tampered = new URL(url);
    tampered.searchParams.set('expires', String(Number(url.searchParams.get('expires')) + 60));

    expect(served.statusCode).toBe(200);
    expect(served.headers['content-disposition']).toContain('leads.csv');
    expect(served.body.toString('utf8')).toBe('\uFEFFa;b\r\n');
    expect((await serveLocalExport({ root, secret: LINK_SECRET }, tampered)).statusCode).toBe(403);
  });

  it('rejects a key that leaves its folder', async () => {
    const store = new ExportStoreFs({ root: join(dataDir, 'exports'), secret: LINK_SECRET });

    await expect(store.link({ key: 'demo/../../etc/passwd', fileName: 'passwd' }, 60)).rejects.toThrow(RangeError);
  });
});

const context = { functionName: 'api', awsRequestId: 'request-1' } as Context;

function apiEvent(
  routeKey: string,
  query: Record<string, string>,
  claims: Record<string, string> = { tenant: 'demo', role: 'group-admin', sites: '*', sub: 'admin-1' },
): APIGatewayProxyEventV2WithJWTAuthorizer {
  const path = routeKey.split(' ')[1] ?? '';
  return {
    version: '2.0',
    routeKey,
    rawPath: path,
    rawQueryString: new URLSearchParams(query).toString(),
    headers: {},
    queryStringParameters: query,
    isBase64Encoded: false,
    requestContext: {
      accountId: 'local',
      apiId: 'local',
      domainName: 'localhost',
      domainPrefix: 'localhost',
      http: { method: 'GET', path, protocol: 'HTTP/1.1', sourceIp: '127.0.0.1', userAgent: 'test' },
      requestId: 'req-1',
      routeKey,
      stage: '$default',
      time: '09/Nov/2026:10:00:00 +0000',
      timeEpoch: 1_794_218_400_000,
      authorizer: { principalId: 'admin-1', integrationLatency: 0, jwt: { claims, scopes: [] } },
    },
  };
}

describe('export routes of the api handler', () => {
  beforeAll(async () => {
    const secretsFile = join(dataDir, 'secrets.json');
    await writeFile(secretsFile, '{}');
    vi.stubEnv('DYNAMODB_ENDPOINT', dynamo.endpoint);
    vi.stubEnv('AWS_ACCESS_KEY_ID', 'local');
    vi.stubEnv('AWS_SECRET_ACCESS_KEY', 'local');
    vi.stubEnv('LEADS_TABLE_NAME', 'leads');
    vi.stubEnv('AGGREGATES_TABLE_NAME', 'aggregates');
    vi.stubEnv('SECRETS_BACKEND', 'file');
    vi.stubEnv('SECRETS_FILE', secretsFile);
    vi.stubEnv('EXPORTS_URI', pathToFileURL(join(dataDir, 'api-exports')).href);
    vi.stubEnv('EXPORTS_LINK_SECRET', LINK_SECRET);
  });

  it('returns the lead CSV as an attachment', async () => {
    const { handler } = await import('#functions/api');

    const response = await handler(apiEvent('GET /v1/leads/export.csv', { ...request }), context);

    expect(response.statusCode).toBe(200);
    expect(response.headers).toMatchObject({
      'content-type': 'text/csv; charset=utf-8; header=present',
      'content-disposition': expect.stringContaining('filename="leadpilot-leads-2026-02-01-2026-03-31.csv"'),
    });
    expect(
      String(response.body)
        .split('\r\n')
        .filter((line) => line !== ''),
    ).toHaveLength(LEAD_COUNT + 1);
  });

  it('rejects a lead export by finance', async () => {
    const { handler } = await import('#functions/api');
    const claims = { tenant: 'demo', role: 'finance', sites: '*', sub: 'f-1' };

    const response = await handler(apiEvent('GET /v1/leads/export.csv', { ...request }, claims), context);

    expect(response.statusCode).toBe(403);
  });

  it('rejects an export with from after to', async () => {
    const { handler } = await import('#functions/api');

    const response = await handler(
      apiEvent('GET /v1/leads/export.csv', { from: '2026-03-02', to: '2026-03-01' }),
      context,
    );

    expect(response.statusCode).toBe(400);
  });

  it.each([
    [
      'a day that does not exist',
      { from: '2026-02-30', to: '2026-03-01' },
      'Invalid request query: query.from: must be a calendar date',
    ],
    [
      'a range over 13 months',
      { from: '2025-01-01', to: '2026-11-30' },
      'Invalid request query: query.to: must be within 13 months of from',
    ],
  ] as [string, Record<string, string>, string][])('rejects an export of %s', async (_case, range, message) => {
    const { handler } = await import('#functions/api');

    const response = await handler(apiEvent('GET /v1/leads/export.csv', range), context);

    expect(response.statusCode).toBe(400);
    expect(JSON.parse(response.body ?? '')).toEqual({ error: { code: 'VALIDATION_FAILED', message } });
  });

  it('returns the KPI CSV in English', async () => {
    const { handler } = await import('#functions/api');
    const query = { from: '2026-03-01', to: '2026-03-31', groupBy: 'site', locale: 'en' };

    const response = await handler(apiEvent('GET /v1/kpis/export.csv', query), context);

    expect(response.statusCode).toBe(200);
    expect(String(response.body).startsWith('\uFEFFSite,Leads,')).toBe(true);
    expect(response.headers?.['content-disposition']).toContain('leadpilot-kpis-2026-03-01-2026-03-31.csv');
  });

  it('returns the KPI workbook base64-encoded', async () => {
    const { handler } = await import('#functions/api');
    const query = { from: '2026-03-01', to: '2026-03-31', groupBy: 'day' };

    const response = await handler(apiEvent('GET /v1/kpis/export.xlsx', query), context);
    const files = unzipSync(Buffer.from(String(response.body), 'base64'));

    expect(response.statusCode).toBe(200);
    expect(response.isBase64Encoded).toBe(true);
    expect(response.headers?.['content-type']).toBe(
      'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
    );
    expect(strFromU8(files['xl/worksheets/sheet1.xml'] ?? new Uint8Array())).toContain('<pane ySplit="1"');
  });
});
