import { describe, expect, it } from 'vitest';
import { type BuildContext, base32, buildLead } from '#shared/lead/build-lead';
import { emptyDraft, type LeadDraft } from '#shared/sources/draft';
import { InvalidLeadError } from '#shared/sources/errors';
import { demoIntegration, demoTenant } from '#test/unit/sources/fixtures';

const receivedAt = new Date('2026-11-08T12:00:00.000Z');

function aDraft(overrides: Partial<LeadDraft> = {}): LeadDraft {
  return { ...emptyDraft(), sourceLeadId: 'SRC-1', ...overrides };
}

function aContext(integrationId = 'website', overrides: Partial<BuildContext> = {}): BuildContext {
  return {
    tenant: demoTenant,
    integration: demoIntegration(integrationId),
    receivedAt,
    personIdKey: 'key-1',
    ...overrides,
  };
}

describe('base32', () => {
  it.each([
    ['', ''],
    ['f', 'my'],
    ['fo', 'mzxq'],
    ['foo', 'mzxw6'],
    ['foob', 'mzxw6yq'],
    ['fooba', 'mzxw6ytb'],
    ['foobar', 'mzxw6ytboi'],
  ])('encodes %j as in RFC 4648 without padding', (input, expected) => {
    expect(base32(new TextEncoder().encode(input))).toBe(expected);
  });
});

