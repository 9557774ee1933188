import { describe, expect, it } from 'vitest';
import type { Caller } from '#shared/api/caller';
import { DependencyUnavailableError, ForbiddenError, NotFoundError } from '#shared/errors';
import type { ExportFile, ExportStore, StoredExport } from '#shared/export/export-store';
import {
  LEAD_EXPORT_MAX_EVENT_AGE_SECONDS,
  LEAD_EXPORT_WORKER_TIMEOUT_SECONDS,
  type LeadExportFailureCode,
  type LeadExportJob,
  type LeadExportJobStore,
  type LeadExportProgress,
  type LeadExportWorkerEvent,
} from '#shared/export/lead-export-job';
import { readLeadExport, staleFailure, startLeadExport } from '#shared/export/lead-export-status';
import { runLeadExport } from '#shared/export/lead-export-worker';
import type { Lead } from '#shared/lead/model';
import type { LeadListQuery, LeadPage, LeadRepository } from '#shared/store/lead-repository';
import type { TenantRepository } from '#shared/tenant/repository';
import { aLead } from '#test/factories/lead';

const admin: Caller = { tenantId: 'demo', role: 'group-admin', sites: '*', subject: 'admin-1' };
const request = { from: '2026-11-01', to: '2026-11-30', locale: 'fr' } as const;
const NOW = new Date('2026-11-30T10:00:00.000Z');
const clock = () => NOW;

/** Jobs in a map, with the status conditions of the DynamoDB store. */
class MemoryJobStore implements LeadExportJobStore {
  readonly jobs = new Map<string, LeadExportJob>();
  readonly progress: LeadExportProgress[] = [];

  async create(job: LeadExportJob): Promise<void> {
    this.jobs.set(job.exportId, structuredClone(job));
  }

  async get(tenantId: string, exportId: string): Promise<LeadExportJob | undefined> {
    const job = this.jobs.get(exportId);
    return job?.tenantId === tenantId ? structuredClone(job) : undefined;
  }

  async start(tenantId: string, exportId: string, at: string): Promise<LeadExportJob | undefined> {
    const job = await this.get(tenantId, exportId);
    if (job?.status !== 'queued') {
      return undefined;
    }
    return this.change(exportId, { status: 'running', updatedAt: at });
  }

  async recordProgress(_tenantId: string, exportId: string, progress: LeadExportProgress, at: string): Promise<void> {
    this.progress.push(progress);
    this.change(exportId, { ...progress, updatedAt: at });
  }

  async succeed(
    _tenantId: string,
    exportId: string,
    result: LeadExportProgress & { fileKey: string },
    at: string,
  ): Promise<void> {
    this.change(exportId, { ...result, status: 'succeeded', updatedAt: at });
  }

  async fail(_tenantId: string, exportId: string, code: LeadExportFailureCode, at: string): Promise<void> {
    this.change(exportId, { status: 'failed', failureCode: code, updatedAt: at });
  }

  private change(exportId: string, fields: Partial<LeadExportJob>): LeadExportJob {
    const job = { ...(this.jobs.get(exportId) as LeadExportJob), ...fields };
    this.jobs.set(exportId, job);
    return structuredClone(job);
  }
}

/** A repository that returns the given pages in turn, and records the queries it received. */
function pagedLeads(pages: Lead[][]): LeadRepository & { queries: LeadListQuery[] } {
  const queries: LeadListQuery[] = [];
  return {
    queries,
    list: async (query): Promise<LeadPage> => {
      queries.push(query);
      const index = query.cursor === undefined ? 0 : Number(query.cursor);
      const next = index + 1 < pages.length ? { nextCursor: String(index + 1) } : {};
      return { items: pages[index] ?? [], ...next };
    },
    get: async () => undefined,
    createIfAbsent: async () => 'created',
    getPersonKeys: async () => [],
  };
}

const noTenants: TenantRepository = { get: async () => undefined, put: async () => {} };

