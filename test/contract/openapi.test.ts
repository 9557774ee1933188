import { readFile } from 'node:fs/promises';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { buildOpenApiDocument, serializeOpenApiDocument } from '#shared/api/openapi';
import { ERROR_STATUS, type ErrorCode } from '#shared/api/resource-schemas';
import { ROUTES, type RouteDefinition } from '#shared/http/routes';
import {
  kpiReportByChannelActivity,
  kpiReportBySource,
  leadEventInputs,
  leadLifecycle,
  leadResource,
  spendBody,
} from '#test/contract/factories';
import { contractIssues, expectResponseMatchesContract, requestBodyIssues } from '#test/support/contract';

const WEBHOOK = '/v1/webhooks/{tenantId}/{integrationId}';
const LEAD_EVENTS = '/v1/leads/{leadId}/events';
const FIXTURES = new URL('../fixtures/leads/', import.meta.url);

interface Operation {
  operationId?: string;
  summary?: string;
  description?: string;
  security?: Record<string, string[]>[];
  parameters?: { name: string; in: string; required?: boolean; description?: string }[];
  requestBody?: { required?: boolean; content: Record<string, unknown> };
  responses: Record<string, { description: string; content?: Record<string, { schema: Record<string, unknown> }> }>;
}

function operationOf(method: string, path: string): Operation | undefined {
  const pathItem = buildOpenApiDocument().paths?.[path] as Record<string, Operation> | undefined;
  return pathItem?.[method.toLowerCase()];
}

function documentedOperations(): string[] {
  return Object.entries(buildOpenApiDocument().paths ?? {}).flatMap(([path, item]) =>
    Object.keys(item ?? {})
      .filter((key) => ['get', 'post', 'put', 'delete', 'patch'].includes(key))
      .map((method) => `${method.toUpperCase()} ${path}`),
  );
}

/** Returns the `code` enum that an error response restricts `ErrorBody` to, or undefined for a gateway-only body. */
function restrictedCodes(schema: Record<string, unknown>): string[] | undefined {
  const alternatives = (schema.anyOf ?? schema.oneOf ?? [schema]) as Record<string, unknown>[];
  for (const alternative of alternatives) {
    const parts = (alternative.allOf ?? []) as {
      properties?: { error?: { properties?: { code?: { enum?: string[] } } } };
    }[];
    const codes = parts.find((part) => part.properties?.error?.properties?.code?.enum)?.properties?.error?.properties
      ?.code?.enum;
    if (codes) {
      return codes;
    }
  }
  return undefined;
}

async function fixtureText(name: string): Promise<string> {
  return readFile(new URL(name, FIXTURES), 'utf8');
}

describe('docs/openapi.json', () => {
  it('equals the generated document', async () => {
    const committed = await readFile(new URL('../../docs/openapi.json', import.meta.url), 'utf8');

    expect(committed, 'docs/openapi.json is stale: run `npm run openapi` and commit the result').toBe(
      serializeOpenApiDocument(buildOpenApiDocument()),
    );
  });
});

