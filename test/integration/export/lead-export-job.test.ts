/**
 * Lead export jobs through the local stack: the API stores the job and invokes the worker through the
 * gateway's stand-in of the Lambda Invoke API, the worker runs in process against DynamoDB Local, and the file
 * is downloaded through its signed local link.
 */
import { InvokeCommand, LambdaClient, ResourceNotFoundException } from '@aws-sdk/client-lambda';
import { BatchWriteCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as z from 'zod';
import { LOCAL_AWS } from '#infra/local/dynamodb-local';
import { LOCAL_LEAD_EXPORT_FUNCTION, LOCAL_TABLE_NAMES } from '#infra/local/stack';
import { type LeadExportJobView, leadExportJobViewSchema } from '#shared/export/lead-export-status';
import type { Lead } from '#shared/lead/model';
import { aLead } from '#test/factories/lead';
import { startTestStack, type TestStack } from '#test/support/local-stack';
import { leadItem } from '#test/unit/lake/stream-records';

/** More than one repository page (1,000 leads), small enough for a test. */
const LEAD_COUNT = 2_300;
const RANGE = { from: '2026-02-01', to: '2026-03-31' };
const errorBodySchema = z.object({ error: z.object({ code: z.string(), message: z.string() }) });

let stack: TestStack;
let adminToken: string;

function leadOfIndex(index: number): Lead {
  const day = String((index % 28) + 1).padStart(2, '0');
  const month = index % 2 === 0 ? '02' : '03';
  return aLead({
    siteId: index % 3 === 0 ? 'abbeville' : 'amiens-nord',
    localDate: `2026-${month}-${day}`,
    datedAt: `2026-${month}-${day}T10:00:00.000Z`,
    receivedAt: `2026-${month}-${day}T10:00:00.000Z`,
  });
}

async function request(method: string, path: string, token: string, body?: unknown) {
  const response = await fetch(`${stack.baseUrl}${path}`, {
    method,
    headers: {
      authorization: `Bearer ${token}`,
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: response.status, location: response.headers.get('location'), body: await response.json() };
}

async function startJob(token: string, body: unknown = { ...RANGE }): Promise<LeadExportJobView> {
  const response = await request('POST', '/v1/leads/exports', token, body);
  expect(response.status).toBe(202);
  return leadExportJobViewSchema.parse(response.body);
}

/** Polls the job until it has finished, as the dashboard does. */
async function finishedJob(exportId: string, token: string): Promise<LeadExportJobView> {
  let job: LeadExportJobView | undefined;
  await expect
    .poll(
      async () => {
        const response = await request('GET', `/v1/leads/exports/${exportId}`, token);
        job = leadExportJobViewSchema.parse(response.body);
        return job.status;
      },
      { timeout: 60_000, interval: 200 },
    )
    .toMatch(/^(succeeded|failed)$/);
  return job as LeadExportJobView;
}

function lambdaClient(): LambdaClient {
  return new LambdaClient({
    region: LOCAL_AWS.region,
    endpoint: stack.baseUrl,
    credentials: { accessKeyId: LOCAL_AWS.accessKeyId, secretAccessKey: LOCAL_AWS.secretAccessKey },
  });
}

beforeAll(async () => {
  stack = await startTestStack();
  adminToken = await stack.token();
  const items = Array.from({ length: LEAD_COUNT }, (_, index) => leadItem(leadOfIndex(index)));
  for (let start = 0; start < items.length; start += 25) {
    const batch = items.slice(start, start + 25).map((Item) => ({ PutRequest: { Item } }));
    await stack.stack.documentClient.send(
      new BatchWriteCommand({ RequestItems: { [LOCAL_TABLE_NAMES.leads]: batch } }),
    );
  }
}, 180_000);

afterAll(async () => {
  await stack?.stop();
});

describe('lead export job on the local stack', { timeout: 120_000 }, () => {
  it('runs the job and serves the CSV through its link', async () => {
    const response = await request('POST', '/v1/leads/exports', adminToken, { ...RANGE });
    const started = leadExportJobViewSchema.parse(response.body);

    expect(response.status).toBe(202);
    expect(response.location).toBe(`/v1/leads/exports/${started.exportId}`);
    expect(started).toMatchObject({ status: 'queued', rowCount: 0, ...RANGE, locale: 'fr' });

    const job = await finishedJob(started.exportId, adminToken);
    expect(job).toMatchObject({
      status: 'succeeded',
      rowCount: LEAD_COUNT,
      fileName: 'leadpilot-leads-2026-02-01-2026-03-31.csv',
    });
    expect(job.downloadUrl).toMatch(/^\/_local\/exports\/demo\//);

    const download = await fetch(`${stack.baseUrl}${job.downloadUrl}`);
    const bytes = Buffer.from(await download.arrayBuffer());
    const records = bytes
      .subarray(3)
      .toString('utf8')
      .split('\r\n')
      .filter((line) => line !== '');
    expect(download.status).toBe(200);
    expect([...bytes.subarray(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
    expect(bytes.length).toBe(job.byteCount);
    expect(records[0]?.startsWith('Identifiant du lead;Reçu le (heure du site);Site;')).toBe(true);
    expect(records).toHaveLength(LEAD_COUNT + 1);
    expect(stack.contractViolations).toEqual([]);
  });

  it('scopes the rows to the site of a site manager', async () => {
    const token = await stack.token({ role: 'site-manager', sites: 'abbeville', subject: 'manager-abbeville' });
    const expected = Array.from({ length: LEAD_COUNT }, (_, index) => index).filter((index) => index % 3 === 0);

    const job = await finishedJob((await startJob(token)).exportId, token);

    expect(job).toMatchObject({ status: 'succeeded', rowCount: expected.length });
  });

  it('hides a job from another user and another tenant', async () => {
    const job = await startJob(adminToken);
    const otherUser = await stack.token({ subject: 'another-admin' });
    const otherTenant = await stack.token({ tenantId: 'rival' });

    const asOtherUser = await request('GET', `/v1/leads/exports/${job.exportId}`, otherUser);
    const asOtherTenant = await request('GET', `/v1/leads/exports/${job.exportId}`, otherTenant);

    expect(asOtherUser.status).toBe(404);
    expect(errorBodySchema.parse(asOtherUser.body).error.code).toBe('NOT_FOUND');
    expect(asOtherTenant.status).toBe(404);
    await stack.stack.waitForInvocations();
  });

  it('rejects a job of the finance role', async () => {
    const token = await stack.token({ role: 'finance' });

    const response = await request('POST', '/v1/leads/exports', token, { ...RANGE });

    expect(response.status).toBe(403);
    expect(errorBodySchema.parse(response.body).error.code).toBe('FORBIDDEN');
  });

  it('rejects an invalid body and an invalid export id', async () => {
    const reversed = await request('POST', '/v1/leads/exports', adminToken, { from: '2026-03-02', to: '2026-03-01' });
    const unknownField = await request('POST', '/v1/leads/exports', adminToken, { ...RANGE, tenantId: 'rival' });
    const missingDay = await request('POST', '/v1/leads/exports', adminToken, { from: '2026-02-30', to: '2026-03-01' });
    const tooLong = await request('POST', '/v1/leads/exports', adminToken, { from: '2025-01-01', to: '2026-11-30' });
    const badId = await request('GET', '/v1/leads/exports/not-a-uuid', adminToken);

    expect(reversed.status).toBe(400);
    expect(unknownField.status).toBe(400);
    expect(missingDay.status).toBe(400);
    expect(errorBodySchema.parse(missingDay.body).error.message).toBe(
      'Invalid request body: body.from: must be a calendar date',
    );
    expect(tooLong.status).toBe(400);
    expect(errorBodySchema.parse(tooLong.body).error.message).toBe(
      'Invalid request body: body.to: must be within 13 months of from',
    );
    expect(badId.status).toBe(400);
  });

  it('does not run a finished job again', async () => {
    const finished = await finishedJob((await startJob(adminToken)).exportId, adminToken);
    const client = lambdaClient();

    const output = await client.send(
      new InvokeCommand({
        FunctionName: LOCAL_LEAD_EXPORT_FUNCTION,
        InvocationType: 'RequestResponse',
        Payload: Buffer.from(JSON.stringify({ tenantId: 'demo', exportId: finished.exportId })),
      }),
    );
    const again = await request('GET', `/v1/leads/exports/${finished.exportId}`, adminToken);
    client.destroy();

    expect(output.StatusCode).toBe(200);
    expect(JSON.parse(Buffer.from(output.Payload ?? []).toString('utf8'))).toEqual({ outcome: 'skipped' });
    expect(leadExportJobViewSchema.parse(again.body).updatedAt).toBe(finished.updatedAt);
  });
});

describe('Lambda Invoke API of the local gateway', () => {
  it('accepts an Event invocation with 202', async () => {
    const client = lambdaClient();

    const output = await client.send(
      new InvokeCommand({
        FunctionName: LOCAL_LEAD_EXPORT_FUNCTION,
        InvocationType: 'Event',
        Payload: Buffer.from(JSON.stringify({ tenantId: 'demo', exportId: 'no-such-job' })),
      }),
    );
    await stack.stack.waitForInvocations();
    client.destroy();

    expect(output.StatusCode).toBe(202);
  });

  it('rejects an unknown function as Lambda does', async () => {
    const client = lambdaClient();

    const sending = client.send(new InvokeCommand({ FunctionName: 'no-such-function', InvocationType: 'Event' }));

    await expect(sending).rejects.toBeInstanceOf(ResourceNotFoundException);
    client.destroy();
  });
});
