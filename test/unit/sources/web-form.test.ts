import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { emptyDraft, type LeadDraft } from '#shared/sources/draft';
import { InvalidLeadError, MalformedPayloadError, UnsupportedMediaTypeError } from '#shared/sources/errors';
import { parseWebForm } from '#shared/sources/web-form';
import { fixtureBytes } from './fixtures';

const JSON_TYPE = 'application/json';
const FORM_TYPE = 'application/x-www-form-urlencoded';
const utf8 = (text: string): Uint8Array => new TextEncoder().encode(text);
const digestId = (body: Uint8Array): string => `sha256-${createHash('sha256').update(body).digest('hex').slice(0, 32)}`;

describe('parseWebForm', () => {
  it('reads every field of the JSON contact fixture', () => {
    const body = fixtureBytes('web-form/contact.json');
    const expected: LeadDraft = {
      ...emptyDraft(),
      sourceLeadId: digestId(body),
      formId: 'essai-vn',
      submittedAt: '2026-11-06T19:45:03+01:00',
      utm: { source: 'google', medium: 'cpc', campaign: 'vn-novembre', term: 'essai e-2008', content: 'annonce-a' },
      clickIds: { gclid: 'Cj0KCQiAexample0005' },
      interest: 'test-drive',
      contact: {
        firstName: 'Thomas',
        lastName: 'Garnier',
        fullName: null,
        email: 'thomas.garnier@example.fr',
        phones: ['0033 6 39 98 00 05'],
        postalCode: null,
        city: null,
      },
      vehicle: { ...emptyDraft().vehicle, make: 'Peugeot', model: 'e-2008', condition: 'new' },
      consent: { email: true, sms: false, phone: true },
      siteHints: { siteId: 'amiens-nord', aliases: [] },
    };

    expect(parseWebForm(body, 'application/json; charset=utf-8')).toEqual(expected);
  });

  it('reads every field of the urlencoded service booking fixture', () => {
    const body = fixtureBytes('web-form/service-booking.urlencoded');
    const expected: LeadDraft = {
      ...emptyDraft(),
      sourceLeadId: digestId(body),
      formId: 'atelier-rdv',
      submittedAt: '2026-11-07T10:12:00+01:00',
      utm: { source: 'facebook', medium: 'social', campaign: 'atelier-hiver', term: null, content: null },
      clickIds: { fbclid: 'IwAR0example0006' },
      interest: 'service',
      contact: {
        firstName: 'Nathalie',
        lastName: 'Roux',
        fullName: null,
        email: 'nathalie.roux@example.fr',
        phones: ['06 39 98 00 06'],
        postalCode: null,
        city: null,
      },
      comments: 'Révision des 60 000 km & pneus',
      siteHints: { siteId: 'abbeville', aliases: [] },
    };

    expect(parseWebForm(body, FORM_TYPE)).toEqual(expected);
  });

  it('derives the same id from the same body and another from another body', () => {
    const first = parseWebForm(utf8('{"email":"a@example.fr"}'), JSON_TYPE);
    const retry = parseWebForm(utf8('{"email":"a@example.fr"}'), JSON_TYPE);
    const other = parseWebForm(utf8('{"email":"b@example.fr"}'), JSON_TYPE);

    expect(retry.sourceLeadId).toBe(first.sourceLeadId);
    expect(other.sourceLeadId).not.toBe(first.sourceLeadId);
  });

  it.each([
    ['leadId', '{"leadId":"W-1"}', JSON_TYPE],
    ['submission_id', 'submission_id=W-1', FORM_TYPE],
    ['lead_id in JSON', '{"lead_id":"W-1"}', JSON_TYPE],
  ])('takes the id from %s', (_case, body, contentType) => {
    expect(parseWebForm(utf8(body), contentType).sourceLeadId).toBe('W-1');
  });

  it('falls back to page URL parameters', () => {
    const pageUrl = 'https://example.fr/vo?utm_source=Bing&utm_medium=cpc&utm_campaign=vo&msclkid=M1&gbraid=G1';
    const draft = parseWebForm(utf8(JSON.stringify({ pageUrl, gbraid: 'FIELD' })), JSON_TYPE);

    expect(draft.utm).toEqual({ source: 'Bing', medium: 'cpc', campaign: 'vo', term: null, content: null });
    expect(draft.clickIds).toEqual({ msclkid: 'M1', gbraid: 'FIELD' });
  });

  it('ignores a page URL that does not parse', () => {
    const draft = parseWebForm(utf8('page_url=not%20a%20url&utm_term=x'), FORM_TYPE);

    expect(draft.utm.term).toBe('x');
    expect(draft.clickIds).toEqual({});
  });

  it('reads urlencoded consent, vehicle, custom fields and repeated phones', () => {
    const body =
      'consent_email=on&consent_sms=0&consent_phone=maybe&vehicle_make=Renault&vehicle_mileage=12000' +
      '&phone=0601020304&phone=0102030405&custom_budget=20000&category=VO&is_test=true';
    const draft = parseWebForm(utf8(body), FORM_TYPE);

    expect(draft.consent).toEqual({ email: true, sms: false });
    expect(draft.vehicle.make).toBe('Renault');
    expect(draft.vehicle.odometer).toBe('12000');
    expect(draft.contact.phones).toEqual(['0601020304', '0102030405']);
    expect(draft.customFields).toEqual({ budget: '20000' });
    expect(draft.categoryHint).toBe('VO');
    expect(draft.isTest).toBe(true);
  });

  it('rejects another content type', () => {
    expect(() => parseWebForm(utf8('--x'), 'multipart/form-data; boundary=x')).toThrow(UnsupportedMediaTypeError);
  });

  it('rejects a JSON body that is not an object', () => {
    expect(() => parseWebForm(utf8('["a"]'), JSON_TYPE)).toThrow(InvalidLeadError);
  });

  it('rejects a field of the wrong type', () => {
    expect(() => parseWebForm(utf8('{"email":{"value":"a@example.fr"}}'), JSON_TYPE)).toThrow(InvalidLeadError);
  });

  it('rejects bytes that are not UTF-8', () => {
    expect(() => parseWebForm(new Uint8Array([0x66, 0x3d, 0xff]), FORM_TYPE)).toThrow(MalformedPayloadError);
  });
});
