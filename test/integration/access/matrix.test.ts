/**
 * Access matrix: every route of `ROUTES` × the four roles × leads of the caller's site, of another site and of
 * another tenant, against the local stack. A route that `ROUTE_ACCESS` does not classify fails the first test,
 * so a new route joins the matrix as soon as it is added.
 *
 * The tables below are the access rules:
 * - The tenant is the token's (JWT routes) or the path's (webhooks), never a query parameter.
 * - A lead of another tenant, of a site outside the token's sites, or (for a salesperson) not assigned to the
 *   caller returns 404 like a lead that does not exist, so lead ids cannot be probed.
 * - Finance reads KPIs and uploads spend, and gets 403 on every route that returns a lead's personal data or
 *   changes a lead, whatever the lead id.
 */

import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as z from 'zod';
import { postDelivery, signatureHeaders } from '#infra/local/deliveries';
import { ROUTES, type RouteDefinition } from '#shared/http/routes';
import { LEAD_FIXTURES_DIR } from '#test/support/local-stack';
import {
  type AccessStack,
  LEAD_TARGETS,
  type LeadTarget,
  OWN_TENANT_TARGETS,
  PRINCIPALS,
  type Principal,
  RIVAL_TENANT,
  startAccessStack,
} from './access-stack';

/** Which leads each role may see. Every other lead returns 404, and `forbidden` means 403 whatever the lead. */
type LeadVisibility = Record<Principal, readonly LeadTarget[] | 'forbidden'>;

const LEAD_VISIBILITY: LeadVisibility = {
  groupAdmin: OWN_TENANT_TARGETS,
  siteManager: ['ownSiteAssigned', 'ownSiteUnassigned'],
  salesperson: ['ownSiteAssigned'],
  finance: 'forbidden',
};

/** The leads that each role's KPI totals count: the sites of the token (a salesperson's own leads), never another tenant. */
const KPI_LEADS: Record<Principal, readonly LeadTarget[]> = {
  groupAdmin: OWN_TENANT_TARGETS,
  siteManager: ['ownSiteAssigned', 'ownSiteUnassigned'],
  salesperson: ['ownSiteAssigned'],
  finance: OWN_TENANT_TARGETS,
};

/** How a route is checked. Every route of `ROUTES` needs an entry. */
type RouteAccess =
  /** A route with `{leadId}`: the status follows `visibility` for each role and lead. */
  | { kind: 'lead'; okStatus: number; visibility: LeadVisibility; body?: (leadId: string) => unknown }
  /** `GET /v1/leads`: the page contains exactly the leads of `visibility`. */
  | { kind: 'leadList'; visibility: LeadVisibility }
  /** `GET /v1/kpis`: every role gets 200, with totals over `KPI_LEADS`. */
  | { kind: 'kpis' }
  /** A tenant-wide write: 200 for the roles listed, 403 for the others. */
  | { kind: 'tenantWrite'; allowed: readonly Principal[]; body: unknown }
  /** A webhook route: the tenant is the path's, and only that tenant's credentials pass. */
  | { kind: 'webhookDelivery' }
  | { kind: 'webhookHandshake' }
  /** A read of tenant-wide figures: the status of each role, and never a lead id of another tenant in the body. */
  | { kind: 'read'; path: () => string; statuses: Record<Principal, number> }
  /** `GET /v1/leads/export.csv`: scoped like the lead list. */
  | { kind: 'leadExport'; visibility: LeadVisibility }
  /** `POST /v1/leads/exports`: a job whose file contains the leads of the lead list, 403 for `forbidden`. */
  | { kind: 'leadExportJob'; visibility: LeadVisibility }
  /** `GET /v1/leads/exports/{exportId}`: only the user who started the job reads it; everyone else gets 404. */
  | { kind: 'leadExportJobRead' }
  /** Open to anyone, with or without a token. */
  | { kind: 'public' };

const SPEND_MONTH = '2026-11';

