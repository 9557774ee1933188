/**
 * Reading of the lead fixtures in test/fixtures/leads and of the demo tenant, for parser and build tests.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseAdfXml } from '#shared/sources/adf-xml';
import { parseJsonKeepingLongIntegers } from '#shared/sources/decode';
import type { LeadDraft } from '#shared/sources/draft';
import { parseGoogleAdsLeadForm } from '#shared/sources/google-ads';
import { draftFromGraphLead, parseMetaWebhook } from '#shared/sources/meta-leadgen';
import { parseWebForm } from '#shared/sources/web-form';
import { tenantFromDemoDocument } from '#shared/tenant/import';
import type { Integration, TenantConfig } from '#shared/tenant/model';

const FIXTURES = join(import.meta.dirname, '..', '..', 'fixtures');

export function fixtureBytes(path: string): Uint8Array {
  return new Uint8Array(readFileSync(join(FIXTURES, 'leads', path)));
}

export function fixtureJson(path: string): unknown {
  return parseJsonKeepingLongIntegers(readFileSync(join(FIXTURES, path), 'utf8'));
}

export const demoTenant: TenantConfig = tenantFromDemoDocument(fixtureJson('tenants/demo.json')).config;

export function demoIntegration(integrationId: string): Integration {
  const integration = demoTenant.integrations.find((candidate) => candidate.integrationId === integrationId);
  if (!integration) {
    throw new Error(`The demo tenant has no integration ${integrationId}`);
  }
  return integration;
}

/** Delivery of a fixture as listed in expected.json: target integration and content type. */
export interface Delivery {
  integration: string;
  contentType: string;
}

/**
 * Parses a fixture the way its integration's format does; Meta leads come from the stored Graph responses.
 * Keys are the fixture path, with `#<leadgen id>` appended for Meta leads, as in expected.json.
 */
export function draftsOfFixture(path: string, delivery: Delivery): Map<string, LeadDraft> {
  const body = fixtureBytes(path);
  const format = demoIntegration(delivery.integration).format;
  switch (format) {
    case 'adf-xml':
      return new Map(parseAdfXml(body).map((draft) => [path, draft]));
    case 'google-ads-lead-form':
      return new Map([[path, parseGoogleAdsLeadForm(body).draft]]);
    case 'web-form':
      return new Map([[path, parseWebForm(body, delivery.contentType)]]);
    case 'meta-leadgen':
      return new Map(
        parseMetaWebhook(body).map((ref) => {
          const graph = fixtureJson(join('leads', 'meta', 'graph', `${ref.leadgenId}.json`));
          return [`${path}#${ref.leadgenId}`, draftFromGraphLead(graph, ref)];
        }),
      );
  }
}
