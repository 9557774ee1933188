import { describe, expect, it } from 'vitest';
import { emptyDraft, type LeadDraft } from '#shared/sources/draft';
import { InvalidLeadError, MalformedPayloadError } from '#shared/sources/errors';
import { parseGoogleAdsLeadForm } from '#shared/sources/google-ads';
import { fixtureBytes } from './fixtures';

const utf8 = (text: string): Uint8Array => new TextEncoder().encode(text);

describe('parseGoogleAdsLeadForm', () => {
  it('reads every field of the lead form fixture', () => {
    const expected: LeadDraft = {
      ...emptyDraft(),
      sourceLeadId: 'TeSter-b9c3e1f0-0417',
      formId: '9007199254740993',
      campaign: { id: '20000000002', name: null },
      clickIds: { gclid: 'EAIaIQobChMIexample0417' },
      submittedAt: '2026-11-06T08:15:27Z',
      contact: {
        firstName: null,
        lastName: null,
        fullName: 'Julien Morel',
        email: 'julien.morel@example.fr',
        phones: ['+33639980002'],
        postalCode: '80000',
        city: null,
      },
      vehicle: { ...emptyDraft().vehicle, model: 'Peugeot 208', condition: 'Neuf' },
      customFields: { 'what_is_your_purchase_timeline?': 'Dans les 3 mois' },
      siteHints: { siteId: null, aliases: ['Amiens Nord'] },
    };

    expect(parseGoogleAdsLeadForm(fixtureBytes('google-ads/lead-form.json'))).toEqual({
      draft: expected,
      googleKey: 'demo-google-key-7Qx2',
    });
  });

  it('marks a test lead', () => {
    const { draft } = parseGoogleAdsLeadForm(fixtureBytes('google-ads/lead-form-test.json'));

    expect(draft.isTest).toBe(true);
    expect(draft.formId).toBe('40000000001');
    expect(draft.contact.fullName).toBe('Test Lead');
  });

  it('keeps every digit of int64 ids sent as numbers', () => {
    const body = utf8('{"lead_id":12345678901234567890,"campaign_id":-9223372036854775808,"user_column_data":[]}');
    const { draft } = parseGoogleAdsLeadForm(body);

    expect(draft.sourceLeadId).toBe('12345678901234567890');
    expect(draft.campaign.id).toBe('-9223372036854775808');
  });

  it('returns a null key when the body has none', () => {
    expect(parseGoogleAdsLeadForm(utf8('{"lead_id":"L1"}')).googleKey).toBeNull();
  });

  it('rejects a body that is not JSON', () => {
    expect(() => parseGoogleAdsLeadForm(utf8('{"lead_id":'))).toThrow(
      new MalformedPayloadError('Google Ads lead form is not valid JSON'),
    );
  });

  it('rejects a lead without lead_id', () => {
    expect(() => parseGoogleAdsLeadForm(utf8('{"form_id":1}'))).toThrow(InvalidLeadError);
  });

  it('rejects JSON that is not an object', () => {
    expect(() => parseGoogleAdsLeadForm(utf8('[1,2]'))).toThrow(InvalidLeadError);
  });

  it('names the failing field without its value', () => {
    const body = utf8('{"lead_id":"L1","user_column_data":[{"column_id":"EMAIL","string_value":42}]}');

    expect(() => parseGoogleAdsLeadForm(body)).toThrow(/user_column_data\.0\.string_value/);
    expect(() => parseGoogleAdsLeadForm(body)).not.toThrow(/42/);
  });
});