function memoryExportStore(): ExportStore & { files: ExportFile[] } {
  const files: ExportFile[] = [];
  return {
    files,
    put: async (file) => {
      files.push(file);
    },
    link: async (file: StoredExport, seconds: number) => ({
      url: `/_local/exports/${file.key}?expires=${seconds}`,
      expiresAt: new Date(NOW.getTime() + seconds * 1000).toISOString(),
    }),
    save: async () => {
      throw new Error('not used by jobs');
    },
  };
}

function recordingLauncher(): {
  launch: (event: LeadExportWorkerEvent) => Promise<void>;
  events: LeadExportWorkerEvent[];
} {
  const events: LeadExportWorkerEvent[] = [];
  return { events, launch: async (event) => void events.push(event) };
}

function aJob(overrides: Partial<LeadExportJob> = {}): LeadExportJob {
  return {
    tenantId: 'demo',
    exportId: '5b0e2f9c-3d0e-4f77-9d1a-0c7c0f6a8e11',
    subject: 'admin-1',
    scope: { role: 'group-admin', sites: '*' },
    request,
    fileName: 'leadpilot-leads-2026-11-01-2026-11-30.csv',
    status: 'queued',
    rowCount: 0,
    byteCount: 0,
    createdAt: '2026-11-30T09:59:00.000Z',
    updatedAt: '2026-11-30T09:59:00.000Z',
    ...overrides,
  };
}

describe('startLeadExport', () => {
  it('stores a queued job and launches its worker', async () => {
    const jobs = new MemoryJobStore();
    const launcher = recordingLauncher();

    const view = await startLeadExport({ jobs, launcher, clock }, admin, request);

    expect(launcher.events).toEqual([{ tenantId: 'demo', exportId: view.exportId }]);
    expect(view).toEqual({
      exportId: view.exportId,
      status: 'queued',
      statusUrl: `/v1/leads/exports/${view.exportId}`,
      ...request,
      fileName: 'leadpilot-leads-2026-11-01-2026-11-30.csv',
      rowCount: 0,
      byteCount: 0,
      createdAt: NOW.toISOString(),
      updatedAt: NOW.toISOString(),
    });
    expect(jobs.jobs.get(view.exportId)).toMatchObject({
      subject: 'admin-1',
      scope: { role: 'group-admin', sites: '*' },
    });
  });

  it('keeps the salesperson id in the scope', async () => {
    const jobs = new MemoryJobStore();
    const salesperson: Caller = {
      tenantId: 'demo',
      role: 'salesperson',
      sites: ['amiens-nord'],
      subject: 'u-1',
      salespersonId: 's-amiens-1',
    };

    const view = await startLeadExport({ jobs, launcher: recordingLauncher(), clock }, salesperson, request);

    expect(jobs.jobs.get(view.exportId)?.scope).toEqual({
      role: 'salesperson',
      sites: ['amiens-nord'],
      salespersonId: 's-amiens-1',
    });
  });

  it('rejects the finance role before storing anything', async () => {
    const jobs = new MemoryJobStore();
    const finance: Caller = { tenantId: 'demo', role: 'finance', sites: '*', subject: 'f-1' };

    await expect(startLeadExport({ jobs, launcher: recordingLauncher(), clock }, finance, request)).rejects.toThrow(
      ForbiddenError,
    );
    expect(jobs.jobs.size).toBe(0);
  });

  it('marks the job failed when the launch fails', async () => {
    const jobs = new MemoryJobStore();
    const launcher = {
      launch: async () => {
        throw new Error('Lambda refused the invocation');
      },
    };

    await expect(startLeadExport({ jobs, launcher, clock }, admin, request)).rejects.toThrow(
      DependencyUnavailableError,
    );
    expect([...jobs.jobs.values()].map((job) => [job.status, job.failureCode])).toEqual([
      ['failed', 'EXPORT_LAUNCH_FAILED'],
    ]);
  });

  it('rejects a start without a configured worker', async () => {
    await expect(
      startLeadExport({ jobs: new MemoryJobStore(), launcher: undefined, clock }, admin, request),
    ).rejects.toThrow(DependencyUnavailableError);
  });
});

