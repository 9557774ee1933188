/**
 * Lead reads scoped to the caller: the tenant from the token, then the caller's sites, then for a salesperson
 * the leads assigned to them. The finance role reads KPIs and spend only, never a lead's personal data.
 */
import { ForbiddenError, NotFoundError } from '#shared/errors';
import type { Lead } from '#shared/lead/model';
import type { LeadPage, LeadRepository } from '#shared/store/lead-repository';
import { type Caller, canSeeLead } from './caller';

/**
 * Returns one lead. A lead of another tenant, of a site the caller may not see, or (for a salesperson) not
 * assigned to the caller is "not found" alike, so lead ids cannot be probed.
 *
 * @throws ForbiddenError for a finance caller, whatever the lead id.
 * @throws NotFoundError when the lead does not exist or is outside the caller's scope.
 */
export async function getLead(leads: LeadRepository, caller: Caller, leadId: string): Promise<Lead> {
  assertMayReadLeads(caller);
  const lead = await leads.get(caller.tenantId, leadId);
  if (!lead || !canSeeLead(caller, scopeOf(lead))) {
    throw new NotFoundError(`Lead ${leadId} not found`);
  }
  return lead;
}

export interface LeadListRequest {
  from: string;
  to: string;
  site?: string;
  source?: string;
  limit: number;
  cursor?: string;
}

/**
 * Lists the caller's leads dated between `from` and `to` (local dates), newest last, page by page.
 *
 * NOTE: a salesperson's leads are filtered after the repository read its page, so a salesperson's page can
 * hold fewer than `limit` leads, or none, while `nextCursor` is set. Passing the salesperson id into
 * `LeadListQuery`, so that the repository filters before it counts the page, would lift this.
 *
 * @throws ForbiddenError for a finance caller.
 */
export async function listLeads(leads: LeadRepository, caller: Caller, request: LeadListRequest): Promise<LeadPage> {
  assertMayReadLeads(caller);
  const page = await leads.list({ ...request, tenantId: caller.tenantId, visibleSites: caller.sites });
  if (caller.role !== 'salesperson') {
    return page;
  }
  return { ...page, items: page.items.filter((lead) => canSeeLead(caller, scopeOf(lead))) };
}

/**
 * Rejects the roles that may not read leads. Leads carry names, emails and phones; finance works on KPIs and
 * spend, which carry none.
 *
 * @throws ForbiddenError for the finance role.
 */
export function assertMayReadLeads(caller: Caller): void {
  if (caller.role === 'finance') {
    throw new ForbiddenError('The finance role cannot read leads; it reads KPIs and spend');
  }
}

function scopeOf(lead: Lead) {
  return { siteId: lead.siteId, assignedSalespersonId: lead.lifecycle?.assignedSalespersonId ?? null };
}
