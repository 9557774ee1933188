import { describe, expect, it } from 'vitest';
import { InvalidTenantDocumentError, tenantFromDemoDocument } from '#shared/tenant/import';
import { fixtureJson } from '#test/unit/sources/fixtures';

describe('tenantFromDemoDocument', () => {
  it('moves inline credentials of the demo tenant into secrets', () => {
    const { config, secrets } = tenantFromDemoDocument(fixtureJson('tenants/demo.json'));

    expect(secrets).toEqual({
      'leadpilot/demo/lacentrale': '{"secret":"demo-lacentrale-secret"}',
      'leadpilot/demo/oem-portal': '{"secret":"demo-oem-secret"}',
      'leadpilot/demo/website-adf': '{"secret":"demo-website-secret"}',
      'leadpilot/demo/google-ads': '{"key":"demo-google-key-7Qx2"}',
      'leadpilot/demo/meta-leads': '{"appSecret":"demo-meta-app-secret","verifyToken":"demo-meta-verify-token"}',
      'leadpilot/demo/website': '{"secret":"demo-website-secret"}',
    });
    expect(config.integrations.map((integration) => integration.auth)).toEqual([
      { type: 'hmac-sha256', secretName: 'leadpilot/demo/lacentrale' },
      { type: 'hmac-sha256', secretName: 'leadpilot/demo/oem-portal' },
      { type: 'hmac-sha256', secretName: 'leadpilot/demo/website-adf' },
      { type: 'google-key', secretName: 'leadpilot/demo/google-ads' },
      { type: 'meta', secretName: 'leadpilot/demo/meta-leads' },
      { type: 'hmac-sha256', secretName: 'leadpilot/demo/website' },
    ]);
  });

  it('keeps the configuration and applies the schema defaults', () => {
    const { config } = tenantFromDemoDocument(fixtureJson('tenants/demo.json'));

    expect(config.tenantId).toBe('demo');
    expect(config.defaultTimeZone).toBe('Europe/Paris');
    expect(config.sites.map((site) => site.siteId)).toEqual(['amiens-nord', 'abbeville', 'saint-denis-reunion']);
    expect(config.integrations[4]?.formSites).toEqual({ '330000000000001': 'amiens-nord' });
    expect(config.integrations[0]?.sourceRules).toEqual([]);
    expect(config.team).toHaveLength(4);
    expect(config).not.toHaveProperty('about');
  });

  it('rejects an integration without the credential its auth type needs', () => {
    const document = {
      tenantId: 'demo',
      name: 'Demo',
      sites: [],
      integrations: [
        {
          integrationId: 'meta',
          format: 'meta-leadgen',
          source: 'meta-ads',
          channel: 'lead-form',
          auth: { type: 'meta', appSecret: 's' },
        },
      ],
    };

    expect(() => tenantFromDemoDocument(document)).toThrow(
      new InvalidTenantDocumentError('Integration "meta" uses meta authentication but has no auth.verifyToken'),
    );
  });

  it('rejects a document that is not a tenant', () => {
    expect(() => tenantFromDemoDocument({ tenantId: 'Demo!', integrations: [] })).toThrow(InvalidTenantDocumentError);
    expect(() => tenantFromDemoDocument('demo')).toThrow(InvalidTenantDocumentError);
  });
});
