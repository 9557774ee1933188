/** The authenticated caller of the KPI and lead API, from the JWT claims that the gateway verified. */
import type { APIGatewayProxyEventV2WithJWTAuthorizer } from 'aws-lambda';
import * as z from 'zod';
import { UnauthorizedError } from '#shared/errors';
import { CLAIMS } from '#shared/http/routes';

export const ROLES = ['group-admin', 'site-manager', 'salesperson', 'finance'] as const;
export type Role = (typeof ROLES)[number];

export interface Caller {
  tenantId: string;
  role: Role;
  /** Sites whose leads and KPIs the caller may see; `*` for every site, including unrouted leads. */
  sites: readonly string[] | '*';
  subject: string;
  /**
   * For the `salesperson` role, the salesperson id of the tenant team that leads are assigned to: the
   * `salesperson` claim, or the token's `sub` when the token has none. Absent for every other role.
   */
  salespersonId?: string;
}

const claimsSchema = z.object({
  tenant: z.string().min(1),
  role: z.enum(ROLES),
  sites: z.string().min(1),
  sub: z.string().min(1),
  salesperson: z.string().optional(),
});

/**
 * Reads the caller from the verified claims. Cognito ID tokens carry custom attributes as `custom:<name>`,
 * the local dev tokens as plain names; both are accepted. The tenant always comes from the token, never
 * from a query parameter.
 */
export function callerFromEvent(event: APIGatewayProxyEventV2WithJWTAuthorizer): Caller {
  const claims = event.requestContext.authorizer?.jwt?.claims ?? {};
  const claim = (name: string) => {
    const value = claims[name] ?? claims[`custom:${name}`];
    return value === undefined ? undefined : String(value);
  };
  const parsed = claimsSchema.safeParse({
    tenant: claim(CLAIMS.tenant),
    role: claim(CLAIMS.role),
    sites: claim(CLAIMS.sites),
    sub: claim('sub'),
    salesperson: claim(CLAIMS.salesperson),
  });
  if (!parsed.success) {
    throw new UnauthorizedError('The token lacks the tenant, role or sites claim');
  }
  const { tenant, role, sites, sub, salesperson } = parsed.data;
  const siteList = sites
    .split(',')
    .map((site) => site.trim())
    .filter((site) => site !== '');
  return {
    tenantId: tenant,
    role,
    sites: siteList.includes('*') ? '*' : siteList,
    subject: sub,
    ...(role === 'salesperson' ? { salespersonId: salesperson || sub } : {}),
  };
}

/** Whether the caller may see a lead of that site (`null`: an unrouted lead, visible to all-site callers only). */
export function canSeeSite(caller: Caller, siteId: string | null): boolean {
  if (caller.sites === '*') {
    return true;
  }
  return siteId !== null && caller.sites.includes(siteId);
}

/** The lead attributes that decide whether a caller may see a lead. */
export interface LeadScope {
  siteId: string | null;
  /** Null until the lead is assigned. */
  assignedSalespersonId: string | null;
}

/**
 * Whether the caller may see the lead: one of the caller's sites, and for a salesperson also a lead assigned
 * to them. The role check (finance reads no lead) is separate, because it does not depend on the lead.
 */
export function canSeeLead(caller: Caller, lead: LeadScope): boolean {
  if (!canSeeSite(caller, lead.siteId)) {
    return false;
  }
  if (caller.role !== 'salesperson') {
    return true;
  }
  return caller.salespersonId !== undefined && lead.assignedSalespersonId === caller.salespersonId;
}
