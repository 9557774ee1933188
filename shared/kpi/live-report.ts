/**
 * Today's lead counts by site, read from the live lead items that the stream consumer keeps, and the leads
 * still waiting for a first human contact.
 */
import { type Caller, canSeeSite } from '#shared/api/caller';
import { businessMinutesBetween } from '#shared/lifecycle/business-hours';
import type { Site } from '#shared/tenant/model';
import type { TenantRepository } from '#shared/tenant/repository';
import { UNASSIGNED_SITE } from './aggregates';
import { addDays, dateInTimeZone } from './dates';
import type { LiveLead, LiveLeadStore } from './live';
import { loadTenant } from './targets';

/** Days whose waiting leads are listed: today and the two days before, in each site's time zone. */
export const WAITING_LOOKBACK_DAYS = 3;

/** Today's counts of one site. */
export interface LiveSiteCounts {
  /** Site id, or `unassigned` for leads with no site. */
  site: string;
  /** Today's date in the site's time zone (the tenant's default zone for `unassigned`). */
  date: string;
  /** Leads received today. */
  leads: number;
  /** Of those, leads that a salesperson or the call centre contacted. */
  handled: number;
  /** Of those, leads not contacted by a person yet. */
  waiting: number;
}

/** A lead still waiting for its first human contact; no personal data. */
export interface WaitingLead {
  leadId: string;
  site: string;
  source: string;
  receivedAt: string;
  /** Local date of the lead in its site's time zone. */
  localDate: string;
  /** Minutes of the site's opening hours since `receivedAt`, rounded down; null without site or opening hours. */
  waitedBusinessMinutes: number | null;
  /** Calendar minutes since `receivedAt`, rounded down. */
  waitedMinutes: number;
}

export interface LiveReport {
  /** Always `live`: counts kept from the stream. The nightly aggregates of `GET /v1/kpis` replace them. */
  source: 'live';
  /** ISO 8601 UTC instant at which the counts were read. */
  asOf: string;
  /** One row per site of the caller (and `unassigned` when it has leads today), sorted by site id. */
  rows: LiveSiteCounts[];
  totals: { leads: number; handled: number; waiting: number };
  /** Leads of the last three local days still waiting, oldest first. */
  waitingLeads: WaitingLead[];
}

/**
 * Counts today's leads of the caller's sites, each site's today taken in its own time zone, and lists the
 * leads of today and the two days before that nobody has contacted yet. Test leads and deleted leads are
 * left out, as the nightly job leaves them out.
 */
export async function readLiveCounts(
  deps: { live: LiveLeadStore; tenants: TenantRepository; now: Date },
  caller: Caller,
): Promise<LiveReport> {
  const tenant = await loadTenant(deps.tenants, caller.tenantId);
  const zones = new Map<string, { timeZone: string; site: Site | null }>(
    tenant.sites.map((site) => [site.siteId, { timeZone: site.timeZone, site }]),
  );
  zones.set(UNASSIGNED_SITE, { timeZone: tenant.defaultTimeZone, site: null });
  const todayOf = (siteId: string) => dateInTimeZone(deps.now, zones.get(siteId)?.timeZone ?? tenant.defaultTimeZone);

  const visibleSites = [...zones.keys()].filter((siteId) =>
    canSeeSite(caller, siteId === UNASSIGNED_SITE ? null : siteId),
  );
  const dates = visibleSites.flatMap((siteId) =>
    Array.from({ length: WAITING_LOOKBACK_DAYS }, (_, offset) => addDays(todayOf(siteId), -offset)),
  );
  const stored = await deps.live.readDates(caller.tenantId, dates);
  const leads = stored.filter(
    (lead) =>
      !lead.isTest &&
      !lead.isDeleted &&
      visibleSites.includes(lead.siteId) &&
      lead.localDate > addDays(todayOf(lead.siteId), -WAITING_LOOKBACK_DAYS),
  );

  const rows = visibleSites
    .map((siteId) => countsOf(siteId, todayOf(siteId), leads))
    .filter((row) => row.site !== UNASSIGNED_SITE || row.leads > 0)
    .sort((left, right) => compareText(left.site, right.site));
  const waitingLeads = leads
    .filter((lead) => !lead.handled)
    .sort((left, right) => compareText(left.receivedAt, right.receivedAt))
    .map((lead) => waitingLeadOf(lead, zones.get(lead.siteId)?.site ?? null, deps.now));
  return {
    source: 'live',
    asOf: deps.now.toISOString(),
    rows,
    totals: {
      leads: sum(rows, 'leads'),
      handled: sum(rows, 'handled'),
      waiting: sum(rows, 'waiting'),
    },
    waitingLeads,
  };
}

function countsOf(site: string, date: string, leads: LiveLead[]): LiveSiteCounts {
  const today = leads.filter((lead) => lead.siteId === site && lead.localDate === date);
  const handled = today.filter((lead) => lead.handled).length;
  return { site, date, leads: today.length, handled, waiting: today.length - handled };
}

function waitingLeadOf(lead: LiveLead, site: Site | null, now: Date): WaitingLead {
  const receivedAt = new Date(lead.receivedAt);
  const hasHours = site !== null && Object.keys(site.openingHours).length > 0;
  return {
    leadId: lead.leadId,
    site: lead.siteId,
    source: lead.source,
    receivedAt: lead.receivedAt,
    localDate: lead.localDate,
    waitedBusinessMinutes: hasHours ? Math.floor(businessMinutesBetween(receivedAt, now, site)) : null,
    waitedMinutes: Math.max(0, Math.floor((now.getTime() - receivedAt.getTime()) / 60_000)),
  };
}

/** Orders ids and ISO 8601 UTC instants by code unit, which is their intended order. */
function compareText(left: string, right: string): number {
  if (left === right) {
    return 0;
  }
  return left < right ? -1 : 1;
}

function sum(rows: LiveSiteCounts[], field: 'leads' | 'handled' | 'waiting'): number {
  return rows.reduce((total, row) => total + row[field], 0);
}
