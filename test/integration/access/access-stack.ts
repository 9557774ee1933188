/**
 * A local stack with two tenants for the access tests: the demo tenant and `rival`, a copy of it with other
 * credentials. Each tenant gets leads on two sites, some assigned to a salesperson, so that every route can be
 * called on a lead of the caller's site, of another site and of another tenant.
 */
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import * as z from 'zod';
import { postDelivery, readTenantDocument, type TenantDocument } from '#infra/local/deliveries';
import type { DevTokenClaims } from '#infra/local/dev-token';
import { DEMO_TENANT_DOCUMENT, LOCAL_TABLE_NAMES } from '#infra/local/stack';
import { loadTenantDocument } from '#infra/local/tenant';
import { LEAD_FIXTURES_DIR, startTestStack, type TestStack } from '#test/support/local-stack';

export const RIVAL_TENANT = 'rival';

/** The callers of the matrix. All belong to the demo tenant, and `rival` is the other tenant. */
export type Principal = 'groupAdmin' | 'siteManager' | 'salesperson' | 'finance';

export const PRINCIPALS: Record<Principal, Partial<DevTokenClaims>> = {
  groupAdmin: { role: 'group-admin', sites: '*' },
  siteManager: { role: 'site-manager', sites: 'amiens-nord' },
  salesperson: { role: 'salesperson', sites: 'amiens-nord', subject: 's-amiens-1' },
  finance: { role: 'finance', sites: '*' },
};

/**
 * The leads of the matrix, named from the callers' side: their site is `amiens-nord`, the other site
 * `abbeville`. The other tenant's `amiens-nord` lead is assigned to a salesperson with the same id as the
 * caller's, so only the tenant distinguishes them.
 */
export type LeadTarget =
  | 'ownSiteAssigned'
  | 'ownSiteUnassigned'
  | 'otherSite'
  | 'otherTenantOwnSite'
  | 'otherTenantOtherSite'
  | 'unknown';

export const LEAD_TARGETS: readonly LeadTarget[] = [
  'ownSiteAssigned',
  'ownSiteUnassigned',
  'otherSite',
  'otherTenantOwnSite',
  'otherTenantOtherSite',
  'unknown',
];

/** The demo tenant's leads: the only ones that any caller of the matrix may ever see. */
export const OWN_TENANT_TARGETS: readonly LeadTarget[] = ['ownSiteAssigned', 'ownSiteUnassigned', 'otherSite'];

/** A well-formed lead id that no tenant has. */
const UNKNOWN_LEAD_ID = 'ld_aaaaaaaaaaaaaaaaaaaaaaaaaa';

const FIXTURES: Record<Exclude<LeadTarget, 'unknown'>, { tenant: 'demo' | 'rival'; path: string }> = {
  ownSiteAssigned: { tenant: 'demo', path: 'adf/lacentrale-vo.xml' },
  ownSiteUnassigned: { tenant: 'demo', path: 'web-form/contact.json' },
  otherSite: { tenant: 'demo', path: 'adf/oem-vn-single-phone.xml' },
  otherTenantOwnSite: { tenant: 'rival', path: 'adf/lacentrale-vo.xml' },
  otherTenantOtherSite: { tenant: 'rival', path: 'adf/oem-vn-single-phone.xml' },
};

const DELIVERIES: Record<string, { integration: string; contentType: string }> = {
  'adf/lacentrale-vo.xml': { integration: 'lacentrale', contentType: 'application/xml' },
  'adf/oem-vn-single-phone.xml': { integration: 'oem-portal', contentType: 'application/xml' },
  'web-form/contact.json': { integration: 'website', contentType: 'application/json' },
};

/** Who each assigned lead goes to. */
const ASSIGNMENTS: Partial<Record<LeadTarget, string>> = {
  ownSiteAssigned: 's-amiens-1',
  otherSite: 's-abbeville-1',
  otherTenantOwnSite: 's-amiens-1',
  otherTenantOtherSite: 's-abbeville-1',
};

const ingestResultSchema = z.object({ leadIds: z.array(z.string()).length(1) });
const leadSchema = z.looseObject({ leadId: z.string(), localDate: z.string(), siteId: z.string().nullable() });

export interface AccessStack {
  stack: TestStack;
  demo: TenantDocument;
  rival: TenantDocument;
  leadIds: Record<LeadTarget, string>;
  /** Local dates that cover every lead of both tenants. */
  range: { from: string; to: string };
  /** A demo-tenant token of the principal. */
  token(principal: Principal): Promise<string>;
  /** A group admin token of the other tenant. */
  rivalAdminToken(): Promise<string>;
}

