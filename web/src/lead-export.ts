/**
 * The lead export of the dashboard: starts a job with `POST /v1/leads/exports`, polls its status about once a
 * second to show the rows written, then downloads the file from the job's link. The link is followed without the
 * Authorization header, because S3 rejects a pre-signed request that carries one.
 */
import { ApiError, authorizedFetch, NotAvailableError, UnauthorizedError } from './api';
import { isRecord } from './auth';
import { el } from './dom';
import { formatBytes, formatInteger } from './format';
import { type MessageKey, t } from './i18n';

/** The view's filters that a lead export takes. */
export interface LeadExportFilters {
  from: string;
  to: string;
  site?: string;
  source?: string;
}

const POLL_INTERVAL_MS = 1_000;

/** Text of each failure code of a job; an unknown code reads as a general failure. */
const FAILURE_MESSAGES: Record<string, MessageKey> = {
  EXPORT_LAUNCH_FAILED: 'leadExportNotStarted',
  EXPORT_NOT_STARTED: 'leadExportNotStarted',
  EXPORT_TIMED_OUT: 'leadExportTimedOut',
  EXPORT_FAILED: 'leadExportError',
};

interface JobState {
  exportId: string;
  status: string;
  rowCount: number;
  byteCount: number;
  fileName: string;
  downloadUrl?: string;
  failureCode?: string;
}

/** Runs one lead export and reports it in `status` and `progress`. It catches every error and shows it in `status`. */
export async function runLeadExport(
  filters: LeadExportFilters,
  status: HTMLElement,
  progress: HTMLProgressElement,
): Promise<void> {
  progress.hidden = false;
  progress.removeAttribute('value');
  status.textContent = t('leadExportQueued');
  try {
    // French headers and `;` even in English: the file is meant for French Excel, like the KPI exports.
    const response = await authorizedFetch('/v1/leads/exports', {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json' },
      body: JSON.stringify({ ...filters, locale: 'fr' }),
    });
    let job = jobState(await response.json());
    const statusPath = response.headers.get('location') ?? `/v1/leads/exports/${encodeURIComponent(job.exportId)}`;
    while (job.status === 'queued' || job.status === 'running') {
      showProgress(job, status);
      await delay(POLL_INTERVAL_MS);
      job = jobState(await (await authorizedFetch(statusPath, { headers: { accept: 'application/json' } })).json());
    }

    if (job.status !== 'succeeded' || job.downloadUrl === undefined) {
      status.textContent = t('leadExportFailed', {
        message: t(FAILURE_MESSAGES[job.failureCode ?? ''] ?? 'leadExportError'),
      });
      return;
    }
    download(job.downloadUrl, job.fileName);
    status.textContent = t('leadExportDone', {
      name: job.fileName,
      rows: formatInteger(job.rowCount),
      bytes: formatBytes(job.byteCount),
    });
  } catch (error) {
    status.textContent = t('leadExportFailed', { message: failureText(error) });
  } finally {
    progress.hidden = true;
  }
}

function showProgress(job: JobState, status: HTMLElement): void {
  status.textContent =
    job.status === 'queued' ? t('leadExportQueued') : t('leadExportRunning', { rows: formatInteger(job.rowCount) });
}

function jobState(body: unknown): JobState {
  if (!isRecord(body) || typeof body.exportId !== 'string' || typeof body.status !== 'string') {
    throw new ApiError(200, 'the export job response has no exportId and status');
  }
  const failure = isRecord(body.failure) && typeof body.failure.code === 'string' ? body.failure.code : undefined;
  return {
    exportId: body.exportId,
    status: body.status,
    rowCount: typeof body.rowCount === 'number' ? body.rowCount : 0,
    byteCount: typeof body.byteCount === 'number' ? body.byteCount : 0,
    fileName: typeof body.fileName === 'string' ? body.fileName : '',
    ...(typeof body.downloadUrl === 'string' ? { downloadUrl: body.downloadUrl } : {}),
    ...(failure === undefined ? {} : { failureCode: failure }),
  };
}

/** Plain words for a failed request: the role, a missing route, or the server's own message. */
function failureText(error: unknown): string {
  if (error instanceof ApiError && error.status === 403) {
    return t('leadExportForbidden');
  }
  if (error instanceof NotAvailableError && error.status === 404) {
    return t('notAvailable');
  }
  if (error instanceof UnauthorizedError) {
    return t('leadExportSignedOut');
  }
  if (error instanceof ApiError && error.status >= 500) {
    return t('leadExportServerError');
  }
  return error instanceof Error ? error.message : String(error);
}

function download(url: string, fileName: string): void {
  const link = el('a', { href: url, download: fileName || undefined, hidden: true });
  document.body.append(link);
  link.click();
  link.remove();
}

function delay(milliseconds: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, milliseconds));
}
