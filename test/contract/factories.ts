/** Resource factories for the API contract tests: every field set, with values of the fixtures' fake people. */
import type * as z from 'zod';
import type { KpiFigures, KpiReport } from '#shared/kpi/read';
import type { spendBodySchema } from '#shared/kpi/spend';
import type { Lead } from '#shared/lead/model';
import type { LeadLifecycle } from '#shared/lifecycle/derive';
import type { LeadEventInput } from '#shared/lifecycle/events';

type SpendBody = z.input<typeof spendBodySchema>;

export function leadResource(overrides: Partial<Lead> = {}): Lead {
  return {
    leadId: 'ld_abcdefghijklmnopqrstuvwxyz',
    leadNumber: 1042,
    version: 3,
    tenantId: 'demo',
    siteId: 'amiens-nord',
    integrationId: 'google-ads',
    source: 'google-ads',
    channel: 'lead-form',
    sourceLeadId: 'TeSter-b9c3e1f0-0417',
    formId: '9007199254740993',
    campaign: { id: '20000000002', name: null },
    utm: { source: null, medium: null, campaign: null, term: null, content: null },
    clickIds: { gclid: 'EAIaIQobChMIexample0417' },
    category: 'VN',
    interest: null,
    submittedAt: '2026-11-06T08:15:27.000Z',
    receivedAt: '2026-11-06T08:15:29.412Z',
    datedAt: '2026-11-06T08:15:27.000Z',
    localDate: '2026-11-06',
    contact: {
      firstName: null,
      lastName: null,
      fullName: 'Julien Morel',
      email: 'julien.morel@example.fr',
      phones: ['+33639980002'],
      postalCode: '80000',
      city: null,
    },
    vehicle: {
      make: 'Peugeot',
      model: '208',
      year: null,
      vin: null,
      stock: null,
      condition: 'new',
      odometerKm: null,
      price: null,
    },
    comments: null,
    consent: null,
    customFields: { 'what_is_your_purchase_timeline?': 'Dans les 3 mois' },
    isTest: false,
    status: 'new',
    personId: 'p_4f2a9c0d1e7b3a56',
    repeatOf: null,
    flags: [],
    ...overrides,
  };
}

/** The lifecycle of a lead called back after 46 minutes, then sold; the lead of `leadResource` received 08:15. */
export function leadLifecycle(): LeadLifecycle {
  return {
    eventCount: 5,
    assignedSalespersonId: 'sp-amiens-1',
    firstContactAt: '2026-11-06T08:15:40.000Z',
    firstHumanContactAt: '2026-11-06T09:02:00.000Z',
    timeToFirstContactBusinessMinutes: 46,
    timeToFirstContactRawMinutes: 46,
    appointmentSetAt: '2026-11-06T09:05:00.000Z',
    appointmentAt: '2026-11-10T14:00:00.000Z',
    showAt: null,
    testDriveAt: null,
    offerAt: null,
    offerAmount: null,
    saleAt: '2026-11-14T10:00:00.000Z',
    saleRevenue: 24_990,
    saleGrossMargin: 1_850.5,
    lostAt: null,
    lostReason: null,
    localDates: {
      firstContact: '2026-11-06',
      firstHumanContact: '2026-11-06',
      appointmentSet: '2026-11-06',
      appointment: '2026-11-10',
      show: null,
      testDrive: null,
      offer: null,
      sale: '2026-11-14',
      lost: null,
    },
  };
}

/** Figures of 12 leads on the cohort basis, with 300 EUR of spend; ratios match the counts. */
export function kpiFigures(overrides: Partial<KpiFigures> = {}): KpiFigures {
  return {
    leads: 12,
    uniqueProspects: 11,
    contacted: 10,
    handled: 9,
    handledWithinOneBusinessHour: 6,
    appointments: 5,
    appointmentsDue: 4,
    shows: 3,
    testDrives: 3,
    offers: 2,
    sales: 1,
    salesWithin30Days: 1,
    salesWithin90Days: 1,
    revenue: 24_990,
    grossMargin: 1_850.5,
    timeToFirstContact: {
      business: { leads: 8, meanMinutes: 42.5, medianMinutes: 30 },
      raw: { leads: 9, meanMinutes: 610.2, medianMinutes: 45 },
    },
    rates: {
      contactRate: 0.8333,
      handledRate: 0.75,
      handledWithinOneBusinessHourRate: 0.5,
      appointmentRate: 0.4167,
      showRate: 0.75,
      testDriveRate: 0.25,
      closeRate: 0.0833,
      closeRateWithin30Days: 0.0833,
      closeRateWithin90Days: 0.0833,
    },
    cost: { spend: 300, costPerLead: 25, costPerSale: 300, roi: 5.1683 },
    contacts: { calls: 14, emails: 6, smsMessages: 3, visits: 2 },
    ...overrides,
  };
}

