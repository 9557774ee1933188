/**
 * The API side of lead export jobs: `startLeadExport` behind `POST /v1/leads/exports` (and behind
 * `GET /v1/leads/export.csv` once an export outgrows a response), and `readLeadExport` behind
 * `GET /v1/leads/exports/{exportId}`.
 */
import { randomUUID } from 'node:crypto';
import * as z from 'zod';
import type { Caller } from '#shared/api/caller';
import { assertMayReadLeads } from '#shared/api/leads';
import { DependencyUnavailableError, NotFoundError } from '#shared/errors';
import { logger } from '#shared/logger';
import type { Clock } from '#shared/ports/clock';
import type { ExportLink, ExportStore } from './export-store';
import { EXPORT_LINK_SECONDS, leadExportFileName } from './lead-export';
import {
  LEAD_EXPORT_FAILURE_CODES,
  LEAD_EXPORT_FAILURE_MESSAGES,
  LEAD_EXPORT_JOB_STATUSES,
  LEAD_EXPORT_JOB_TTL_SECONDS,
  LEAD_EXPORT_MAX_EVENT_AGE_SECONDS,
  LEAD_EXPORT_WORKER_TIMEOUT_SECONDS,
  type LeadExportFailureCode,
  type LeadExportJob,
  type LeadExportJobRequest,
  type LeadExportJobStore,
  type LeadExportLauncher,
} from './lead-export-job';
import { EXPORT_LOCALES } from './table';

/** Time a queued job may wait after the invocation's maximum age, for the worker's conditional start to land. */
const START_GRACE_SECONDS = 60;

/** Body of `POST /v1/leads/exports` and `GET /v1/leads/exports/{exportId}`: a job as the client sees it. */
export const leadExportJobViewSchema = z
  .object({
    exportId: z.string().meta({ description: 'Id of the job, the last segment of its status URL.' }),
    status: z.enum(LEAD_EXPORT_JOB_STATUSES).meta({
      description:
        '`queued` until the worker starts, `running` while it writes, then `succeeded` or `failed`. A job ' +
        `whose worker stopped answering (no progress for ${LEAD_EXPORT_WORKER_TIMEOUT_SECONDS / 60} minutes) ` +
        'is reported as `failed`.',
    }),
    statusUrl: z.string().meta({ description: 'Path of this job, for polling.' }),
    from: z.string(),
    to: z.string(),
    site: z.string().optional(),
    source: z.string().optional(),
    locale: z.enum(EXPORT_LOCALES),
    fileName: z.string(),
    rowCount: z.int().min(0).meta({ description: 'CSV rows written so far; the total once succeeded.' }),
    byteCount: z.int().min(0).meta({ description: 'CSV bytes written so far; the file size once succeeded.' }),
    createdAt: z.string().meta({ description: 'ISO 8601 instant.' }),
    updatedAt: z.string().meta({ description: 'ISO 8601 instant of the last status or progress change.' }),
    downloadUrl: z
      .string()
      .optional()
      .meta({
        description:
          'Once succeeded: GET link to the CSV file, to be used without the bearer token (a pre-signed S3 URL, or ' +
          `a local-stack path). Each read signs a new one, valid ${EXPORT_LINK_SECONDS / 60} minutes.`,
      }),
    expiresAt: z.string().optional().meta({ description: 'ISO 8601 instant after which `downloadUrl` is rejected.' }),
    failure: z
      .object({ code: z.enum(LEAD_EXPORT_FAILURE_CODES), message: z.string() })
      .optional()
      .meta({ description: 'Once failed: why, as a stable code and a sentence.' }),
  })
  .meta({ id: 'LeadExportJob' });
export type LeadExportJobView = z.infer<typeof leadExportJobViewSchema>;

export interface StartLeadExportDependencies {
  jobs: LeadExportJobStore;
  /** Undefined when the server has no worker configured; a start is then rejected with 503. */
  launcher: LeadExportLauncher | undefined;
  clock: Clock;
}

/**
 * Creates a `queued` job for the caller's export and starts the worker, without waiting for it.
 *
 * @throws ForbiddenError for a caller whose role may not read leads.
 * @throws DependencyUnavailableError when no worker is configured or the worker could not be started; the job
 *   is then marked `EXPORT_LAUNCH_FAILED`.
 */