const ROUTE_ACCESS: Record<string, RouteAccess> = {
  'GET /v1/webhooks/{tenantId}/{integrationId}': { kind: 'webhookHandshake' },
  'POST /v1/webhooks/{tenantId}/{integrationId}': { kind: 'webhookDelivery' },
  'GET /v1/kpis': { kind: 'kpis' },
  'GET /v1/leads': { kind: 'leadList', visibility: LEAD_VISIBILITY },
  'GET /v1/leads/{leadId}': { kind: 'lead', okStatus: 200, visibility: LEAD_VISIBILITY },
  'POST /v1/leads/{leadId}/events': {
    kind: 'lead',
    okStatus: 202,
    visibility: LEAD_VISIBILITY,
    body: (leadId) => ({
      eventId: `matrix-contact-${leadId}-${Math.random().toString(36).slice(2)}`,
      type: 'contacted',
      occurredAt: new Date().toISOString(),
      actor: { type: 'salesperson', id: 's-amiens-1' },
      channel: 'phone',
      direction: 'outbound',
    }),
  },
  'PUT /v1/spend': {
    kind: 'tenantWrite',
    allowed: ['groupAdmin', 'finance'],
    body: { rows: [{ month: SPEND_MONTH, source: 'lacentrale', amount: 1200 }] },
  },
  'DELETE /v1/leads/{leadId}': {
    kind: 'lead',
    okStatus: 200,
    // Erasure is for group admins only. It keeps the lead's anonymous facts, so later cases still find it.
    visibility: {
      groupAdmin: OWN_TENANT_TARGETS,
      siteManager: 'forbidden',
      salesperson: 'forbidden',
      finance: 'forbidden',
    },
  },
  'POST /v1/erasures': {
    kind: 'tenantWrite',
    allowed: ['groupAdmin'],
    body: { email: 'nobody@example.org' },
  },
  'PUT /v1/targets': {
    kind: 'tenantWrite',
    allowed: ['groupAdmin'],
    body: { rows: [{ month: SPEND_MONTH, scope: 'group', kpi: 'leads', target: 10 }] },
  },
  'GET /v1/targets/attainment': {
    kind: 'read',
    path: () => `/v1/targets/attainment?month=${SPEND_MONTH}`,
    statuses: { groupAdmin: 200, siteManager: 200, salesperson: 200, finance: 200 },
  },
  'GET /v1/kpis/pacing': {
    kind: 'read',
    path: () => `/v1/kpis/pacing?month=${SPEND_MONTH}`,
    statuses: { groupAdmin: 200, siteManager: 200, salesperson: 200, finance: 200 },
  },
  'GET /v1/kpis/live': {
    kind: 'read',
    path: () => '/v1/kpis/live',
    statuses: { groupAdmin: 200, siteManager: 200, salesperson: 200, finance: 200 },
  },
  'GET /v1/kpis/export.csv': {
    kind: 'read',
    path: () => `/v1/kpis/export.csv?from=${access.range.from}&to=${access.range.to}&groupBy=site`,
    statuses: { groupAdmin: 200, siteManager: 200, salesperson: 200, finance: 200 },
  },
  'GET /v1/kpis/export.xlsx': {
    kind: 'read',
    path: () => `/v1/kpis/export.xlsx?from=${access.range.from}&to=${access.range.to}&groupBy=site`,
    statuses: { groupAdmin: 200, siteManager: 200, salesperson: 200, finance: 200 },
  },
  'GET /v1/leads/export.csv': { kind: 'leadExport', visibility: LEAD_VISIBILITY },
  'POST /v1/leads/exports': { kind: 'leadExportJob', visibility: LEAD_VISIBILITY },
  'GET /v1/leads/exports/{exportId}': { kind: 'leadExportJobRead' },
  'GET /v1/openapi.json': { kind: 'public' },
};

const PRINCIPAL_NAMES = Object.keys(PRINCIPALS) as Principal[];
const SLOW_SETUP_TIMEOUT_MS = 180_000;

const errorBodySchema = z.object({ error: z.object({ code: z.string(), message: z.string() }) });
const leadPageSchema = z.object({ items: z.array(z.looseObject({ leadId: z.string() })) });
const leadSchema = z.looseObject({ leadId: z.string(), tenantId: z.string(), status: z.string() });
const exportJobSchema = z.looseObject({ exportId: z.string(), status: z.string(), downloadUrl: z.string().optional() });
const ingestResultSchema = z.object({ leadIds: z.array(z.string()), duplicates: z.array(z.string()) });
const kpiReportSchema = z.object({
  totals: z.looseObject({ leads: z.number(), cost: z.looseObject({ spend: z.number() }).nullable() }),
});