describe('buildOpenApiDocument', () => {
  afterEach(() => {
    vi.doUnmock('#shared/http/routes');
    vi.resetModules();
  });

  it('declares OpenAPI 3.1 and the stable v1 contract', () => {
    const document = buildOpenApiDocument();

    expect(document.openapi).toBe('3.1.0');
    expect(document.info.title).toBe('LeadPilot API');
    expect(document.info.version).toBe('1.0.0');
    expect(document.info.description).toContain('additive only');
    expect(document.servers).toEqual([{ url: '/', description: expect.any(String) }]);
  });

  it('returns the same document on every call', () => {
    expect(buildOpenApiDocument()).toBe(buildOpenApiDocument());
  });

  it('defines the JWT bearer scheme with its claims', () => {
    const scheme = buildOpenApiDocument().components?.securitySchemes?.bearerAuth;

    expect(scheme).toEqual({ type: 'http', scheme: 'bearer', bearerFormat: 'JWT', description: expect.any(String) });
    for (const claim of ['`tenant`', '`role`', '`sites`']) {
      expect((scheme as { description: string }).description).toContain(claim);
    }
  });

  it.each(ROUTES.map((route) => [`${route.method} ${route.path}`, route] as const))(
    'documents %s with a description',
    (_routeKey, route: RouteDefinition) => {
      const operation = operationOf(route.method, route.path);

      expect(operation, `${route.method} ${route.path} has no operation in the document`).toBeDefined();
      expect(operation?.operationId).toEqual(expect.any(String));
      expect(operation?.summary).toEqual(expect.any(String));
      expect(operation?.description?.length).toBeGreaterThan(20);
    },
  );

  it('documents no operation outside ROUTES', () => {
    expect(documentedOperations().sort()).toEqual(ROUTES.map((route) => `${route.method} ${route.path}`).sort());
  });

  it('throws when a route of ROUTES has no operation', async () => {
    vi.resetModules();
    vi.doMock('#shared/http/routes', async (importOriginal) => {
      const original = await importOriginal<typeof import('#shared/http/routes')>();
      const extra: RouteDefinition = {
        method: 'DELETE',
        path: '/v1/undocumented',
        target: 'api',
        auth: 'jwt',
        throttleRatePerSecond: 1,
        throttleBurst: 1,
      };
      return { ...original, ROUTES: [...original.ROUTES, extra] };
    });
    const { buildOpenApiDocument: buildWithExtraRoute } = await import('#shared/api/openapi');

    expect(() => buildWithExtraRoute()).toThrow(
      'Route DELETE /v1/undocumented has no operation in the OpenAPI document',
    );
  });

  it.each(ROUTES.map((route) => [`${route.method} ${route.path}`, route] as const))(
    'sets the security of %s from its auth',
    (_routeKey, route: RouteDefinition) => {
      const expected = route.auth === 'jwt' ? [{ bearerAuth: [] }] : [];

      expect(operationOf(route.method, route.path)?.security).toEqual(expected);
    },
  );

  it('documents every path parameter of every route', () => {
    for (const route of ROUTES) {
      const names = [...route.path.matchAll(/\{(\w+)\}/g)].map((match) => match[1]);
      const documented = (operationOf(route.method, route.path)?.parameters ?? [])
        .filter((parameter) => parameter.in === 'path')
        .map((parameter) => parameter.name);

      expect(documented, `${route.method} ${route.path}`).toEqual(names);
    }
  });

  it('restricts each error response to codes of its status', () => {
    for (const routeKey of documentedOperations()) {
      const [method = '', path = ''] = routeKey.split(' ');
      for (const [status, response] of Object.entries(operationOf(method, path)?.responses ?? {})) {
        const schema = response.content?.['application/json']?.schema;
        const codes = schema ? restrictedCodes(schema) : undefined;
        if (!codes) {
          continue;
        }
        const statuses = codes.map((code) => ERROR_STATUS[code as ErrorCode]);

        expect(statuses, `${routeKey} ${status}`).toEqual(codes.map(() => Number(status)));
        for (const code of codes) {
          expect(response.description, `${routeKey} ${status}`).toContain(code);
        }
      }
    }
  });

  it('documents a 429 throttling response on every operation', () => {
    for (const route of ROUTES) {
      const throttled = operationOf(route.method, route.path)?.responses['429'];

      expect(throttled?.description, `${route.method} ${route.path}`).toContain(String(route.throttleRatePerSecond));
    }
  });
});

