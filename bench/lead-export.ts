/**
 * Lead export of a large range: writes the data set's leads to a fresh lead table on DynamoDB Local, then
 * times `exportLeads` over the whole range as a group admin and samples the process memory while it runs.
 * The full run exports 100,000 leads, which is past the inline limit, so the file goes to a folder export
 * store as it would go to S3. The tenant configuration is left out, so sites show their ids.
 */
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { BatchWriteCommand } from '@aws-sdk/lib-dynamodb';
import { ensureTable } from '#infra/local/dynamodb-local';
import { DynamoLeadRepository } from '#shared/adapters/lead-repository-dynamodb';
import { ExportStoreFs } from '#shared/export/export-store-fs';
import { exportLeads } from '#shared/export/lead-export';
import type { Lead } from '#shared/lead/model';
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

/** No tenant configuration: the export falls back to site ids and the default time zone. */
const noTenants: TenantRepository = { get: async () => undefined, put: async () => {} };

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

/** Exports every lead of `range` for the tenant of the first lead and returns the time and memory figures. */
export async function benchLeadExport(
  env: BenchEnvironment,
  leads: readonly Lead[],
  range: { from: string; to: string },
): Promise<Figure[]> {
  await writeLeads(env, leads);
  const repository = new DynamoLeadRepository({ client: env.documentClient, tableName: TABLE_NAME });
  const exportStore = new ExportStoreFs({
    root: join(env.dir, 'exports'),
    secret: 'bench-export-link-secret-32-chars!!',
  });
  const tenantId = leads[0]?.tenantId ?? 'demo';

  const baseline = process.memoryUsage();
  let peakRss = baseline.rss;
  let peakHeap = baseline.heapUsed;
  const sampler = setInterval(() => {
    const usage = process.memoryUsage();
    peakRss = Math.max(peakRss, usage.rss);
    peakHeap = Math.max(peakHeap, usage.heapUsed);
  }, MEMORY_SAMPLE_MS);
  const started = performance.now();
  let result: Awaited<ReturnType<typeof exportLeads>>;
  try {
    result = await exportLeads(
      { leads: repository, tenants: noTenants, exportStore },
      { tenantId, role: 'group-admin', sites: '*', subject: 'bench' },
      { ...range, locale: 'fr' },
    );
  } finally {
    clearInterval(sampler);
  }
  const seconds = (performance.now() - started) / 1000;
  const mebibyte = 1024 * 1024;

  return [
    { key: 'leadExportRows', label: 'leads exported', value: result.rowCount, unit: 'rows' },
    { key: 'leadExportSeconds', label: 'lead export time (DynamoDB Local)', value: round(seconds, 3), unit: 's' },
    {
      key: 'leadExportMiB',
      label: `CSV size (${result.kind === 'link' ? 'stored, link returned' : 'returned inline'})`,
      value: round(result.byteCount / mebibyte, 3),
      unit: 'MiB',
    },
    {
      key: 'leadExportPeakRssGrowthMiB',
      label: 'peak RSS growth during the export (sampled every 20 ms)',
      value: round((peakRss - baseline.rss) / mebibyte, 3),
      unit: 'MiB',
    },
    {
      key: 'leadExportPeakHeapGrowthMiB',
      label: 'peak JS heap growth during the export (sampled every 20 ms)',
      value: round((peakHeap - baseline.heapUsed) / mebibyte, 3),
      unit: 'MiB',
    },
  ];
}
