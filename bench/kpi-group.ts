/**
 * A simulated dealer group for the KPI benchmarks: 30 sites with six salespeople each in three teams, ten
 * marketing sources (three with campaigns), and seeded leads with their lifecycle outcomes. The KPI API
 * benchmark sums the leads into cells, and the year-long nightly benchmark writes them as lake rows.
 */
import { addDays, daysInRange } from '#shared/kpi/dates';
import type { TenantConfig } from '#shared/tenant/model';
import { pick, pickWeighted, type Random, randomInt } from './random';

export const KPI_BENCH_TENANT = 'bench-group';
const SITE_COUNT = 30;
const SALESPEOPLE_PER_SITE = 6;
const TEAMS = ['VN', 'VO', 'APV'] as const;
const CATEGORIES = ['VN', 'VO', 'APV'] as const;

interface SourceProfile {
  source: string;
  channel: string;
  weight: number;
  campaigns: string[];
}

export const GROUP_SOURCES: SourceProfile[] = [
  { source: 'lacentrale', channel: 'classified', weight: 0.16, campaigns: [] },
  { source: 'leboncoin', channel: 'classified', weight: 0.14, campaigns: [] },
  { source: 'autoscout24', channel: 'classified', weight: 0.06, campaigns: [] },
  { source: 'oem', channel: 'manufacturer', weight: 0.1, campaigns: ['oem-vn-rentree', 'oem-electrique'] },
  { source: 'website', channel: 'web-form', weight: 0.18, campaigns: [] },
  { source: 'google-ads', channel: 'lead-form', weight: 0.12, campaigns: ['20000000002', '20000000003'] },
  { source: 'meta-ads', channel: 'lead-form', weight: 0.1, campaigns: ['120000001', '120000002', '120000003'] },
  { source: 'phone', channel: 'phone', weight: 0.06, campaigns: [] },
  { source: 'walk-in', channel: 'showroom', weight: 0.05, campaigns: [] },
  { source: 'partner', channel: 'web-form', weight: 0.03, campaigns: [] },
];

export const GROUP_SITES = Array.from({ length: SITE_COUNT }, (_, index) => ({
  siteId: `site-${String(index + 1).padStart(2, '0')}`,
  // One site in La Réunion, as the demo group has.
  timeZone: index === SITE_COUNT - 1 ? 'Indian/Reunion' : 'Europe/Paris',
  // Larger sites first: weights 1.0 down to about 0.3.
  weight: 1 - (index / SITE_COUNT) * 0.7,
}));

export const GROUP_TEAM = GROUP_SITES.flatMap((site) =>
  Array.from({ length: SALESPEOPLE_PER_SITE }, (_, index) => ({
    salespersonId: `${site.siteId}-s${index + 1}`,
    name: `Salesperson ${index + 1}`,
    siteId: site.siteId,
    team: TEAMS[index % TEAMS.length] as string,
  })),
);

/** The group's tenant configuration, with the team list that `groupBy=team` reads. */
export function groupTenantConfig(): TenantConfig {
  return {
    tenantId: KPI_BENCH_TENANT,
    name: 'Bench group',
    currency: 'EUR',
    defaultTimeZone: 'Europe/Paris',
    sites: GROUP_SITES.map((site) => ({
      siteId: site.siteId,
      name: site.siteId,
      timeZone: site.timeZone,
      aliases: [],
      openingHours: { 'mon-fri': '08:30-19:00', sat: '09:00-18:00' },
    })),
    integrations: [],
    team: GROUP_TEAM,
    personWindowDays: 30,
  };
}

/** One simulated lead and what became of it; offsets are in days after the lead's local date. */
export interface SimulatedGroupLead {
  index: number;
  date: string;
  siteId: string;
  source: string;
  channel: string;
  campaignId: string;
  category: string;
  /** `''` when the lead was never assigned. */
  salespersonId: string;
  isRepeat: boolean;
  /** Null when no human ever contacted the lead. */
  handled: { dayOffset: number; businessMinutes: number; rawMinutes: number } | null;
  contacts: { calls: number; emails: number; smsMessages: number; visits: number };
  appointmentDayOffset: number | null;
  showed: boolean;
  testDrove: boolean;
  offered: boolean;
  sale: { dayOffset: number; revenueCents: number; grossMarginCents: number } | null;
}

/** Simulates `leadsPerYear × days / 365` leads dated from `from` to `to`, in date order. */
export function simulateGroupLeads(
  random: Random,
  leadsPerYear: number,
  from: string,
  to: string,
): SimulatedGroupLead[] {
  const days = daysInRange(from, to);
  const count = Math.round((leadsPerYear * days) / 365);
  const siteChoices = GROUP_SITES.map((site) => [site.siteId, site.weight] as const);
  const sourceChoices = GROUP_SOURCES.map((profile) => [profile, profile.weight] as const);
  const leads: SimulatedGroupLead[] = [];
  for (let index = 0; index < count; index += 1) {
    const date = addDays(from, Math.floor((index * days) / count));
    const siteId = pickWeighted(random, siteChoices);
    const profile = pickWeighted(random, sourceChoices);
    const handledLead = random() < 0.85;
    const appointment = handledLead && random() < 0.35;
    const showed = appointment && random() < 0.7;
    const sold = showed && random() < 0.45;
    leads.push({
      index,
      date,
      siteId,
      source: profile.source,
      channel: profile.channel,
      campaignId: profile.campaigns.length > 0 && random() < 0.8 ? pick(random, profile.campaigns) : '',
      category: pick(random, CATEGORIES),
      salespersonId: random() < 0.9 ? `${siteId}-s${randomInt(random, 1, SALESPEOPLE_PER_SITE)}` : '',
      isRepeat: random() < 0.12,
      handled: handledLead
        ? {
            dayOffset: random() < 0.8 ? 0 : randomInt(random, 1, 3),
            businessMinutes: Math.floor(random() ** 3 * 600),
            rawMinutes: Math.floor(random() ** 3 * 4_000),
          }
        : null,
      contacts: handledLead
        ? {
            calls: randomInt(random, 1, 4),
            emails: randomInt(random, 0, 2),
            smsMessages: randomInt(random, 0, 2),
            visits: showed ? 1 : 0,
          }
        : { calls: 0, emails: 0, smsMessages: 0, visits: 0 },
      appointmentDayOffset: appointment ? randomInt(random, 1, 14) : null,
      showed,
      testDrove: showed && random() < 0.6,
      offered: showed && random() < 0.7,
      sale: sold
        ? {
            dayOffset: randomInt(random, 3, 75),
            revenueCents: randomInt(random, 8_000, 45_000) * 100,
            grossMarginCents: randomInt(random, -500, 4_000) * 100,
          }
        : null,
    });
  }
  return leads;
}