describe('webhook operations', () => {
  it('documents the delivery body per format', () => {
    const body = operationOf('POST', WEBHOOK)?.requestBody;

    expect(body?.required).toBe(true);
    expect(Object.keys(body?.content ?? {}).sort()).toEqual([
      'application/json',
      'application/x-www-form-urlencoded',
      'application/xml',
    ]);
  });

  it('documents the authentication headers as optional parameters', () => {
    const headers = (operationOf('POST', WEBHOOK)?.parameters ?? []).filter((parameter) => parameter.in === 'header');

    expect(headers.map((header) => [header.name, header.required])).toEqual([
      ['X-Signature', false],
      ['X-Hub-Signature-256', false],
    ]);
  });

  it('describes each authentication scheme', () => {
    const description = operationOf('POST', WEBHOOK)?.description ?? '';

    expect(description).toContain('X-Signature: t=<unix seconds>,v1=<hex>');
    expect(description).toContain('X-Hub-Signature-256: sha256=');
    expect(description).toContain('`google_key`');
  });

  it('documents every delivery error status', () => {
    const statuses = Object.keys(operationOf('POST', WEBHOOK)?.responses ?? {});

    expect(statuses).toEqual(['202', '400', '401', '404', '413', '415', '422', '429', '500', '503']);
  });

  it('documents the Meta handshake', () => {
    const handshake = operationOf('GET', WEBHOOK);
    const query = (handshake?.parameters ?? []).filter((parameter) => parameter.in === 'query');

    expect(query.map((parameter) => [parameter.name, parameter.required])).toEqual([
      ['hub.mode', true],
      ['hub.verify_token', true],
      ['hub.challenge', true],
    ]);
    expect(Object.keys(handshake?.responses['200']?.content ?? {})).toEqual(['text/plain']);
    expect(restrictedCodes(handshake?.responses['403']?.content?.['application/json']?.schema ?? {})).toEqual([
      'VERIFICATION_FAILED',
    ]);
  });

  it.each([
    ['google-ads/lead-form.json'],
    ['google-ads/lead-form-test.json'],
    ['meta/leadgen-webhook.json'],
    ['web-form/contact.json'],
  ])('documents the JSON fixture %s', async (name) => {
    const body: unknown = JSON.parse(await fixtureText(name));

    expect(requestBodyIssues('POST', WEBHOOK, 'application/json', body)).toEqual([]);
  });

  it('documents the urlencoded web form fixture', async () => {
    const fields: Record<string, string | string[]> = {};
    for (const [key, value] of new URLSearchParams(await fixtureText('web-form/service-booking.urlencoded'))) {
      const previous = fields[key];
      fields[key] = previous === undefined ? value : [...[previous].flat(), value];
    }

    expect(requestBodyIssues('POST', WEBHOOK, 'application/x-www-form-urlencoded', fields)).toEqual([]);
  });

  it.each([['adf/lacentrale-vo.xml'], ['adf/oem-vn-single-phone.xml']])(
    'documents the ADF fixture %s',
    async (name) => {
      expect(requestBodyIssues('POST', WEBHOOK, 'application/xml', await fixtureText(name))).toEqual([]);
    },
  );
});

