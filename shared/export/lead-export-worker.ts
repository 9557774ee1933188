/**
 * The worker side of lead export jobs: runs one job from `queued` to `succeeded` or `failed`, writing the same
 * CSV as `GET /v1/leads/export.csv` to the export store.
 */
import { DomainError } from '#shared/errors';
import { logger } from '#shared/logger';
import type { Clock } from '#shared/ports/clock';
import type { LeadRepository } from '#shared/store/lead-repository';
import type { TenantRepository } from '#shared/tenant/repository';
import { CSV_CONTENT_TYPE } from './csv';
import type { ExportStore } from './export-store';
import { leadExportCsv } from './lead-export';
import {
  callerOfJob,
  type LeadExportJob,
  type LeadExportJobStore,
  type LeadExportWorkerEvent,
  leadExportFileKey,
} from './lead-export-job';

export interface LeadExportWorkerDependencies {
  leads: LeadRepository;
  tenants: TenantRepository;
  jobs: LeadExportJobStore;
  exportStore: Pick<ExportStore, 'put'>;
  clock: Clock;
}

/** Outcome of a worker invocation: the job ran to its end, or it was skipped because it was not queued. */
export type LeadExportRunOutcome =
  | { outcome: 'succeeded'; rowCount: number; byteCount: number }
  | { outcome: 'failed' }
  | { outcome: 'skipped' };

/**
 * Runs a queued job: reads the leads page by page with the scope of the user who created it, records the rows
 * and bytes after every page, stores the file and marks the job `succeeded`. A failure while reading or writing
 * marks the job `EXPORT_FAILED` and is not thrown, because a new invocation would find the job `failed` and skip
 * it anyway.
 *
 * NOTE: the whole file is held in memory (one buffer per page) and written with one PutObject, so the worker's
 * memory bounds the export: about 30 MB for 100,000 leads. A multipart upload of each few pages would lift this.
 *
 * @throws the store's error when the conditional start itself fails, so that Lambda retries the invocation.
 */
export async function runLeadExport(
  dependencies: LeadExportWorkerDependencies,
  event: LeadExportWorkerEvent,
): Promise<LeadExportRunOutcome> {
  const { jobs, clock } = dependencies;
  const job = await jobs.start(event.tenantId, event.exportId, clock().toISOString());
  if (job === undefined) {
    logger.warn('Lead export job skipped: missing or not queued', { exportId: event.exportId });
    return { outcome: 'skipped' };
  }

  try {
    const result = await writeExportFile(dependencies, job);
    logger.info('Lead export job succeeded', { exportId: job.exportId, ...result });
    return { outcome: 'succeeded', ...result };
  } catch (error) {
    // Only the error's class and code are logged: a message could quote a value of a lead.
    logger.error('Lead export job failed', {
      exportId: job.exportId,
      errorName: error instanceof Error ? error.name : typeof error,
      errorCode: error instanceof DomainError ? error.code : undefined,
    });
    await jobs.fail(job.tenantId, job.exportId, 'EXPORT_FAILED', clock().toISOString());
    return { outcome: 'failed' };
  }
}

async function writeExportFile(
  dependencies: LeadExportWorkerDependencies,
  job: LeadExportJob,
): Promise<{ rowCount: number; byteCount: number }> {
  const { jobs, clock } = dependencies;
  const chunks: Buffer[] = [];
  let rowCount = 0;
  let byteCount = 0;
  for await (const chunk of leadExportCsv(dependencies, callerOfJob(job), job.request)) {
    const bytes = Buffer.from(chunk.text, 'utf8');
    chunks.push(bytes);
    rowCount += chunk.rowCount;
    byteCount += bytes.length;
    // Every page counts as progress, even one that a salesperson's filter emptied: the status read takes a job
    // without progress for longer than the worker's timeout for a dead one.
    await jobs.recordProgress(job.tenantId, job.exportId, { rowCount, byteCount }, clock().toISOString());
  }

  const fileKey = leadExportFileKey(job);
  await dependencies.exportStore.put({
    key: fileKey,
    body: Buffer.concat(chunks, byteCount),
    contentType: CSV_CONTENT_TYPE,
    fileName: job.fileName,
  });
  await jobs.succeed(job.tenantId, job.exportId, { rowCount, byteCount, fileKey }, clock().toISOString());
  return { rowCount, byteCount };
}