function routeKey(route: RouteDefinition): string {
  return `${route.method} ${route.path}`;
}

function statusFor(visibility: LeadVisibility, principal: Principal, target: LeadTarget, okStatus: number): number {
  const visible = visibility[principal];
  if (visible === 'forbidden') {
    return 403;
  }
  return visible.includes(target) ? okStatus : 404;
}

let access: AccessStack;

interface CallResult {
  status: number;
  body: unknown;
}

/** Sends a request to the stack and parses the response body when it is JSON. */
async function call(method: string, path: string, options: { token?: string; body?: unknown } = {}) {
  const headers: Record<string, string> = {};
  if (options.token) {
    headers.authorization = `Bearer ${options.token}`;
  }
  if (options.body !== undefined) {
    headers['content-type'] = 'application/json';
  }
  const response = await fetch(`${access.stack.baseUrl}${path}`, {
    method,
    headers,
    body: options.body === undefined ? undefined : JSON.stringify(options.body),
  });
  const text = await response.text();
  const isJson = response.headers.get('content-type')?.startsWith('application/json') ?? false;
  return { status: response.status, body: isJson ? JSON.parse(text) : text } satisfies CallResult;
}

function listPath(extra = ''): string {
  return `/v1/leads?from=${access.range.from}&to=${access.range.to}&limit=200${extra}`;
}

function kpiPath(extra = ''): string {
  return `/v1/kpis?from=${access.range.from}&to=${access.range.to}&groupBy=site${extra}`;
}

/** The fixture of the demo tenant's `ownSiteAssigned` lead, so a redelivery of it is a duplicate of that lead. */
function ownSiteFixture(): Promise<Buffer> {
  return readFile(join(LEAD_FIXTURES_DIR, 'adf/lacentrale-vo.xml'));
}

function idsOf(targets: readonly LeadTarget[]): string[] {
  return targets.map((target) => access.leadIds[target]).sort();
}

beforeAll(async () => {
  access = await startAccessStack();
}, SLOW_SETUP_TIMEOUT_MS);

afterAll(async () => {
  await access?.stack.stop();
});

describe('access matrix', () => {
  it('classifies every route of ROUTES', () => {
    const keys = ROUTES.map(routeKey);

    expect(keys.filter((key) => !(key in ROUTE_ACCESS))).toEqual([]);
    expect(Object.keys(ROUTE_ACCESS).filter((key) => !keys.includes(key))).toEqual([]);
  });

  for (const route of ROUTES) {
    const rule = ROUTE_ACCESS[routeKey(route)];
    if (rule) {
      describe(routeKey(route), () => registerRouteCases(route, rule));
    }
  }
});

function registerRouteCases(route: RouteDefinition, rule: RouteAccess): void {
  switch (rule.kind) {
    case 'lead':
      registerLeadCases(route, rule);
      return;
    case 'leadList':
      registerLeadListCases(rule.visibility);
      return;
    case 'kpis':
      registerKpiCases();
      return;
    case 'tenantWrite':
      registerTenantWriteCases(route, rule.allowed, rule.body);
      return;
    case 'webhookDelivery':
      registerWebhookDeliveryCases();
      return;
    case 'webhookHandshake':
      registerWebhookHandshakeCases();
      return;
    case 'read':
      registerReadCases(route, rule.path, rule.statuses);
      return;
    case 'leadExport':
      registerLeadExportCases(rule.visibility);
      return;
    case 'leadExportJob':
      registerLeadExportJobCases(rule.visibility);
      return;
    case 'leadExportJobRead':
      registerLeadExportJobReadCases();
      return;
    case 'public':
      registerPublicCases(route);
      return;
  }
}

const OTHER_TENANT_TARGETS: readonly LeadTarget[] = ['otherTenantOwnSite', 'otherTenantOtherSite'];