describe('lead events operation', () => {
  it('documents every error status', () => {
    const statuses = Object.keys(operationOf('POST', LEAD_EVENTS)?.responses ?? {});

    expect(statuses).toEqual(['202', '400', '401', '403', '404', '429', '500', '503']);
  });

  it('describes idempotency, late events and system actors', () => {
    const description = operationOf('POST', LEAD_EVENTS)?.description ?? '';

    expect(description).toContain('`eventId`');
    expect(description).toContain('out of order');
    expect(description).toContain('`system` actor');
  });

  it.each(leadEventInputs().map((event) => [event.type, event] as const))(
    'documents a single %s event',
    (_type, event) => {
      expect(requestBodyIssues('POST', LEAD_EVENTS, 'application/json', event)).toEqual([]);
    },
  );

  it('documents a batch of events', () => {
    expect(requestBodyIssues('POST', LEAD_EVENTS, 'application/json', { events: leadEventInputs() })).toEqual([]);
  });

  it('rejects an empty batch and one over 100 events', () => {
    const [event] = leadEventInputs();
    const tooMany = Array.from({ length: 101 }, (_, index) => ({ ...event, eventId: `crm-417:${index}` }));

    expect(requestBodyIssues('POST', LEAD_EVENTS, 'application/json', { events: [] })).toEqual([
      expect.stringContaining('body.events: Too small'),
    ]);
    expect(requestBodyIssues('POST', LEAD_EVENTS, 'application/json', { events: tooMany })).toContainEqual(
      expect.stringContaining('body.events: Too big'),
    );
  });

  it('rejects an event without eventId', () => {
    const { eventId: _eventId, ...withoutId } = leadEventInputs()[0] ?? {};

    expect(requestBodyIssues('POST', LEAD_EVENTS, 'application/json', withoutId)).toContainEqual(
      expect.stringContaining('body.eventId: Invalid input'),
    );
  });

  it('rejects an unknown lost reason', () => {
    const lost = { ...leadEventInputs().at(-1), reason: 'too expensive, said the customer' };

    expect(requestBodyIssues('POST', LEAD_EVENTS, 'application/json', lost)).toContainEqual(
      expect.stringContaining('body.reason: Invalid option'),
    );
  });

  it('accepts the 202 result and the 403 of finance', () => {
    expectResponseMatchesContract('POST', '/v1/leads/ld_abcdefghijklmnopqrstuvwxyz/events', 202, 'application/json', {
      accepted: ['crm-417:call-1'],
      duplicates: ['crm-417:assign'],
    });
    expectResponseMatchesContract('POST', LEAD_EVENTS, 403, 'application/json', {
      error: { code: 'FORBIDDEN', message: 'The finance role cannot record lead events' },
    });
  });
});

describe('spend operation', () => {
  it('documents every error status', () => {
    const statuses = Object.keys(operationOf('PUT', '/v1/spend')?.responses ?? {});

    expect(statuses).toEqual(['200', '400', '401', '403', '429', '500', '503']);
  });

  it('documents the spend body', () => {
    expect(requestBodyIssues('PUT', '/v1/spend', 'application/json', spendBody())).toEqual([]);
  });

  it('rejects an invalid month and an empty upload', () => {
    const body = spendBody();
    const badMonth = { rows: [{ ...body.rows[0], month: '2026-13' }] };

    expect(requestBodyIssues('PUT', '/v1/spend', 'application/json', badMonth)).toEqual([
      expect.stringContaining('body.rows.0.month'),
    ]);
    expect(requestBodyIssues('PUT', '/v1/spend', 'application/json', { rows: [] })).not.toEqual([]);
  });

  it('describes the spread of spend without site', () => {
    expect(operationOf('PUT', '/v1/spend')?.description).toContain('share of the month');
  });

  it('accepts the 200 result and the 403 of a site manager', () => {
    expectResponseMatchesContract('PUT', '/v1/spend', 200, 'application/json', {
      months: ['2026-10', '2026-11'],
      rows: 3,
    });
    expectResponseMatchesContract('PUT', '/v1/spend', 403, 'application/json', {
      error: { code: 'FORBIDDEN', message: 'The site-manager role cannot upload spend; group admins and finance can' },
    });
  });
});

describe('KPI operation', () => {
  it('documents the basis parameter with its default', () => {
    const basis = (operationOf('GET', '/v1/kpis')?.parameters ?? []).find((parameter) => parameter.name === 'basis');

    expect(basis).toEqual(
      expect.objectContaining({
        in: 'query',
        required: false,
        schema: expect.objectContaining({ default: 'cohort', enum: ['cohort', 'activity'] }),
      }),
    );
  });

  it('accepts a report by channel on the activity basis', () => {
    expectResponseMatchesContract('GET', '/v1/kpis', 200, 'application/json', kpiReportByChannelActivity());
  });

  it('rejects a report without basis', () => {
    const { basis: _basis, ...withoutBasis } = kpiReportBySource();

    expect(contractIssues('GET', '/v1/kpis', 200, 'application/json', withoutBasis)).not.toEqual([]);
  });

  it('rejects a row without figures', () => {
    const report = { ...kpiReportBySource(), rows: [{ source: 'google-ads', leads: 12 }] };

    expect(contractIssues('GET', '/v1/kpis', 200, 'application/json', report)).not.toEqual([]);
  });
});

