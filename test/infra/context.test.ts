import { App } from 'aws-cdk-lib';
import { describe, expect, it } from 'vitest';
import { claimsFor } from '#infra/constructs/handlers/pre-token-generation';
import { settingsFromContext } from '#infra/stack';

describe('settingsFromContext', () => {
  it('defaults to dev, engine version 3 and the demo tenant', () => {
    expect(settingsFromContext(new App())).toEqual({ stage: 'dev', athenaEngine: 'v3', tenantIds: ['demo'] });
  });

  it('reads a comma-separated tenant list from the command line', () => {
    const app = new App({ context: { stage: 'prod', 'leadpilot:tenants': 'demo, groupe-martin' } });

    expect(settingsFromContext(app)).toEqual({
      stage: 'prod',
      athenaEngine: 'v3',
      tenantIds: ['demo', 'groupe-martin'],
    });
  });

  it('rejects an unknown stage, naming the context key', () => {
    const app = new App({ context: { stage: 'staging' } });

    expect(() => settingsFromContext(app)).toThrow(/Invalid CDK context: stage: /);
  });

  it('rejects a tenant id that is not an identifier', () => {
    const app = new App({ context: { 'leadpilot:tenants': ['Demo Group'] } });

    expect(() => settingsFromContext(app)).toThrow(/leadpilot:tenants/);
  });
});

describe('pre token generation claims', () => {
  it('copies the custom attributes into tenant, role and sites claims', () => {
    expect(
      claimsFor({
        sub: 'u-1',
        email: 'x@example.com',
        'custom:tenant': 'demo',
        'custom:role': 'manager',
        'custom:sites': '*',
      }),
    ).toEqual({ tenant: 'demo', role: 'manager', sites: '*' });
  });

  it('leaves out attributes the user does not have', () => {
    expect(claimsFor({ sub: 'u-1', 'custom:tenant': 'demo', 'custom:sites': '' })).toEqual({ tenant: 'demo' });
  });
});
