import { describe, expect, it } from 'vitest';
import { buildOpenApiDocument, type OpenAPIObject, serializeOpenApiDocument } from '#shared/api/openapi';

function documentWith(extra: Record<string, unknown>): OpenAPIObject {
  return { ...buildOpenApiDocument(), ...extra };
}

describe('serializeOpenApiDocument', () => {
  it('ends with a single newline', () => {
    const text = serializeOpenApiDocument(buildOpenApiDocument());

    expect(text.endsWith('}\n')).toBe(true);
    expect(text.endsWith('\n\n')).toBe(false);
  });

  it('puts the top-level keys in OpenAPI order', () => {
    const parsed = JSON.parse(serializeOpenApiDocument(buildOpenApiDocument())) as Record<string, unknown>;

    expect(Object.keys(parsed)).toEqual(['openapi', 'info', 'servers', 'tags', 'paths', 'components']);
  });

  it('writes the same text whatever the key insertion order', () => {
    const document = buildOpenApiDocument();
    const reversed = Object.fromEntries(Object.entries(document).reverse()) as OpenAPIObject;

    expect(serializeOpenApiDocument(reversed)).toBe(serializeOpenApiDocument(document));
  });

  it('sorts keys but keeps the order of schema properties', () => {
    const text = serializeOpenApiDocument(
      documentWith({
        'x-sample': { zeta: 1, alpha: { type: 'object', properties: { second: {}, first: {} }, description: 'd' } },
      }),
    );
    const sample = (JSON.parse(text) as { 'x-sample': Record<string, Record<string, unknown>> })['x-sample'];

    expect(Object.keys(sample)).toEqual(['alpha', 'zeta']);
    expect(Object.keys(sample.alpha ?? {})).toEqual(['description', 'properties', 'type']);
    expect(Object.keys((sample.alpha?.properties ?? {}) as object)).toEqual(['second', 'first']);
  });
});

describe('buildOpenApiDocument', () => {
  it('builds a document that survives a JSON round trip', () => {
    const document = buildOpenApiDocument();

    expect(JSON.parse(JSON.stringify(document))).toEqual(document);
  });

  it('keeps the declaration order of lead properties', () => {
    const lead = buildOpenApiDocument().components?.schemas?.Lead as { properties: Record<string, unknown> };

    expect(Object.keys(lead.properties).slice(0, 4)).toEqual(['leadId', 'tenantId', 'siteId', 'integrationId']);
  });
});