describe('readLeadExport', () => {
  it('signs a link for a succeeded job', async () => {
    const jobs = new MemoryJobStore();
    const fileKey = 'demo/5b0e2f9c-3d0e-4f77-9d1a-0c7c0f6a8e11/leadpilot-leads-2026-11-01-2026-11-30.csv';
    await jobs.create(aJob({ status: 'succeeded', rowCount: 3, byteCount: 420, fileKey }));

    const view = await readLeadExport({ jobs, exportStore: memoryExportStore(), clock }, admin, aJob().exportId);

    expect(view).toMatchObject({
      status: 'succeeded',
      rowCount: 3,
      byteCount: 420,
      downloadUrl: `/_local/exports/${fileKey}?expires=900`,
      expiresAt: '2026-11-30T10:15:00.000Z',
    });
  });

  it('hides a job from another user and another tenant', async () => {
    const jobs = new MemoryJobStore();
    await jobs.create(aJob());
    const dependencies = { jobs, exportStore: memoryExportStore(), clock };

    await expect(readLeadExport(dependencies, { ...admin, subject: 'admin-2' }, aJob().exportId)).rejects.toThrow(
      NotFoundError,
    );
    await expect(readLeadExport(dependencies, { ...admin, tenantId: 'rival' }, aJob().exportId)).rejects.toThrow(
      NotFoundError,
    );
  });

  it('hides a job past its time to live', async () => {
    const jobs = new MemoryJobStore();
    const createdAt = new Date(NOW.getTime() - 25 * 3600 * 1000).toISOString();
    await jobs.create(aJob({ status: 'succeeded', fileKey: 'demo/x/leads.csv', createdAt, updatedAt: createdAt }));

    await expect(
      readLeadExport({ jobs, exportStore: memoryExportStore(), clock }, admin, aJob().exportId),
    ).rejects.toThrow(NotFoundError);
  });

  it('reports a running job without progress past the worker timeout as failed', async () => {
    const jobs = new MemoryJobStore();
    const lastProgress = new Date(NOW.getTime() - (LEAD_EXPORT_WORKER_TIMEOUT_SECONDS + 1) * 1000).toISOString();
    await jobs.create(aJob({ status: 'running', rowCount: 5000, updatedAt: lastProgress }));

    const view = await readLeadExport({ jobs, exportStore: memoryExportStore(), clock }, admin, aJob().exportId);

    expect(view).toMatchObject({ status: 'failed', rowCount: 5000, failure: { code: 'EXPORT_TIMED_OUT' } });
    expect(view.downloadUrl).toBeUndefined();
  });

  it('returns the stored failure code of a failed job', async () => {
    const jobs = new MemoryJobStore();
    await jobs.create(aJob({ status: 'failed', failureCode: 'EXPORT_FAILED' }));

    const view = await readLeadExport({ jobs, exportStore: memoryExportStore(), clock }, admin, aJob().exportId);

    expect(view.failure).toEqual({
      code: 'EXPORT_FAILED',
      message: 'The export failed while reading leads or writing the file; start it again.',
    });
  });
});

