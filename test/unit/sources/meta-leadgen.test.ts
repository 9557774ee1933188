import { describe, expect, it } from 'vitest';
import { emptyDraft, type LeadDraft } from '#shared/sources/draft';
import { InvalidLeadError, MalformedPayloadError } from '#shared/sources/errors';
import { draftFromGraphLead, type MetaLeadgenRef, parseMetaWebhook } from '#shared/sources/meta-leadgen';
import { fixtureBytes, fixtureJson } from './fixtures';

const utf8 = (text: string): Uint8Array => new TextEncoder().encode(text);

function aRef(overrides: Partial<MetaLeadgenRef> = {}): MetaLeadgenRef {
  return { leadgenId: '920000000000009', formId: null, pageId: null, adId: null, createdTime: null, ...overrides };
}

describe('parseMetaWebhook', () => {
  it('returns every leadgen change of every entry', () => {
    expect(parseMetaWebhook(fixtureBytes('meta/leadgen-webhook.json'))).toEqual([
      {
        leadgenId: '920000000000001',
        formId: '330000000000001',
        pageId: '104200000000001',
        adId: '444000000000001',
        createdTime: 1793951990,
      },
      {
        leadgenId: '920000000000002',
        formId: '330000000000001',
        pageId: '104200000000001',
        adId: '444000000000002',
        createdTime: 1793951995,
      },
      {
        leadgenId: '920000000000003',
        formId: '330000000000002',
        pageId: '104200000000001',
        adId: null,
        createdTime: 1793952050,
      },
    ]);
  });

  it('keeps ids sent as JSON numbers as exact strings', () => {
    const body = utf8(
      '{"entry":[{"changes":[{"field":"leadgen","value":{"leadgen_id":920000000000000123,"form_id":42,"created_time":1793951990}}]}]}',
    );

    expect(parseMetaWebhook(body)).toEqual([
      { leadgenId: '920000000000000123', formId: '42', pageId: null, adId: null, createdTime: 1793951990 },
    ]);
  });

  it('skips changes of other fields', () => {
    const body = utf8('{"object":"page","entry":[{"changes":[{"field":"feed","value":{"item":"post"}}]}]}');

    expect(parseMetaWebhook(body)).toEqual([]);
  });

  it('rejects a leadgen change without leadgen_id', () => {
    const body = utf8('{"entry":[{"changes":[{"field":"leadgen","value":{"form_id":"1"}}]}]}');

    expect(() => parseMetaWebhook(body)).toThrow(InvalidLeadError);
  });

  it('rejects a body without entry', () => {
    expect(() => parseMetaWebhook(utf8('{"object":"page"}'))).toThrow(InvalidLeadError);
  });

  it('rejects a body that is not JSON', () => {
    expect(() => parseMetaWebhook(utf8('object=page'))).toThrow(MalformedPayloadError);
  });
});

describe('draftFromGraphLead', () => {
  it('reads every field of a Graph lead', () => {
    const graph = fixtureJson('leads/meta/graph/920000000000001.json');
    const expected: LeadDraft = {
      ...emptyDraft(),
      sourceLeadId: '920000000000001',
      formId: '330000000000001',
      campaign: { id: '666000000000001', name: 'VN Promo Novembre' },
      submittedAt: '2026-11-06T07:59:50+0000',
      contact: {
        ...emptyDraft().contact,
        fullName: 'Sophie Bernard',
        email: 'sophie.bernard@example.fr',
        phones: ['0639980003'],
      },
      customFields: { modele_souhaite: 'Renault Austral' },
    };

    expect(draftFromGraphLead(graph, aRef({ leadgenId: '920000000000001' }))).toEqual(expected);
  });

  it('falls back to the webhook reference for id, time and form', () => {
    const ref = aRef({ formId: '330000000000002', createdTime: 1793952050 });
    const draft = draftFromGraphLead({ field_data: [{ name: 'first_name', values: ['Léa'] }] }, ref);

    expect(draft.sourceLeadId).toBe('920000000000009');
    expect(draft.submittedAt).toBe(1793952050);
    expect(draft.formId).toBe('330000000000002');
    expect(draft.contact.firstName).toBe('Léa');
  });

  it('maps postal code aliases and joins several answers to a custom question', () => {
    const graph = {
      id: '1',
      field_data: [
        { name: 'zip_code', values: ['80000'] },
        { name: 'city', values: ['Amiens'] },
        { name: 'options', values: ['GPS', 'Toit ouvrant'] },
      ],
    };
    const draft = draftFromGraphLead(graph, aRef());

    expect(draft.contact.postalCode).toBe('80000');
    expect(draft.contact.city).toBe('Amiens');
    expect(draft.customFields).toEqual({ options: 'GPS, Toit ouvrant' });
  });

  it('rejects an object that is not a Graph lead', () => {
    expect(() => draftFromGraphLead({ field_data: 'full_name' }, aRef())).toThrow(InvalidLeadError);
    expect(() => draftFromGraphLead(null, aRef())).toThrow(InvalidLeadError);
  });
});
