/**
 * Calls to the same-origin KPI API with the signed-in user's bearer token. Reports are typed with the API's
 * own types (type-only imports, erased from the bundle).
 */
import type { KpiFigures, KpiReport } from '#shared/kpi/read';
import { isRecord, signOut, storedToken } from './auth';

export type { KpiFigures };

/** The breakdowns that the dashboard requests; `team`, `salesperson`, `campaign`, `category` are newer. */
export type GroupBy = 'source' | 'site' | 'channel' | 'day' | 'salesperson' | 'campaign' | 'category' | 'team';

/** A report row: the group's key under the `groupBy` name, and the figures. */
export type ReportRow = KpiFigures & Record<string, unknown>;

export interface Report extends Omit<KpiReport, 'rows' | 'groupBy'> {
  groupBy: GroupBy;
  rows: ReportRow[];
}

/** The API answered 404 or 400 to a route or parameter that this server does not have yet. */
export class NotAvailableError extends Error {
  override name = 'NotAvailableError';
  constructor(
    readonly status: number,
    readonly path: string,
    readonly detail: string,
  ) {
    super(`${path} answered ${status}: ${detail}`);
  }
}

/** The token was refused (401) or has expired; the user must sign in again. */
export class UnauthorizedError extends Error {
  override name = 'UnauthorizedError';
}

export class ApiError extends Error {
  override name = 'ApiError';
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

/** Sends an authorized GET and returns the response once its status is checked. */
export async function authorizedFetch(path: string, init: RequestInit = {}): Promise<Response> {
  const token = storedToken();
  if (!token) {
    throw new UnauthorizedError('no token');
  }
  const headers = new Headers(init.headers);
  headers.set('authorization', `Bearer ${token}`);
  const response = await fetch(path, { ...init, headers });
  if (response.status === 401) {
    signOut();
    throw new UnauthorizedError('the API refused the token');
  }
  if (response.status === 404 || response.status === 400) {
    throw new NotAvailableError(response.status, path.split('?')[0] ?? path, await errorMessage(response));
  }
  if (!response.ok) {
    throw new ApiError(response.status, await errorMessage(response));
  }
  return response;
}

/** GETs a JSON body. */
export async function getJson(path: string, signal?: AbortSignal): Promise<unknown> {
  const response = await authorizedFetch(path, { headers: { accept: 'application/json' }, signal });
  return response.json();
}

/** GETs a KPI report; the caller builds the query string. */
export async function getReport(query: URLSearchParams, signal?: AbortSignal): Promise<Report> {
  const body = await getJson(`/v1/kpis?${query}`, signal);
  if (!isRecord(body) || !Array.isArray(body.rows) || !isRecord(body.totals)) {
    throw new ApiError(200, 'GET /v1/kpis returned no rows and totals');
  }
  return body as unknown as Report;
}

async function errorMessage(response: Response): Promise<string> {
  try {
    const body: unknown = await response.json();
    if (isRecord(body) && isRecord(body.error) && typeof body.error.message === 'string') {
      return body.error.message;
    }
    if (isRecord(body) && typeof body.message === 'string') {
      return body.message;
    }
  } catch {
    // Not JSON: the status alone describes the failure.
  }
  return `HTTP ${response.status}`;
}