/**
 * Starts the stack, loads the rival tenant, posts the leads of `LeadTarget`, assigns them and runs the
 * nightly job for both tenants.
 */
export async function startAccessStack(): Promise<AccessStack> {
  // The matrix sends more requests per route than the route throttles of ROUTES allow in a burst.
  const stack = await startTestStack({ rateLimits: false });
  const rivalPath = join(stack.dataDir, 'rival-tenant.json');
  await writeFile(rivalPath, JSON.stringify(rivalDocument(await readFile(DEMO_TENANT_DOCUMENT, 'utf8'))));
  await loadTenantDocument({
    documentPath: rivalPath,
    client: stack.stack.documentClient,
    tableName: LOCAL_TABLE_NAMES.leads,
    secretsFile: join(stack.dataDir, 'secrets.json'),
  });
  const demo = stack.tenant;
  const rival = await readTenantDocument(rivalPath);

  const leadIds = { unknown: UNKNOWN_LEAD_ID } as Record<LeadTarget, string>;
  for (const [target, fixture] of Object.entries(FIXTURES)) {
    const delivery = DELIVERIES[fixture.path];
    if (!delivery) {
      throw new Error(`No delivery for fixture ${fixture.path}`);
    }
    const body = await readFile(join(LEAD_FIXTURES_DIR, fixture.path));
    const response = await postDelivery(stack.baseUrl, fixture.tenant === 'demo' ? demo : rival, delivery, body);
    if (response.status !== 202) {
      throw new Error(`Fixture ${fixture.path} for ${fixture.tenant} returned ${response.status}`);
    }
    leadIds[target as LeadTarget] = ingestResultSchema.parse(await response.json()).leadIds[0] as string;
  }

  const adminTokens = {
    demo: await stack.token(PRINCIPALS.groupAdmin),
    rival: await stack.token({ ...PRINCIPALS.groupAdmin, tenantId: RIVAL_TENANT }),
  };
  const dates: string[] = [];
  for (const [target, salespersonId] of Object.entries(ASSIGNMENTS)) {
    const tenant = FIXTURES[target as Exclude<LeadTarget, 'unknown'>].tenant;
    const leadId = leadIds[target as LeadTarget];
    await assign(stack.baseUrl, adminTokens[tenant], leadId, salespersonId);
  }
  for (const [target, fixture] of Object.entries(FIXTURES)) {
    const { status, body } = await stack.getJson(
      `/v1/leads/${leadIds[target as LeadTarget]}`,
      adminTokens[fixture.tenant],
    );
    if (status !== 200) {
      throw new Error(`Lead ${target} could not be read back by its group admin: ${status}`);
    }
    dates.push(leadSchema.parse(body).localDate);
  }
  dates.sort();
  const range = { from: dates[0] as string, to: dates.at(-1) as string };
  for (const tenantId of [demo.tenantId, RIVAL_TENANT]) {
    await stack.stack.runNightly({ tenantId, ...range });
  }

  return {
    stack,
    demo,
    rival,
    leadIds,
    range,
    token: (principal) => stack.token(PRINCIPALS[principal]),
    rivalAdminToken: () => stack.token({ ...PRINCIPALS.groupAdmin, tenantId: RIVAL_TENANT }),
  };
}

/** Returns the demo document under another tenant id, with every credential changed so that demo's cannot pass. */
function rivalDocument(demoText: string): unknown {
  const document = JSON.parse(demoText) as { tenantId: string; name: string; integrations: { auth: object }[] };
  document.tenantId = RIVAL_TENANT;
  document.name = 'Groupe Rival';
  for (const integration of document.integrations) {
    integration.auth = Object.fromEntries(
      Object.entries(integration.auth).map(([key, value]) => [key, key === 'type' ? value : `${value}-rival`]),
    );
  }
  return document;
}

async function assign(baseUrl: string, token: string, leadId: string, salespersonId: string): Promise<void> {
  const response = await fetch(`${baseUrl}/v1/leads/${leadId}/events`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: JSON.stringify({
      eventId: `assign-${leadId}`,
      type: 'assigned',
      occurredAt: new Date().toISOString(),
      actor: { type: 'call-centre', id: 'cc-1' },
      salespersonId,
    }),
  });
  if (response.status !== 202) {
    throw new Error(`Assigning lead ${leadId} returned ${response.status}: ${await response.text()}`);
  }
}
