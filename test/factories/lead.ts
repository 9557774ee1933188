import type { Lead } from '#shared/lead/model';

let sequence = 0;

/** A complete, valid lead of the demo tenant; each call gets a fresh id unless one is given. */
export function aLead(overrides: Partial<Lead> = {}): Lead {
  sequence += 1;
  const suffix = String(sequence).padStart(4, '0');
  return {
    leadId: `ld_${'a'.repeat(22)}${suffix.replace(/\d/g, (digit) => 'abcdefghij'[Number(digit)] as string)}`,
    leadNumber: sequence,
    version: 1,
    tenantId: 'demo',
    siteId: 'amiens-nord',
    integrationId: 'website',
    source: 'website',
    channel: 'web-form',
    sourceLeadId: `web-${suffix}`,
    formId: 'essai-vn',
    campaign: { id: null, name: null },
    utm: { source: null, medium: null, campaign: null, term: null, content: null },
    clickIds: {},
    category: 'VN',
    interest: 'test-drive',
    submittedAt: '2026-11-06T18:45:03.000Z',
    receivedAt: '2026-11-06T18:45:04.000Z',
    datedAt: '2026-11-06T18:45:03.000Z',
    localDate: '2026-11-06',
    contact: {
      firstName: 'Prénom',
      lastName: 'Test',
      fullName: null,
      email: `prenom.test.${suffix}@example.fr`,
      phones: ['+33600000001'],
      postalCode: '80000',
      city: 'Amiens',
    },
    vehicle: {
      make: 'Peugeot',
      model: 'e-2008',
      year: null,
      vin: null,
      stock: null,
      condition: 'new',
      odometerKm: null,
      price: null,
    },
    comments: null,
    consent: { email: true, sms: false, phone: true },
    customFields: {},
    isTest: false,
    status: 'new',
    personId: `p_${'b'.repeat(26)}`,
    repeatOf: null,
    flags: [],
    ...overrides,
  };
}