describe('staleFailure', () => {
  const secondsBefore = (seconds: number) => new Date(NOW.getTime() - seconds * 1000).toISOString();

  it.each([
    ['running with recent progress', aJob({ status: 'running', updatedAt: secondsBefore(60) }), undefined],
    [
      'running without progress past the timeout',
      aJob({ status: 'running', updatedAt: secondsBefore(LEAD_EXPORT_WORKER_TIMEOUT_SECONDS + 1) }),
      'EXPORT_TIMED_OUT',
    ],
    ['queued a minute ago', aJob({ createdAt: secondsBefore(60) }), undefined],
    [
      'queued past the event age and its grace',
      aJob({ createdAt: secondsBefore(LEAD_EXPORT_MAX_EVENT_AGE_SECONDS + 61) }),
      'EXPORT_NOT_STARTED',
    ],
    ['succeeded long ago', aJob({ status: 'succeeded', updatedAt: secondsBefore(86_000) }), undefined],
  ] as const)('reports %s as %s', (_case, job, expected) => {
    expect(staleFailure(job, NOW)).toBe(expected);
  });
});

describe('runLeadExport', () => {
  function workerDependencies(pages: Lead[][]) {
    const jobs = new MemoryJobStore();
    const exportStore = memoryExportStore();
    const leads = pagedLeads(pages);
    return { jobs, exportStore, leads, dependencies: { jobs, exportStore, leads, tenants: noTenants, clock } };
  }

  it('writes the CSV, records progress per page and ends succeeded', async () => {
    const { jobs, exportStore, dependencies } = workerDependencies([[aLead(), aLead()], [aLead()]]);
    await jobs.create(aJob());

    const outcome = await runLeadExport(dependencies, { tenantId: 'demo', exportId: aJob().exportId });

    const file = exportStore.files[0];
    const text = Buffer.from(file?.body ?? []).toString('utf8');
    expect(outcome).toEqual({ outcome: 'succeeded', rowCount: 3, byteCount: file?.body.length });
    expect(file).toMatchObject({
      key: `demo/${aJob().exportId}/leadpilot-leads-2026-11-01-2026-11-30.csv`,
      contentType: 'text/csv; charset=utf-8; header=present',
      fileName: 'leadpilot-leads-2026-11-01-2026-11-30.csv',
    });
    expect(text.startsWith('\uFEFFIdentifiant du lead;')).toBe(true);
    expect(text.split('\r\n').filter((line) => line !== '')).toHaveLength(4);
    expect(jobs.progress.map((progress) => progress.rowCount)).toEqual([0, 2, 3]);
    expect(jobs.jobs.get(aJob().exportId)).toMatchObject({ status: 'succeeded', rowCount: 3, fileKey: file?.key });
  });

  it('reads with the scope of the user who created the job', async () => {
    const { jobs, leads, dependencies } = workerDependencies([[]]);
    await jobs.create(
      aJob({ scope: { role: 'site-manager', sites: ['abbeville'] }, request: { ...request, site: 'abbeville' } }),
    );

    await runLeadExport(dependencies, { tenantId: 'demo', exportId: aJob().exportId });

    expect(leads.queries[0]).toMatchObject({ tenantId: 'demo', visibleSites: ['abbeville'], site: 'abbeville' });
  });

  it('skips a job that is already running or finished', async () => {
    const { jobs, exportStore, leads, dependencies } = workerDependencies([[aLead()]]);
    await jobs.create(aJob({ status: 'running' }));

    const outcome = await runLeadExport(dependencies, { tenantId: 'demo', exportId: aJob().exportId });

    expect(outcome).toEqual({ outcome: 'skipped' });
    expect(leads.queries).toEqual([]);
    expect(exportStore.files).toEqual([]);
  });

  it('marks the job failed when a read fails', async () => {
    const { jobs, exportStore, dependencies } = workerDependencies([]);
    dependencies.leads.list = async () => {
      throw new Error('DynamoDB is unavailable');
    };
    await jobs.create(aJob());

    const outcome = await runLeadExport(dependencies, { tenantId: 'demo', exportId: aJob().exportId });

    expect(outcome).toEqual({ outcome: 'failed' });
    expect(exportStore.files).toEqual([]);
    expect(jobs.jobs.get(aJob().exportId)).toMatchObject({ status: 'failed', failureCode: 'EXPORT_FAILED' });
  });
});
