/**
 * The personal values of the lead fixtures, derived with the project's own parsers (every personal field of
 * each `LeadDraft`, raw and normalised), plus a hand-written list of values the drafts do not carry.
 */
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { normaliseEmail, normalisePhone } from '#shared/lead/normalise';
import { parseAdfXml } from '#shared/sources/adf-xml';
import type { LeadDraft } from '#shared/sources/draft';
import { parseGoogleAdsLeadForm } from '#shared/sources/google-ads';
import { draftFromGraphLead, parseMetaWebhook } from '#shared/sources/meta-leadgen';
import { parseWebForm } from '#shared/sources/web-form';
import { LEAD_FIXTURES_DIR } from '#test/support/local-stack';

/**
 * Values written by hand from the fixture files, as a cross-check of the derivation. The street address is
 * in the La Centrale ADF payload, which no parser keeps, so only the raw payload carries it.
 */
export const HAND_WRITTEN_VALUES = [
  'Camille',
  'Fontaine',
  'camille.fontaine@example.fr',
  '01 45 00 00 01',
  '+33639980001',
  '12 rue des Tilleuls',
  'Marie-Claire de La Tour',
  '+33612345678',
  'Hélène',
  'Lefèvre',
  'helene.lefevre@example.fr',
  'Julien Morel',
  'julien.morel@example.fr',
  'Sophie Bernard',
  'Karim Haddad',
  '+33781223344',
  'Léa Petit',
  'Garnier',
  'thomas.garnier@example.fr',
  'Nathalie',
  'nathalie.roux@example.fr',
  'Révision des 60 000 km & pneus',
];

/** Shortest value scanned for: shorter ones (a postal code, a short first name) match unrelated bytes. */
const MIN_VALUE_LENGTH = 5;

async function draftsOfFixtures(): Promise<LeadDraft[]> {
  const drafts: LeadDraft[] = [];
  const read = (path: string) => readFile(join(LEAD_FIXTURES_DIR, path));
  for (const file of await readdir(join(LEAD_FIXTURES_DIR, 'adf'))) {
    drafts.push(...parseAdfXml(new Uint8Array(await read(join('adf', file)))));
  }
  for (const file of await readdir(join(LEAD_FIXTURES_DIR, 'google-ads'))) {
    drafts.push(parseGoogleAdsLeadForm(new Uint8Array(await read(join('google-ads', file)))).draft);
  }
  for (const ref of parseMetaWebhook(new Uint8Array(await read('meta/leadgen-webhook.json')))) {
    const graph: unknown = JSON.parse((await read(join('meta', 'graph', `${ref.leadgenId}.json`))).toString('utf8'));
    drafts.push(draftFromGraphLead(graph, ref));
  }
  drafts.push(parseWebForm(new Uint8Array(await read('web-form/contact.json')), 'application/json'));
  drafts.push(
    parseWebForm(
      new Uint8Array(await read('web-form/service-booking.urlencoded')),
      'application/x-www-form-urlencoded',
    ),
  );
  return drafts;
}

/**
 * Every identifying value of the fixture drafts: names, emails and phones raw and normalised, postal code with
 * city, comments.
 * Answers to custom questions (a preferred model, a purchase timeline) identify no one and are left out.
 */
export async function derivedPersonalValues(): Promise<string[]> {
  const values = new Set<string>();
  const add = (value: string | null | undefined) => {
    const trimmed = value?.trim();
    if (trimmed && trimmed.length >= MIN_VALUE_LENGTH) {
      values.add(trimmed);
    }
  };
  for (const draft of await draftsOfFixtures()) {
    const { contact } = draft;
    for (const value of [contact.firstName, contact.lastName, contact.fullName, draft.comments]) {
      add(value);
    }
    // A city alone names dealer sites too (`amiens-nord`); with the postal code it locates the person.
    if (contact.postalCode !== null && contact.city !== null) {
      add(`${contact.postalCode} ${contact.city}`);
    }
    add(contact.email);
    add(contact.email === null ? null : normaliseEmail(contact.email));
    for (const phone of contact.phones) {
      add(phone);
      add(normalisePhone(phone));
    }
  }
  return [...values];
}

/** The derived and hand-written values together, without repeats. */
export async function personalValues(): Promise<string[]> {
  return [...new Set([...(await derivedPersonalValues()), ...HAND_WRITTEN_VALUES])];
}