function registerReadCases(route: RouteDefinition, path: () => string, statuses: Record<Principal, number>): void {
  for (const principal of PRINCIPAL_NAMES) {
    it(`answers ${statuses[principal]} to ${principal}`, async () => {
      const response = await call(route.method, path(), { token: await access.token(principal) });

      expect(response.status).toBe(statuses[principal]);
      const text = typeof response.body === 'string' ? response.body : JSON.stringify(response.body);
      expect(idsOf(OTHER_TENANT_TARGETS).filter((leadId) => text.includes(leadId))).toEqual([]);
    });
  }
}

function registerLeadExportCases(visibility: LeadVisibility): void {
  for (const principal of PRINCIPAL_NAMES) {
    const visible = visibility[principal];
    const expected = visible === 'forbidden' ? 403 : 200;
    it(`answers ${expected} to ${principal} with the leads it may list`, async () => {
      const path = `/v1/leads/export.csv?from=${access.range.from}&to=${access.range.to}`;

      const response = await call('GET', path, { token: await access.token(principal) });

      expect(response.status).toBe(expected);
      if (visible !== 'forbidden') {
        const text = String(response.body);
        const exported = LEAD_TARGETS.filter((target) => text.includes(access.leadIds[target]));
        expect(exported).toEqual(visible);
      }
    });
  }
}

/** Starts a lead export job over the matrix range with the token; returns the response of the POST. */
function startExportJob(token: string): Promise<CallResult> {
  return call('POST', '/v1/leads/exports', { token, body: { from: access.range.from, to: access.range.to } });
}

/** Polls a job until it has finished and returns its last state. */
async function finishedExportJob(exportId: string, token: string): Promise<z.infer<typeof exportJobSchema>> {
  let job = exportJobSchema.parse((await call('GET', `/v1/leads/exports/${exportId}`, { token })).body);
  await expect
    .poll(
      async () => {
        job = exportJobSchema.parse((await call('GET', `/v1/leads/exports/${exportId}`, { token })).body);
        return job.status;
      },
      { timeout: 30_000, interval: 200 },
    )
    .toMatch(/^(succeeded|failed)$/);
  return job;
}

function registerLeadExportJobCases(visibility: LeadVisibility): void {
  for (const principal of PRINCIPAL_NAMES) {
    const visible = visibility[principal];
    const expected = visible === 'forbidden' ? 403 : 202;
    it(`answers ${expected} to ${principal}, with a file of the leads it may list`, async () => {
      const token = await access.token(principal);

      const response = await startExportJob(token);

      expect(response.status).toBe(expected);
      if (visible !== 'forbidden') {
        const job = await finishedExportJob(exportJobSchema.parse(response.body).exportId, token);
        expect(job.status).toBe('succeeded');
        const text = await (await fetch(`${access.stack.baseUrl}${job.downloadUrl}`)).text();
        const exported = LEAD_TARGETS.filter((target) => text.includes(access.leadIds[target]));
        expect(exported).toEqual(visible);
      }
    });
  }
}

function registerLeadExportJobReadCases(): void {
  let exportId: string;
  beforeAll(async () => {
    const response = await startExportJob(await access.token('groupAdmin'));
    exportId = exportJobSchema.parse(response.body).exportId;
    await access.stack.stack.waitForInvocations();
  });

  for (const principal of PRINCIPAL_NAMES) {
    const expected = principal === 'groupAdmin' ? 200 : 404;
    it(`answers ${expected} to ${principal} on a job of the group admin`, async () => {
      const response = await call('GET', `/v1/leads/exports/${exportId}`, { token: await access.token(principal) });

      expect(response.status).toBe(expected);
    });
  }

  it('answers 404 to the other tenant on a job of the group admin', async () => {
    const response = await call('GET', `/v1/leads/exports/${exportId}`, { token: await access.rivalAdminToken() });

    expect(response.status).toBe(404);
  });

  it('answers 404 on an unknown job', async () => {
    const path = '/v1/leads/exports/00000000-0000-4000-8000-000000000000';

    const response = await call('GET', path, { token: await access.token('groupAdmin') });

    expect(response.status).toBe(404);
  });
}

