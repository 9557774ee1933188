/**
 * Lead export job over a large range: writes the data set's leads to a fresh lead table on DynamoDB Local, then
 * starts a job as a group admin, runs its worker in this process and samples the process memory while it runs.
 * The file goes to a folder export store as it would go to S3. The tenant configuration is left out, so sites
 * show their ids.
 */
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { BatchWriteCommand } from '@aws-sdk/lib-dynamodb';
import { ensureTable } from '#infra/local/dynamodb-local';
import { DynamoLeadRepository } from '#shared/adapters/lead-repository-dynamodb';
import type { Caller } from '#shared/api/caller';
import { ExportStoreFs } from '#shared/export/export-store-fs';
import type { LeadExportWorkerEvent } from '#shared/export/lead-export-job';
import { DynamoLeadExportJobStore } from '#shared/export/lead-export-job-dynamodb';
import { readLeadExport, startLeadExport } from '#shared/export/lead-export-status';
import { type LeadExportRunOutcome, runLeadExport } from '#shared/export/lead-export-worker';
import { leadIdOf } from '#shared/lead/build-lead';
import type { Lead } from '#shared/lead/model';
import { systemClock } from '#shared/ports/clock';
import { LEADS_TABLE } from '#shared/store/tables';
import type { TenantRepository } from '#shared/tenant/repository';
import { leadItem } from './dataset';
import type { BenchEnvironment } from './environment';
import type { Figure } from './results';
import { round } from './stats';

const TABLE_NAME = 'export-leads';
const BATCH_SIZE = 25;
const CONCURRENT_BATCHES = 8;
const MEMORY_SAMPLE_MS = 20;
const PROGRESS_POLL_MS = 50;

/** No tenant configuration: the export falls back to site ids and the default time zone. */
const noTenants: TenantRepository = { get: async () => undefined, put: async () => {} };

/**
 * Tops the leads up to `rows` with copies of the first ones under new lead ids (same dates, so the copies stay
 * in range). The data set keeps slightly fewer leads than it generates once removals are applied.
 */
function toppedUp(leads: readonly Lead[], rows: number): Lead[] {
  const copies = Array.from({ length: Math.max(0, rows - leads.length) }, (_, index) => {
    const lead = leads[index % leads.length] as Lead;
    return { ...lead, leadId: leadIdOf(lead.tenantId, 'bench-export-copy', String(index)) };
  });
  return [...leads, ...copies];
}

async function writeLeads(env: BenchEnvironment, leads: readonly Lead[]): Promise<void> {
  await ensureTable(env.dynamo.client, TABLE_NAME, LEADS_TABLE);
  const batches: Lead[][] = [];
  for (let start = 0; start < leads.length; start += BATCH_SIZE) {
    batches.push(leads.slice(start, start + BATCH_SIZE));
  }
  for (let start = 0; start < batches.length; start += CONCURRENT_BATCHES) {
    await Promise.all(
      batches.slice(start, start + CONCURRENT_BATCHES).map(async (batch) => {
        let requests = batch.map((lead) => ({ PutRequest: { Item: leadItem(lead) } }));
        while (requests.length > 0) {
          const output = await env.documentClient.send(
            new BatchWriteCommand({ RequestItems: { [TABLE_NAME]: requests } }),
          );
          requests = (output.UnprocessedItems?.[TABLE_NAME] ?? []) as typeof requests;
        }
      }),
    );
  }
}

/** Milliseconds since `started`, to three decimals. */
function millisecondsSince(started: number): number {
  return round(performance.now() - started, 3);
}

/**
 * Runs a lead export job over every lead of `range` for the tenant of the first lead, as a group admin, and
 * returns the worker's time and memory figures and the durations of the API's own calls: the start (the domain
 * call of `POST /v1/leads/exports`) and two status reads (`GET /v1/leads/exports/{exportId}`), one while the
 * worker runs and one after it succeeded, which signs the link.
 */
