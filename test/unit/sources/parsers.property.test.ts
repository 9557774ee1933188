import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { buildLead } from '#shared/lead/build-lead';
import { parseAdfXml } from '#shared/sources/adf-xml';
import { PayloadError } from '#shared/sources/errors';
import { parseGoogleAdsLeadForm } from '#shared/sources/google-ads';
import { draftFromGraphLead, parseMetaWebhook } from '#shared/sources/meta-leadgen';
import { parseWebForm } from '#shared/sources/web-form';
import { demoIntegration, demoTenant, fixtureBytes, fixtureJson } from './fixtures';

const RUNS = 300;

/** Runs `parse` and fails on anything thrown that is not a PayloadError (TypeError, RangeError...). */
function expectOnlyPayloadErrors(parse: () => unknown): void {
  try {
    parse();
  } catch (error) {
    expect(error).toBeInstanceOf(PayloadError);
  }
}

/** Fixture bytes with random bytes overwritten, inserted or cut off. */
function mutatedBytes(fixture: Uint8Array): fc.Arbitrary<Uint8Array> {
  const edit = fc.oneof(
    fc.record({ kind: fc.constant('set' as const), at: fc.nat(), byte: fc.integer({ min: 0, max: 255 }) }),
    fc.record({ kind: fc.constant('insert' as const), at: fc.nat(), byte: fc.integer({ min: 0, max: 255 }) }),
    fc.record({ kind: fc.constant('cut' as const), at: fc.nat(), byte: fc.constant(0) }),
  );
  return fc.array(edit, { minLength: 1, maxLength: 8 }).map((edits) => {
    let bytes = [...fixture];
    for (const { kind, at, byte } of edits) {
      const index = bytes.length === 0 ? 0 : at % bytes.length;
      if (kind === 'set') bytes[index] = byte;
      if (kind === 'insert') bytes.splice(index, 0, byte);
      if (kind === 'cut') bytes = bytes.slice(0, index);
    }
    return new Uint8Array(bytes);
  });
}

/** A JSON fixture with one field, at any depth, replaced by an arbitrary JSON value. */
function mutatedJson(fixture: unknown): fc.Arbitrary<Uint8Array> {
  return fc.tuple(fc.nat(), fc.jsonValue()).map(([pick, replacement]) => {
    const copy = structuredClone(fixture);
    const slots: { parent: Record<string, unknown> | unknown[]; key: string | number }[] = [];
    const collect = (node: unknown): void => {
      if (Array.isArray(node)) {
        node.forEach((child, index) => {
          slots.push({ parent: node, key: index });
          collect(child);
        });
      } else if (typeof node === 'object' && node !== null) {
        for (const [key, child] of Object.entries(node)) {
          slots.push({ parent: node as Record<string, unknown>, key });
          collect(child);
        }
      }
    };
    collect(copy);
    const slot = slots[pick % slots.length];
    if (slot) {
      (slot.parent as Record<string | number, unknown>)[slot.key] = replacement;
    }
    return new TextEncoder().encode(JSON.stringify(copy));
  });
}

const randomText = fc.string({ unit: 'binary', maxLength: 300 }).map((text) => new TextEncoder().encode(text));
const randomBytes = fc.uint8Array({ maxLength: 300 });

/** Random XML-ish text built from ADF tags, so that the parser gets past well-formedness more often. */
const adfLike = fc
  .array(
    fc.oneof(
      fc.constantFrom(
        '<adf>',
        '</adf>',
        '<prospect>',
        '</prospect>',
        '<id>',
        '</id>',
        '<name part="first">',
        '</name>',
      ),
      fc.constantFrom('<contact>', '</contact>', '<customer>', '</customer>', '<vehicle status="new">', '</vehicle>'),
      fc.constantFrom('<phone>', '</phone>', '<![CDATA[x]]>', '&amp;', '<__proto__>', '</__proto__>', '<constructor/>'),
      fc.string({ maxLength: 12 }),
    ),
    { maxLength: 40 },
  )
  .map((parts) => new TextEncoder().encode(parts.join('')));