export async function startLeadExport(
  dependencies: StartLeadExportDependencies,
  caller: Caller,
  request: LeadExportJobRequest,
): Promise<LeadExportJobView> {
  // Refused here as listLeads would refuse it in the worker, so finance gets its 403 rather than a failed job.
  assertMayReadLeads(caller);
  const { launcher, jobs } = dependencies;
  if (launcher === undefined) {
    throw new DependencyUnavailableError(
      'Lead export jobs are not configured: set LEAD_EXPORT_FUNCTION_NAME and EXPORTS_URI on the API function',
    );
  }

  const createdAt = dependencies.clock().toISOString();
  const job: LeadExportJob = {
    tenantId: caller.tenantId,
    exportId: randomUUID(),
    subject: caller.subject,
    scope: {
      role: caller.role,
      sites: caller.sites,
      ...(caller.salespersonId === undefined ? {} : { salespersonId: caller.salespersonId }),
    },
    request,
    fileName: leadExportFileName(request),
    status: 'queued',
    rowCount: 0,
    byteCount: 0,
    createdAt,
    updatedAt: createdAt,
  };
  await jobs.create(job);

  try {
    await launcher.launch({ tenantId: job.tenantId, exportId: job.exportId });
  } catch (error) {
    logger.error('Lead export worker could not be started', { exportId: job.exportId, error });
    await jobs.fail(job.tenantId, job.exportId, 'EXPORT_LAUNCH_FAILED', dependencies.clock().toISOString());
    throw new DependencyUnavailableError('The lead export worker could not be started', { cause: error });
  }
  logger.info('Lead export job started', { exportId: job.exportId });
  return viewOf(job, job.status, undefined, undefined);
}

export interface ReadLeadExportDependencies {
  jobs: Pick<LeadExportJobStore, 'get'>;
  /** Signs the download link of a succeeded job; without it, such a job is rejected with 503. */
  exportStore: Pick<ExportStore, 'link'> | undefined;
  clock: Clock;
}

/**
 * Returns the caller's job, with a new download link once it has succeeded. A job whose worker can no longer be
 * running is reported as failed: one that stayed `queued` past the invocation's maximum age, or one that stayed
 * `running` without progress for longer than the worker's timeout.
 *
 * @throws NotFoundError when the job does not exist, has expired, or belongs to another tenant or another user.
 */
export async function readLeadExport(
  dependencies: ReadLeadExportDependencies,
  caller: Caller,
  exportId: string,
): Promise<LeadExportJobView> {
  const now = dependencies.clock();
  const job = await dependencies.jobs.get(caller.tenantId, exportId);
  // DynamoDB deletes expired items up to a few days late, and the file is gone by then, so the read hides them.
  const expired = job !== undefined && now.getTime() > Date.parse(job.createdAt) + LEAD_EXPORT_JOB_TTL_SECONDS * 1000;
  if (job === undefined || job.subject !== caller.subject || expired) {
    throw new NotFoundError(`Lead export ${exportId} not found`);
  }

  const staleCode = staleFailure(job, now);
  if (staleCode !== undefined) {
    return viewOf(job, 'failed', staleCode, undefined);
  }
  if (job.status !== 'succeeded' || job.fileKey === undefined) {
    return viewOf(job, job.status, job.failureCode, undefined);
  }
  if (dependencies.exportStore === undefined) {
    throw new DependencyUnavailableError('The export store is not configured: set EXPORTS_URI on the API function');
  }
  const link = await dependencies.exportStore.link({ key: job.fileKey, fileName: job.fileName }, EXPORT_LINK_SECONDS);
  return viewOf(job, job.status, undefined, link);
}

/** Returns the failure code of a job whose worker cannot be running any more, or undefined. */
export function staleFailure(job: LeadExportJob, now: Date): LeadExportFailureCode | undefined {
  const secondsSince = (instant: string) => (now.getTime() - Date.parse(instant)) / 1000;
  if (
    job.status === 'queued' &&
    secondsSince(job.createdAt) > LEAD_EXPORT_MAX_EVENT_AGE_SECONDS + START_GRACE_SECONDS
  ) {
    return 'EXPORT_NOT_STARTED';
  }
  if (job.status === 'running' && secondsSince(job.updatedAt) > LEAD_EXPORT_WORKER_TIMEOUT_SECONDS) {
    return 'EXPORT_TIMED_OUT';
  }
  return undefined;
}

/** Path of a job's status resource. */
export function leadExportStatusPath(exportId: string): string {
  return `/v1/leads/exports/${encodeURIComponent(exportId)}`;
}

function viewOf(
  job: LeadExportJob,
  status: LeadExportJob['status'],
  failureCode: LeadExportFailureCode | undefined,
  link: ExportLink | undefined,
): LeadExportJobView {
  const { request } = job;
  return {
    exportId: job.exportId,
    status,
    statusUrl: leadExportStatusPath(job.exportId),
    from: request.from,
    to: request.to,
    ...(request.site === undefined ? {} : { site: request.site }),
    ...(request.source === undefined ? {} : { source: request.source }),
    locale: request.locale,
    fileName: job.fileName,
    rowCount: job.rowCount,
    byteCount: job.byteCount,
    createdAt: job.createdAt,
    updatedAt: job.updatedAt,
    ...(link === undefined ? {} : { downloadUrl: link.url, expiresAt: link.expiresAt }),
    ...(status === 'failed'
      ? {
          failure: {
            code: failureCode ?? 'EXPORT_FAILED',
            message: LEAD_EXPORT_FAILURE_MESSAGES[failureCode ?? 'EXPORT_FAILED'],
          },
        }
      : {}),
  };
}
