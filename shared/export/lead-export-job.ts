/**
 * The lead export job: an export too large or too slow for an API request, run by its own Lambda function.
 *
 * `POST /v1/leads/exports` stores a `queued` job and starts the worker asynchronously. The worker moves the
 * job to `running` with a conditional update, so a repeated invocation of the same job does nothing. It then
 * records the rows and bytes written after every page, and ends the job `succeeded` with the file's key or
 * `failed` with a failure code. `GET /v1/leads/exports/{exportId}` reads the job back and, once it has
 * succeeded, signs a fresh download link.
 */
import * as z from 'zod';
import { type Caller, ROLES } from '#shared/api/caller';
import { EXPORT_LOCALES } from './table';

export const LEAD_EXPORT_JOB_STATUSES = ['queued', 'running', 'succeeded', 'failed'] as const;
export type LeadExportJobStatus = (typeof LEAD_EXPORT_JOB_STATUSES)[number];

/** Failure codes of a job. They are stable, so clients can branch on them. */
export const LEAD_EXPORT_FAILURE_CODES = [
  'EXPORT_LAUNCH_FAILED',
  'EXPORT_NOT_STARTED',
  'EXPORT_TIMED_OUT',
  'EXPORT_FAILED',
] as const;
export type LeadExportFailureCode = (typeof LEAD_EXPORT_FAILURE_CODES)[number];

/** Client-facing text of each failure code. It names no internals and no lead data. */
export const LEAD_EXPORT_FAILURE_MESSAGES: Record<LeadExportFailureCode, string> = {
  EXPORT_LAUNCH_FAILED: 'The export could not be started; start it again in a few seconds.',
  EXPORT_NOT_STARTED: 'The export was not started in time; start it again.',
  EXPORT_TIMED_OUT: 'The export stopped before it finished; start it again, or narrow the dates or filter by site.',
  EXPORT_FAILED: 'The export failed while reading leads or writing the file; start it again.',
};

/**
 * Timeout of the worker function: Lambda's maximum. The CDK app sets it, and the status read uses it to tell a
 * job whose worker died from a slow one.
 */
export const LEAD_EXPORT_WORKER_TIMEOUT_SECONDS = 15 * 60;

/**
 * How long Lambda keeps an asynchronous invocation of the worker, retries included, before it drops it. The CDK
 * app sets it on the worker's asynchronous invocation configuration.
 */
export const LEAD_EXPORT_MAX_EVENT_AGE_SECONDS = 15 * 60;

/**
 * Time after its creation at which the job item expires through the table's time to live: the lifetime of the
 * objects in the exports bucket, whose lifecycle rule deletes them after a day.
 */
export const LEAD_EXPORT_JOB_TTL_SECONDS = 24 * 60 * 60;

/** Filters and language of a lead export job, the same as those of `GET /v1/leads/export.csv`. */
export interface LeadExportJobRequest {
  from: string;
  to: string;
  site?: string;
  source?: string;
  locale: (typeof EXPORT_LOCALES)[number];
}

/** The caller's access when the job was created; the worker reads the leads with exactly this scope. */
export interface LeadExportScope {
  role: Caller['role'];
  sites: readonly string[] | '*';
  salespersonId?: string;
}

export interface LeadExportJob {
  tenantId: string;
  exportId: string;
  /** JWT `sub` of the user who created the job. Only that user may read it. */
  subject: string;
  scope: LeadExportScope;
  request: LeadExportJobRequest;
  fileName: string;
  status: LeadExportJobStatus;
  /** CSV rows written so far, or in total once succeeded. */
  rowCount: number;
  /** Bytes of the CSV written so far, or the file's size once succeeded. */
  byteCount: number;
  /** ISO 8601 instants. */
  createdAt: string;
  /** The last change of status or progress. */
  updatedAt: string;
  /** Key of the file in the export store, set once the job has succeeded. */
  fileKey?: string;
  /** Failure code, set once the job has failed. */
  failureCode?: LeadExportFailureCode;
}

/** Stored form of a job, checked when it is read back. */
export const leadExportJobSchema = z.object({
  tenantId: z.string().min(1),
  exportId: z.string().min(1),
  subject: z.string().min(1),
  scope: z.object({
    role: z.enum(ROLES),
    sites: z.union([z.literal('*'), z.array(z.string())]),
    salespersonId: z.string().optional(),
  }),
  request: z.object({
    from: z.string(),
    to: z.string(),
    site: z.string().optional(),
    source: z.string().optional(),
    locale: z.enum(EXPORT_LOCALES),
  }),
  fileName: z.string().min(1),
  status: z.enum(LEAD_EXPORT_JOB_STATUSES),
  rowCount: z.int().min(0),
  byteCount: z.int().min(0),
  createdAt: z.string(),
  updatedAt: z.string(),
  fileKey: z.string().optional(),
  failureCode: z.enum(LEAD_EXPORT_FAILURE_CODES).optional(),
}) satisfies z.ZodType<LeadExportJob>;

/**
 * Storage of the jobs. Every change after `create` is conditional on the job's status, so two workers of one job
 * cannot both run it and a finished job never changes again.
 */
export interface LeadExportJobStore {
  /** Stores a new job, and throws when a job with its id exists. */
  create(job: LeadExportJob): Promise<void>;
  get(tenantId: string, exportId: string): Promise<LeadExportJob | undefined>;
  /** Moves a `queued` job to `running` and returns it, or returns undefined when the job is missing or not queued. */
  start(tenantId: string, exportId: string, at: string): Promise<LeadExportJob | undefined>;
  /** Records the progress of a `running` job. */
  recordProgress(tenantId: string, exportId: string, progress: LeadExportProgress, at: string): Promise<void>;
  /** Ends a `running` job with its file. */
  succeed(
    tenantId: string,
    exportId: string,
    result: LeadExportProgress & { fileKey: string },
    at: string,
  ): Promise<void>;
  /** Ends a `queued` or `running` job with a failure code. */
  fail(tenantId: string, exportId: string, code: LeadExportFailureCode, at: string): Promise<void>;
}

export interface LeadExportProgress {
  rowCount: number;
  byteCount: number;
}

/** The worker event: the job to run. */
export const leadExportWorkerEventSchema = z.object({ tenantId: z.string().min(1), exportId: z.string().min(1) });
export type LeadExportWorkerEvent = z.infer<typeof leadExportWorkerEventSchema>;

/** Starts the worker for a job without waiting for it to finish. */
export interface LeadExportLauncher {
  launch(event: LeadExportWorkerEvent): Promise<void>;
}

/** Builds the caller that the worker acts as, from the job's tenant, user and scope. */
export function callerOfJob(job: LeadExportJob): Caller {
  return {
    tenantId: job.tenantId,
    subject: job.subject,
    role: job.scope.role,
    sites: job.scope.sites,
    ...(job.scope.salespersonId === undefined ? {} : { salespersonId: job.scope.salespersonId }),
  };
}

/** Object key of a job's file in the export store: `<tenant>/<export id>/<file name>`. */
export function leadExportFileKey(job: Pick<LeadExportJob, 'tenantId' | 'exportId' | 'fileName'>): string {
  return `${job.tenantId}/${job.exportId}/${job.fileName}`;
}