function registerLeadCases(route: RouteDefinition, rule: Extract<RouteAccess, { kind: 'lead' }>): void {
  for (const principal of PRINCIPAL_NAMES) {
    for (const target of LEAD_TARGETS) {
      const expected = statusFor(rule.visibility, principal, target, rule.okStatus);
      it(`answers ${expected} to ${principal} on ${target} lead`, async () => {
        const leadId = access.leadIds[target];
        const path = route.path.replace('{leadId}', leadId);

        const response = await call(route.method, path, {
          token: await access.token(principal),
          body: rule.body?.(leadId),
        });

        expect(response.status).toBe(expected);
        if (expected >= 400) {
          expect(errorBodySchema.parse(response.body).error.code).toBe(expected === 403 ? 'FORBIDDEN' : 'NOT_FOUND');
        }
        if (route.method === 'GET' && expected === 200) {
          expect(leadSchema.parse(response.body)).toMatchObject({ leadId, tenantId: 'demo' });
        }
      });
    }
  }
}

function registerLeadListCases(visibility: LeadVisibility): void {
  for (const principal of PRINCIPAL_NAMES) {
    const visible = visibility[principal];
    if (visible === 'forbidden') {
      it(`answers 403 to ${principal}`, async () => {
        const response = await call('GET', listPath(), { token: await access.token(principal) });

        expect(response.status).toBe(403);
      });
      continue;
    }
    it(`lists to ${principal} exactly ${visible.join(', ')}`, async () => {
      const response = await call('GET', listPath(), { token: await access.token(principal) });

      expect(response.status).toBe(200);
      const ids = leadPageSchema.parse(response.body).items.map((lead) => lead.leadId);
      expect(ids.sort()).toEqual(idsOf(visible));
    });
  }

  it('lists to the other tenant only its own leads', async () => {
    const response = await call('GET', listPath(), { token: await access.rivalAdminToken() });

    const ids = leadPageSchema.parse(response.body).items.map((lead) => lead.leadId);
    expect(ids.sort()).toEqual(idsOf(['otherTenantOwnSite', 'otherTenantOtherSite']));
  });
}

function registerKpiCases(): void {
  for (const principal of PRINCIPAL_NAMES) {
    const counted = KPI_LEADS[principal];
    it(`counts for ${principal} the leads ${counted.join(', ')}`, async () => {
      const response = await call('GET', kpiPath(), { token: await access.token(principal) });

      expect(response.status).toBe(200);
      expect(kpiReportSchema.parse(response.body).totals.leads).toBe(counted.length);
    });
  }

  it('counts for the other tenant only its own leads', async () => {
    const response = await call('GET', kpiPath(), { token: await access.rivalAdminToken() });

    expect(kpiReportSchema.parse(response.body).totals.leads).toBe(2);
  });
}

function registerTenantWriteCases(route: RouteDefinition, allowed: readonly Principal[], body: unknown): void {
  for (const principal of PRINCIPAL_NAMES) {
    const expected = allowed.includes(principal) ? 200 : 403;
    it(`answers ${expected} to ${principal}`, async () => {
      const response = await call(route.method, route.path, { token: await access.token(principal), body });

      expect(response.status).toBe(expected);
    });
  }
}

function registerWebhookDeliveryCases(): void {
  const lacentrale = { integration: 'lacentrale', contentType: 'application/xml' };

  it("accepts a delivery signed with the path tenant's credential", async () => {
    const response = await postDelivery(access.stack.baseUrl, access.demo, lacentrale, await ownSiteFixture());

    expect(response.status).toBe(202);
    expect(ingestResultSchema.parse(await response.json()).leadIds).toEqual([access.leadIds.ownSiteAssigned]);
  });

  it("rejects a delivery to the other tenant signed with the caller's credential", async () => {
    const demoCredentialsOnRivalPath = { ...access.demo, tenantId: RIVAL_TENANT };

    const response = await postDelivery(
      access.stack.baseUrl,
      demoCredentialsOnRivalPath,
      lacentrale,
      await ownSiteFixture(),
    );

    expect(response.status).toBe(401);
    expect(errorBodySchema.parse(await response.json()).error.code).toBe('SIGNATURE_INVALID');
  });

  it('ignores a bearer token of the caller on the other tenant', async () => {
    const response = await fetch(`${access.stack.baseUrl}/v1/webhooks/${RIVAL_TENANT}/lacentrale`, {
      method: 'POST',
      headers: { 'content-type': 'application/xml', authorization: `Bearer ${await access.token('groupAdmin')}` },
      body: await ownSiteFixture(),
    });

    expect(response.status).toBe(401);
  });
}