export async function benchLeadExport(
  env: BenchEnvironment,
  leads: readonly Lead[],
  range: { from: string; to: string },
  rows: number,
): Promise<Figure[]> {
  const inRange = leads.filter((lead) => lead.localDate >= range.from && lead.localDate <= range.to);
  await writeLeads(env, toppedUp(inRange, rows));
  const repository = new DynamoLeadRepository({ client: env.documentClient, tableName: TABLE_NAME });
  const jobs = new DynamoLeadExportJobStore({ client: env.documentClient, tableName: TABLE_NAME });
  const exportStore = new ExportStoreFs({
    root: join(env.dir, 'exports'),
    secret: 'bench-export-link-secret-32-chars!!',
  });
  const tenantId = leads[0]?.tenantId ?? 'demo';
  const caller: Caller = { tenantId, role: 'group-admin', sites: '*', subject: 'bench' };

  // The launcher runs the worker in this process, as the local stack's Lambda Invoke API does.
  let worker: Promise<{ outcome: LeadExportRunOutcome; seconds: number }> | undefined;
  const launcher = {
    launch: async (event: LeadExportWorkerEvent) => {
      const started = performance.now();
      worker = runLeadExport(
        { leads: repository, tenants: noTenants, jobs, exportStore, clock: systemClock },
        event,
      ).then((outcome) => ({ outcome, seconds: (performance.now() - started) / 1000 }));
    },
  };

  const baseline = process.memoryUsage();
  let peakRss = baseline.rss;
  let peakHeap = baseline.heapUsed;
  const sampler = setInterval(() => {
    const usage = process.memoryUsage();
    peakRss = Math.max(peakRss, usage.rss);
    peakHeap = Math.max(peakHeap, usage.heapUsed);
  }, MEMORY_SAMPLE_MS);
  let startMs: number;
  let runningStatusMs: number;
  let succeededStatusMs: number;
  let result: { outcome: LeadExportRunOutcome; seconds: number };
  try {
    const startedAt = performance.now();
    const job = await startLeadExport({ jobs, launcher, clock: systemClock }, caller, { ...range, locale: 'fr' });
    startMs = millisecondsSince(startedAt);

    const readers = { jobs, exportStore, clock: systemClock };
    await waitForProgress(jobs, tenantId, job.exportId);
    const runningAt = performance.now();
    await readLeadExport(readers, caller, job.exportId);
    runningStatusMs = millisecondsSince(runningAt);

    result = await (worker ?? Promise.reject(new Error('The launcher did not start the worker')));
    const succeededAt = performance.now();
    const finished = await readLeadExport(readers, caller, job.exportId);
    succeededStatusMs = millisecondsSince(succeededAt);
    if (finished.status !== 'succeeded') {
      throw new Error(`The bench lead export job ended ${finished.status}`);
    }
  } finally {
    clearInterval(sampler);
  }
  if (result.outcome.outcome !== 'succeeded') {
    throw new Error(`The bench lead export worker returned ${result.outcome.outcome}`);
  }
  if (result.outcome.rowCount !== rows) {
    throw new Error(`The bench lead export wrote ${result.outcome.rowCount} rows; ${rows} leads are in range`);
  }
  const mebibyte = 1024 * 1024;
  // The API's own calls must stay far under API Gateway's 29-second integration limit.
  const requestTarget = { max: 1_000 };

  return [
    { key: 'leadExportRows', label: 'leads exported by the job', value: result.outcome.rowCount, unit: 'rows' },
    {
      key: 'leadExportSeconds',
      label: 'lead export worker time (DynamoDB Local)',
      value: round(result.seconds, 3),
      unit: 's',
    },
    {
      key: 'leadExportMiB',
      label: 'CSV size (stored, link signed at read)',
      value: round(result.outcome.byteCount / mebibyte, 3),
      unit: 'MiB',
    },
    {
      key: 'leadExportPeakRssGrowthMiB',
      label: 'peak RSS growth during the job (sampled every 20 ms)',
      value: round((peakRss - baseline.rss) / mebibyte, 3),
      unit: 'MiB',
    },
    {
      key: 'leadExportPeakHeapGrowthMiB',
      label: 'peak JS heap growth during the job (sampled every 20 ms)',
      value: round((peakHeap - baseline.heapUsed) / mebibyte, 3),
      unit: 'MiB',
    },
    {
      key: 'leadExportStartMs',
      label: 'POST /v1/leads/exports domain call (job item + launch)',
      value: startMs,
      unit: 'ms',
      target: requestTarget,
    },
    {
      key: 'leadExportStatusRunningMs',
      label: 'GET /v1/leads/exports/{exportId} domain call, job running',
      value: runningStatusMs,
      unit: 'ms',
      target: requestTarget,
    },
    {
      key: 'leadExportStatusSucceededMs',
      label: 'GET /v1/leads/exports/{exportId} domain call, job succeeded (signs the link)',
      value: succeededStatusMs,
      unit: 'ms',
      target: requestTarget,
    },
  ];
}

/** Resolves once the job has written its first page, so the status read happens while the worker runs. */
async function waitForProgress(jobs: DynamoLeadExportJobStore, tenantId: string, exportId: string): Promise<void> {
  for (;;) {
    const job = await jobs.get(tenantId, exportId);
    if (job === undefined || job.rowCount > 0 || job.status === 'succeeded' || job.status === 'failed') {
      return;
    }
    await new Promise((resolve) => setTimeout(resolve, PROGRESS_POLL_MS));
  }
}
