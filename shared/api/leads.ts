/** Lead reads scoped to the caller: the tenant from the token, then the caller's sites. */
import { NotFoundError } from '#shared/errors';
import type { Lead } from '#shared/lead/model';
import type { LeadPage, LeadRepository } from '#shared/store/lead-repository';
import { type Caller, canSeeSite } from './caller';

/** Returns one lead; a lead of another tenant or of a site the caller may not see is "not found" alike. */
export async function getLead(leads: LeadRepository, caller: Caller, leadId: string): Promise<Lead> {
  const lead = await leads.get(caller.tenantId, leadId);
  if (!lead || !canSeeSite(caller, lead.siteId)) {
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

/** Lists the caller's leads dated between `from` and `to` (local dates), newest last, page by page. */
export async function listLeads(leads: LeadRepository, caller: Caller, request: LeadListRequest): Promise<LeadPage> {
  return leads.list({ ...request, tenantId: caller.tenantId, visibleSites: caller.sites });
}
