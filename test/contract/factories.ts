/** Resource factories for the API contract tests: every field set, with values of the fixtures' fake people. */
import type { KpiReport } from '#shared/kpi/read';
import type { Lead } from '#shared/lead/model';

export function leadResource(overrides: Partial<Lead> = {}): Lead {
  return {
    leadId: 'ld_abcdefghijklmnopqrstuvwxyz',
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
    flags: [],
    ...overrides,
  };
}

export function kpiReportBySource(): KpiReport<'source'> {
  return {
    from: '2026-11-01',
    to: '2026-11-30',
    groupBy: 'source',
    rows: [
      { source: 'google-ads', leads: 12 },
      { source: 'lacentrale', leads: 3 },
    ],
    totals: { leads: 15 },
  };
}
