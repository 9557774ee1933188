import { describe, expect, it } from 'vitest';
import { buildLead } from '#shared/lead/build-lead';
import type { NewLead } from '#shared/lead/model';
import { type Delivery, demoIntegration, demoTenant, draftsOfFixture, fixtureJson } from '#test/unit/sources/fixtures';

interface Expectations {
  leads: Record<string, Record<string, unknown>>;
  deliveries: Record<string, Delivery | string>;
}

const expectations = fixtureJson('leads/expected.json') as Expectations;
const receivedAt = new Date('2026-11-08T12:00:00.000Z');

function buildFixtureLeads(): Map<string, NewLead> {
  const leads = new Map<string, NewLead>();
  for (const [path, delivery] of Object.entries(expectations.deliveries)) {
    if (typeof delivery === 'string') {
      continue;
    }
    const integration = demoIntegration(delivery.integration);
    for (const [key, draft] of draftsOfFixture(path, delivery)) {
      leads.set(key, buildLead(draft, { tenant: demoTenant, integration, receivedAt, personIdKey: 'test-person-key' }));
    }
  }
  return leads;
}

function valueAt(lead: NewLead, path: string): unknown {
  let value: unknown = lead;
  for (const key of path.split('.')) {
    value = typeof value === 'object' && value !== null ? (value as Record<string, unknown>)[key] : undefined;
  }
  return value ?? null;
}

const leads = buildFixtureLeads();
const cases = Object.entries(expectations.leads).flatMap(([fixture, fields]) =>
  Object.entries(fields).map(([field, expected]) => ({ fixture, field, expected })),
);

describe('buildLead on the lead fixtures', () => {
  it('builds one lead per expected fixture lead', () => {
    expect([...leads.keys()].sort()).toEqual(Object.keys(expectations.leads).sort());
  });

  it.each(cases)('gives $fixture the expected $field', ({ fixture, field, expected }) => {
    const lead = leads.get(fixture);
    expect(lead).toBeDefined();
    expect(valueAt(lead as NewLead, field)).toEqual(expected);
  });

  it('routes Meta lead 920000000000003 nowhere and flags it', () => {
    const lead = leads.get('meta/leadgen-webhook.json#920000000000003');
    expect(lead?.siteId).toBeNull();
    expect(lead?.flags).toEqual(['site-unrouted']);
  });

  it('dates every fixture lead in November 2026', () => {
    for (const lead of leads.values()) {
      expect(lead.localDate).toMatch(/^2026-11-0\d$/);
    }
  });
});