describe('buildLead', () => {
  it('builds a whole lead from a minimal draft', () => {
    const lead = buildLead(aDraft(), aContext());

    expect(lead).toEqual({
      leadId: expect.stringMatching(/^ld_[a-z2-7]{26}$/),
      tenantId: 'demo',
      siteId: null,
      integrationId: 'website',
      source: 'website',
      channel: 'web-form',
      sourceLeadId: 'SRC-1',
      formId: null,
      campaign: { id: null, name: null },
      utm: { source: null, medium: null, campaign: null, term: null, content: null },
      clickIds: {},
      category: 'other',
      interest: null,
      submittedAt: null,
      receivedAt: '2026-11-08T12:00:00.000Z',
      datedAt: '2026-11-08T12:00:00.000Z',
      localDate: '2026-11-08',
      contact: {
        firstName: null,
        lastName: null,
        fullName: null,
        email: null,
        phones: [],
        postalCode: null,
        city: null,
      },
      vehicle: {
        make: null,
        model: null,
        year: null,
        vin: null,
        stock: null,
        condition: null,
        odometerKm: null,
        price: null,
      },
      comments: null,
      consent: null,
      customFields: {},
      isTest: false,
      status: 'new',
      personId: null,
      repeatOf: null,
      flags: ['site-unrouted'],
    });
  });

  it('gives a redelivered lead the same id and another integration another id', () => {
    const first = buildLead(aDraft(), aContext('website'));
    const again = buildLead(aDraft(), aContext('website', { receivedAt: new Date('2026-11-09T00:00:00Z') }));
    const elsewhere = buildLead(aDraft(), aContext('website-adf'));

    expect(again.leadId).toBe(first.leadId);
    expect(elsewhere.leadId).not.toBe(first.leadId);
  });

  it('rejects a draft without sourceLeadId', () => {
    expect(() => buildLead(aDraft({ sourceLeadId: null }), aContext())).toThrow(InvalidLeadError);
  });

  describe('routing', () => {
    it('prefers an explicit site id over the form and the aliases', () => {
      const draft = aDraft({
        formId: '330000000000001',
        siteHints: { siteId: 'abbeville', aliases: ['SITE-REUNION-SD'] },
      });

      expect(buildLead(draft, aContext('meta-leads')).siteId).toBe('abbeville');
    });

    it('ignores a site id that is not one of the tenant', () => {
      const draft = aDraft({ formId: '330000000000001', siteHints: { siteId: 'lyon', aliases: [] } });

      expect(buildLead(draft, aContext('meta-leads')).siteId).toBe('amiens-nord');
    });

    it('matches aliases and site names ignoring case, accents and spaces', () => {
      const draft = aDraft({ siteHints: { siteId: null, aliases: ['Unknown', '  saint-denis (la reunion) '] } });

      expect(buildLead(draft, aContext()).siteId).toBe('saint-denis-reunion');
    });

    it('takes the first alias that matches', () => {
      const draft = aDraft({ siteHints: { siteId: null, aliases: ['fr-00731', 'SITE-AMIENS-NORD'] } });

      expect(buildLead(draft, aContext()).siteId).toBe('abbeville');
    });
  });

  describe('source', () => {
    it('applies the first matching rule', () => {
      const draft = aDraft({
        clickIds: { gclid: 'G' },
        utm: { source: 'Facebook', medium: null, campaign: null, term: null, content: null },
      });

      expect(buildLead(draft, aContext()).source).toBe('google-ads');
    });

    it('matches utm_source ignoring case', () => {
      const draft = aDraft({ utm: { source: 'Instagram', medium: null, campaign: null, term: null, content: null } });

      expect(buildLead(draft, aContext()).source).toBe('meta-ads');
    });

    it('keeps the integration source when no rule matches', () => {
      const draft = aDraft({ utm: { source: 'newsletter', medium: null, campaign: null, term: null, content: null } });

      expect(buildLead(draft, aContext()).source).toBe('website');
    });
  });

  describe('category', () => {
    const withVehicle = (condition: string | null, interest: string | null, categoryHint: string | null = null) =>
      aDraft({ vehicle: { ...emptyDraft().vehicle, condition }, interest, categoryHint });

    it.each([
      ['an explicit hint', withVehicle('new', 'service', 'vo'), 'VO'],
      ['a new vehicle', withVehicle('new', 'test-drive'), 'VN'],
      ['Neuf', withVehicle('Neuf', null), 'VN'],
      ['Occasion', withVehicle('Occasion', 'buy'), 'VO'],
      ['a service interest', withVehicle(null, 'service'), 'APV'],
      ['an after-sales word in the interest', withVehicle(null, 'Révision 60 000 km'), 'APV'],
      ['a service interest on a used car', withVehicle('used', 'service'), 'APV'],
      ['nothing to go by', withVehicle(null, 'buy'), 'other'],
    ])('classifies %s', (_case, draft, expected) => {
      expect(buildLead(draft, aContext()).category).toBe(expected);
    });
  });

  describe('contact', () => {
    it('drops invalid phones and flags the lead', () => {
      const draft = aDraft({ contact: { ...emptyDraft().contact, phones: ['06 39 98 00 01', '004-92-58-76-11'] } });
      const lead = buildLead(draft, aContext());

      expect(lead.contact.phones).toEqual(['+33639980001']);
      expect(lead.flags).toContain('phone-invalid');
    });

    it('keeps one copy of a phone sent twice without flagging', () => {
      const draft = aDraft({ contact: { ...emptyDraft().contact, phones: ['0639980001', '+33 6 39 98 00 01'] } });
      const lead = buildLead(draft, aContext());

      expect(lead.contact.phones).toEqual(['+33639980001']);
      expect(lead.flags).not.toContain('phone-invalid');
    });

    it('drops an invalid email and flags the lead', () => {
      const lead = buildLead(aDraft({ contact: { ...emptyDraft().contact, email: 'camille@' } }), aContext());

      expect(lead.contact.email).toBeNull();
      expect(lead.flags).toContain('email-invalid');
    });

    it('keys the person id by email, else by phone', () => {
      const byEmail = (email: string, phones: string[]) =>
        buildLead(aDraft({ contact: { ...emptyDraft().contact, email, phones } }), aContext()).personId;
      const byPhone = (phones: string[]) =>
        buildLead(aDraft({ contact: { ...emptyDraft().contact, phones } }), aContext()).personId;

      expect(byEmail('A@Example.fr', ['0639980001'])).toBe(byEmail(' a@example.fr', []));
      expect(byPhone(['06 39 98 00 01'])).toBe(byPhone(['+33639980001']));
      expect(byPhone(['0639980001'])).not.toBe(byEmail('a@example.fr', []));
      expect(byEmail('a@example.fr', [])).toMatch(/^p_[a-z2-7]{26}$/);
    });

    it('gives the same person another id under another key', () => {
      const draft = aDraft({ contact: { ...emptyDraft().contact, email: 'a@example.fr' } });

      expect(buildLead(draft, aContext()).personId).not.toBe(
        buildLead(draft, aContext('website', { personIdKey: 'key-2' })).personId,
      );
    });
  });

  describe('dates', () => {
    it('reads local times in the site zone', () => {
      const draft = aDraft({
        submittedAt: '2026-11-06T02:30:00',
        siteHints: { siteId: 'saint-denis-reunion', aliases: [] },
      });
      const lead = buildLead(draft, aContext());

      expect(lead.submittedAt).toBe('2026-11-05T22:30:00.000Z');
      expect(lead.datedAt).toBe('2026-11-05T22:30:00.000Z');
      expect(lead.localDate).toBe('2026-11-06');
    });

    it('dates an unrouted lead in the tenant default zone', () => {
      const lead = buildLead(aDraft({ submittedAt: '2026-11-06T23:30:00Z' }), aContext());

      expect(lead.localDate).toBe('2026-11-07');
    });

    it('falls back to receivedAt and flags an unreadable time', () => {
      const lead = buildLead(aDraft({ submittedAt: 'hier soir' }), aContext());

      expect(lead.submittedAt).toBeNull();
      expect(lead.datedAt).toBe('2026-11-08T12:00:00.000Z');
      expect(lead.flags).toContain('submitted-at-unreadable');
    });
  });

  it('parses vehicle numbers and drops implausible ones', () => {
    const vehicle = { ...emptyDraft().vehicle, year: '2021', odometer: '42 150 km', price: '24 990,00 €' };
    const implausible = { ...emptyDraft().vehicle, year: '21', odometer: '-5', price: 'sur demande' };

    expect(buildLead(aDraft({ vehicle }), aContext()).vehicle).toMatchObject({
      year: 2021,
      odometerKm: 42150,
      price: 24990,
    });
    expect(buildLead(aDraft({ vehicle: implausible }), aContext()).vehicle).toMatchObject({
      year: null,
      odometerKm: null,
      price: null,
    });
  });
});