function registerWebhookHandshakeCases(): void {
  const handshake = (tenantId: string, verifyToken: string) =>
    `/v1/webhooks/${tenantId}/meta-leads?hub.mode=subscribe&hub.challenge=42&hub.verify_token=${verifyToken}`;

  it("completes the handshake with the path tenant's verify token", async () => {
    const response = await call('GET', handshake('demo', 'demo-meta-verify-token'));

    expect(response).toEqual({ status: 200, body: '42' });
  });

  it("rejects the handshake of the other tenant with the caller's verify token", async () => {
    const response = await call('GET', handshake(RIVAL_TENANT, 'demo-meta-verify-token'));

    expect(response.status).toBe(403);
  });
}

function registerPublicCases(route: RouteDefinition): void {
  it('answers 200 without a token', async () => {
    expect((await call(route.method, route.path)).status).toBe(200);
  });

  for (const principal of PRINCIPAL_NAMES) {
    it(`answers 200 to ${principal}`, async () => {
      expect((await call(route.method, route.path, { token: await access.token(principal) })).status).toBe(200);
    });
  }
}

describe('tenant from the token', () => {
  const tenantParameters = `&tenantId=${RIVAL_TENANT}&tenant=${RIVAL_TENANT}`;

  it('ignores tenant parameters on the lead list', async () => {
    const response = await call('GET', listPath(tenantParameters), { token: await access.token('groupAdmin') });

    const ids = leadPageSchema.parse(response.body).items.map((lead) => lead.leadId);
    expect(ids.sort()).toEqual(idsOf(OWN_TENANT_TARGETS));
  });

  it('ignores tenant parameters on a lead', async () => {
    const path = `/v1/leads/${access.leadIds.otherTenantOwnSite}?tenantId=${RIVAL_TENANT}&tenant=${RIVAL_TENANT}`;

    const response = await call('GET', path, { token: await access.token('groupAdmin') });

    expect(response.status).toBe(404);
  });

  it('ignores tenant parameters on KPIs', async () => {
    const response = await call('GET', kpiPath(tenantParameters), { token: await access.token('groupAdmin') });

    expect(kpiReportSchema.parse(response.body).totals.leads).toBe(OWN_TENANT_TARGETS.length);
  });

  it('ignores tenant parameters on a webhook', async () => {
    const body = await ownSiteFixture();
    const url = `${access.stack.baseUrl}/v1/webhooks/demo/lacentrale${tenantParameters.replace('&', '?')}`;

    const response = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/xml', ...signatureHeaders(access.demo, 'lacentrale', body) },
      body,
    });

    expect(response.status).toBe(202);
    expect(ingestResultSchema.parse(await response.json()).duplicates).toEqual([access.leadIds.ownSiteAssigned]);
  });
});

describe('other tenant after the matrix', () => {
  it('kept its leads unchanged', async () => {
    const token = await access.rivalAdminToken();

    const statuses = [];
    for (const target of ['otherTenantOwnSite', 'otherTenantOtherSite'] as const) {
      const response = await call('GET', `/v1/leads/${access.leadIds[target]}`, { token });
      statuses.push(leadSchema.parse(response.body).status);
    }

    expect(statuses).toEqual(['assigned', 'assigned']);
  });

  it('has no spend from the other tenant', async () => {
    const response = await call('GET', kpiPath(), { token: await access.rivalAdminToken() });

    expect(kpiReportSchema.parse(response.body).totals.cost?.spend ?? 0).toBe(0);
  });

  it('leaves the spend in the caller tenant', async () => {
    const response = await call('GET', kpiPath(), { token: await access.token('finance') });

    expect(kpiReportSchema.parse(response.body).totals.cost?.spend).toBeGreaterThan(0);
  });
});