/** Figures of a group without any lead: counts are 0 and every ratio is null. */
export function emptyKpiFigures(spend = 0): KpiFigures {
  const wait = { leads: 0, meanMinutes: null, medianMinutes: null };
  return {
    leads: 0,
    uniqueProspects: 0,
    contacted: 0,
    handled: 0,
    handledWithinOneBusinessHour: 0,
    appointments: 0,
    appointmentsDue: 0,
    shows: 0,
    testDrives: 0,
    offers: 0,
    sales: 0,
    salesWithin30Days: 0,
    salesWithin90Days: 0,
    revenue: 0,
    grossMargin: 0,
    timeToFirstContact: { business: wait, raw: wait },
    rates: {
      contactRate: null,
      handledRate: null,
      handledWithinOneBusinessHourRate: null,
      appointmentRate: null,
      showRate: null,
      testDriveRate: null,
      closeRate: null,
      closeRateWithin30Days: null,
      closeRateWithin90Days: null,
    },
    cost: { spend, costPerLead: null, costPerSale: null, roi: spend === 0 ? null : -1 },
    contacts: { calls: 0, emails: 0, smsMessages: 0, visits: 0 },
  };
}

export function kpiReportBySource(): KpiReport<'source'> {
  return {
    from: '2026-11-01',
    to: '2026-11-30',
    groupBy: 'source',
    basis: 'cohort',
    rows: [
      { source: 'google-ads', ...kpiFigures() },
      { source: 'lacentrale', ...emptyKpiFigures(500) },
    ],
    totals: kpiFigures({ cost: { spend: 800, costPerLead: 66.67, costPerSale: 800, roi: 1.3131 } }),
  };
}

/** A report grouped by channel on the activity basis: no rates, no cost in rows, spend without ratios in totals. */
export function kpiReportByChannelActivity(): KpiReport<'channel'> {
  const activity = kpiFigures({ rates: null, cost: null });
  return {
    from: '2026-11-01',
    to: '2026-11-30',
    groupBy: 'channel',
    basis: 'activity',
    rows: [{ channel: 'lead-form', ...activity }],
    totals: { ...activity, cost: { spend: 300, costPerLead: null, costPerSale: null, roi: null } },
  };
}

/** One lifecycle event per type, as a CRM or DMS sends them, in the order they happened. */
export function leadEventInputs(): LeadEventInput[] {
  const actor = { type: 'salesperson' as const, id: 'sp-amiens-1' };
  return [
    {
      eventId: 'crm-417:assign',
      occurredAt: '2026-11-06T08:20:00.000Z',
      actor,
      type: 'assigned',
      salespersonId: 'sp-amiens-1',
    },
    {
      eventId: 'crm-417:auto-sms',
      occurredAt: '2026-11-06T08:15:40.000Z',
      actor: { type: 'system', id: 'autoresponder' },
      type: 'contacted',
      channel: 'sms',
      direction: 'outbound',
    },
    {
      eventId: 'crm-417:call-1',
      occurredAt: '2026-11-06T09:02:00.000Z',
      actor,
      type: 'contacted',
      channel: 'phone',
      direction: 'outbound',
    },
    {
      eventId: 'crm-417:rdv',
      occurredAt: '2026-11-06T09:05:00.000Z',
      actor,
      type: 'appointment-set',
      appointmentAt: '2026-11-10T14:00:00.000Z',
    },
    { eventId: 'crm-417:show', occurredAt: '2026-11-10T14:05:00.000Z', actor, type: 'appointment-show' },
    { eventId: 'crm-417:essai', occurredAt: '2026-11-10T14:30:00.000Z', actor, type: 'test-drive' },
    { eventId: 'crm-417:offre', occurredAt: '2026-11-10T15:10:00.000Z', actor, type: 'offer', amount: 24_990 },
    {
      eventId: 'dms-88123:sale',
      occurredAt: '2026-11-14T10:00:00.000Z',
      actor: { type: 'system', id: 'dms-sync' },
      type: 'sale',
      vehicle: { make: 'Peugeot', model: '208', condition: 'new' },
      revenue: 24_990,
      grossMargin: 1_850.5,
    },
    {
      eventId: 'crm-418:lost',
      occurredAt: '2026-11-20T11:00:00.000Z',
      actor,
      type: 'lost',
      reason: 'bought-elsewhere',
    },
  ];
}

/** A `PUT /v1/spend` body: one row per site, and one without site or campaign to spread by lead share. */
export function spendBody(): SpendBody {
  return {
    rows: [
      { month: '2026-11', source: 'google-ads', campaign: '20000000002', site: 'amiens-nord', amount: 300 },
      { month: '2026-11', source: 'lacentrale', amount: 500 },
      { month: '2026-10', source: 'meta-ads', site: 'amiens-sud', amount: 149.99 },
    ],
  };
}