describe('expectResponseMatchesContract', () => {
  it('accepts a lead with every field', () => {
    expectResponseMatchesContract('GET', '/v1/leads/{leadId}', 200, 'application/json; charset=utf-8', leadResource());
  });

  it('accepts a lead with its lifecycle', () => {
    const lead = leadResource({ status: 'sale', lifecycle: leadLifecycle() });

    expectResponseMatchesContract('GET', '/v1/leads/{leadId}', 200, 'application/json', lead);
  });

  it('accepts a concrete path', () => {
    expectResponseMatchesContract(
      'GET',
      '/v1/leads/ld_abcdefghijklmnopqrstuvwxyz',
      200,
      'application/json',
      leadResource(),
    );
  });

  it('accepts a lead page and a KPI report', () => {
    expectResponseMatchesContract('GET', '/v1/leads', 200, 'application/json', {
      items: [leadResource(), leadResource({ siteId: null, consent: { email: true } })],
      nextCursor: 'eyJrIjoxfQ',
    });
    expectResponseMatchesContract('GET', '/v1/kpis', 200, 'application/json', kpiReportBySource());
  });

  it('accepts the handshake challenge as text', () => {
    expectResponseMatchesContract(
      'GET',
      '/v1/webhooks/demo/meta-leads',
      200,
      'text/plain; charset=utf-8',
      '1158201444',
    );
  });

  it('accepts the gateway body on a throttled route', () => {
    expectResponseMatchesContract('POST', WEBHOOK, 429, 'application/json', { message: 'Too Many Requests' });
  });

  it('rejects a property the document does not list', () => {
    const leaked = { ...leadResource(), pk: 'TENANT#demo' };

    expect(contractIssues('GET', '/v1/leads/{leadId}', 200, 'application/json', leaked)).toEqual([
      'body: Unrecognized key: "pk"',
    ]);
    expect(() => expectResponseMatchesContract('GET', '/v1/leads/{leadId}', 200, 'application/json', leaked)).toThrow(
      'GET /v1/leads/{leadId} 200 does not match the OpenAPI document',
    );
  });

  it('rejects a missing field', () => {
    const { personId: _personId, ...withoutPersonId } = leadResource();

    const issues = contractIssues('GET', '/v1/leads/{leadId}', 200, 'application/json', withoutPersonId);

    expect(issues.length).toBeGreaterThan(0);
    for (const issue of issues) {
      expect(issue).toContain('body.personId: Invalid input');
    }
  });

  it('rejects an error code of another status', () => {
    const body = { error: { code: 'NOT_FOUND', message: 'Lead not found' } };

    expect(contractIssues('POST', WEBHOOK, 401, 'application/json', body)).toEqual([
      expect.stringContaining('body.error.code'),
    ]);
  });

  it('rejects an undocumented status', () => {
    expect(contractIssues('GET', '/v1/openapi.json', 404, 'application/json', {})).toEqual([
      'status 404 is not documented; documented: 200, 429, 500',
    ]);
  });

  it('rejects an undocumented content type', () => {
    expect(contractIssues('GET', '/v1/leads', 200, 'text/html', '<html></html>')).toEqual([
      'content type text/html is not documented; documented: application/json',
    ]);
  });

  it('rejects KPI rows keyed by another groupBy', () => {
    const [row] = kpiReportBySource().rows;
    const { source: _source, ...figures } = row ?? { source: '' };
    const report = { ...kpiReportBySource(), rows: [{ site: 'amiens-nord', ...figures }] };

    expect(contractIssues('GET', '/v1/kpis', 200, 'application/json', report)).not.toEqual([]);
  });
});