const adfFixtures = ['adf/lacentrale-vo.xml', 'adf/oem-vn-single-phone.xml', 'adf/website-latin1.xml'].map(
  fixtureBytes,
);
const buildContext = {
  tenant: demoTenant,
  integration: demoIntegration('website'),
  receivedAt: new Date('2026-11-08T12:00:00.000Z'),
  personIdKey: 'key',
};

/** Parses, then builds every draft, so that normalisation also runs on the mutated values. */
function parseAndBuild(parse: () => import('#shared/sources/draft').LeadDraft[]): void {
  expectOnlyPayloadErrors(() => {
    for (const draft of parse()) {
      if (draft.sourceLeadId !== null) {
        buildLead(draft, buildContext);
      }
    }
  });
}

describe('source parsers on random and mutated payloads', () => {
  it('parseAdfXml throws only PayloadErrors', () => {
    const body = fc.oneof(...adfFixtures.map(mutatedBytes), adfLike, randomText, randomBytes);
    fc.assert(
      fc.property(body, (bytes) => parseAndBuild(() => parseAdfXml(bytes))),
      { numRuns: RUNS * 2 },
    );
  });

  it('parseGoogleAdsLeadForm throws only PayloadErrors', () => {
    const fixture = fixtureBytes('google-ads/lead-form.json');
    const body = fc.oneof(
      mutatedBytes(fixture),
      mutatedJson(fixtureJson('leads/google-ads/lead-form.json')),
      randomText,
      randomBytes,
    );
    fc.assert(
      fc.property(body, (bytes) => parseAndBuild(() => [parseGoogleAdsLeadForm(bytes).draft])),
      { numRuns: RUNS },
    );
  });

  it('parseMetaWebhook and draftFromGraphLead throw only PayloadErrors', () => {
    const webhook = fc.oneof(
      mutatedBytes(fixtureBytes('meta/leadgen-webhook.json')),
      mutatedJson(fixtureJson('leads/meta/leadgen-webhook.json')),
      randomText,
    );
    const graph = fc.oneof(
      mutatedJson(fixtureJson('leads/meta/graph/920000000000001.json')).map((bytes) =>
        JSON.parse(new TextDecoder().decode(bytes)),
      ),
      fc.jsonValue(),
    );
    fc.assert(
      fc.property(webhook, graph, (bytes, graphLead) => {
        parseAndBuild(() => parseMetaWebhook(bytes).map((ref) => draftFromGraphLead(graphLead, ref)));
        parseAndBuild(() => [
          draftFromGraphLead(graphLead, { leadgenId: '1', formId: null, pageId: null, adId: null, createdTime: 1e300 }),
        ]);
      }),
      { numRuns: RUNS },
    );
  });

  it('parseWebForm throws only PayloadErrors', () => {
    const json = fc.oneof(
      mutatedBytes(fixtureBytes('web-form/contact.json')),
      mutatedJson(fixtureJson('leads/web-form/contact.json')),
      randomText,
    );
    const urlencoded = fc.oneof(mutatedBytes(fixtureBytes('web-form/service-booking.urlencoded')), randomText);
    const contentType = fc.oneof(
      fc.constantFrom('application/json', 'application/x-www-form-urlencoded; charset=utf-8'),
      fc.string({ maxLength: 40 }),
    );
    fc.assert(
      fc.property(json, urlencoded, contentType, (jsonBody, formBody, type) => {
        parseAndBuild(() => [parseWebForm(jsonBody, 'application/json')]);
        parseAndBuild(() => [parseWebForm(formBody, 'application/x-www-form-urlencoded')]);
        parseAndBuild(() => [parseWebForm(jsonBody, type)]);
      }),
      { numRuns: RUNS },
    );
  });
});
