/**
 * Checks HTTP responses against the OpenAPI document, so that tests of the handlers and of the local stack
 * also prove that the document tells the truth.
 *
 * The schema is taken from the document itself (not from the zod schemas it was generated from) and compiled
 * with zod's JSON Schema draft 2020-12 converter, `z.fromJSONSchema`. For responses, objects of the component
 * schemas also reject properties the document does not list, so that a field that leaks into a response
 * (a DynamoDB key, say) fails the test instead of passing as an additional property.
 *
 * NOTE: zod 4.6 calls `fromJSONSchema` semi-experimental. No JSON Schema validator is installed; ajv with
 * its draft 2020-12 build (`ajv/dist/2020`) would be the standard choice once it is a dev dependency.
 */
import { expect } from 'vitest';
import * as z from 'zod';
import { buildOpenApiDocument, type OpenAPIObject } from '#shared/api/openapi';
import { matchRoute } from '#shared/http/routes';

type JsonSchema = Record<string, unknown>;

const COMPONENT_PREFIX = '#/components/schemas/';

/**
 * Asserts that a response matches the document: the operation documents `status` with `contentType`, and
 * `body` (the parsed JSON, or the text for `text/plain`) is valid against that response's schema.
 *
 * `routePath` is a documented path (`/v1/leads/{leadId}`) or a concrete one (`/v1/leads/ld_...`).
 * `contentType` may carry parameters (`application/json; charset=utf-8`).
 */
export function expectResponseMatchesContract(
  method: string,
  routePath: string,
  status: number,
  contentType: string,
  body: unknown,
): void {
  const issues = contractIssues(method, routePath, status, contentType, body);
  if (issues.length > 0) {
    expect.fail(
      `${method.toUpperCase()} ${routePath} ${status} does not match the OpenAPI document:\n- ${issues.join('\n- ')}`,
    );
  }
}

/** Returns what does not match the document, or an empty list; `expectResponseMatchesContract` without the assertion. */
export function contractIssues(
  method: string,
  routePath: string,
  status: number,
  contentType: string,
  body: unknown,
): string[] {
  const document = buildOpenApiDocument();
  const documentedPath = findDocumentedPath(document, routePath);
  if (!documentedPath) {
    return [`no documented path matches ${routePath}`];
  }
  const operation = (document.paths?.[documentedPath] as Record<string, unknown> | undefined)?.[method.toLowerCase()] as
    | { responses?: Record<string, { content?: Record<string, { schema?: JsonSchema }> }> }
    | undefined;
  if (!operation) {
    return [`${documentedPath} has no ${method.toUpperCase()} operation`];
  }
  const response = operation.responses?.[String(status)];
  if (!response) {
    return [`status ${status} is not documented; documented: ${Object.keys(operation.responses ?? {}).join(', ')}`];
  }
  const mediaType = (contentType.split(';')[0] ?? '').trim().toLowerCase();
  const schema = response.content?.[mediaType]?.schema;
  if (!schema) {
    return [
      `content type ${mediaType} is not documented; documented: ${Object.keys(response.content ?? {}).join(', ')}`,
    ];
  }

  return schemaIssues(document, schema, body, true);
}

/**
 * Returns what does not match the request body schema that the document gives `method routePath` for
 * `contentType`, or an empty list. `body` is the parsed JSON, the XML text, or the urlencoded fields as an
 * object (a repeated field as an array).
 */
export function requestBodyIssues(method: string, routePath: string, contentType: string, body: unknown): string[] {
  const document = buildOpenApiDocument();
  const documentedPath = findDocumentedPath(document, routePath);
  const operation = documentedPath
    ? ((document.paths?.[documentedPath] as Record<string, unknown> | undefined)?.[method.toLowerCase()] as
        | { requestBody?: { content?: Record<string, { schema?: JsonSchema }> } }
        | undefined)
    : undefined;
  if (!operation) {
    return [`no documented ${method.toUpperCase()} operation matches ${routePath}`];
  }
  const mediaType = (contentType.split(';')[0] ?? '').trim().toLowerCase();
  const schema = operation.requestBody?.content?.[mediaType]?.schema;
  if (!schema) {
    return [`request content type ${mediaType} is not documented`];
  }
  return schemaIssues(document, schema, body, false);
}

/** `closed`: objects of component schemas reject unlisted properties (responses, not request bodies). */
function schemaIssues(document: OpenAPIObject, schema: JsonSchema, body: unknown, closed: boolean): string[] {
  const result = compileSchema(document, schema, closed).safeParse(body);
  return result.success ? [] : describeIssues(result.error.issues, ['body']);
}

/** Flattens zod issues into `path: message` lines, listing each alternative of a failed union. */
function describeIssues(issues: readonly z.core.$ZodIssue[], prefix: PropertyKey[]): string[] {
  return issues.flatMap((issue) => {
    const path = [...prefix, ...issue.path];
    if (issue.code === 'invalid_union' && issue.errors.length > 0) {
      return issue.errors.flatMap((alternative, index) =>
        describeIssues(alternative, path).map((line) => `alternative ${index + 1}: ${line}`),
      );
    }
    return [`${path.map(String).join('.')}: ${issue.message}`];
  });
}

function findDocumentedPath(document: OpenAPIObject, routePath: string): string | undefined {
  const paths = Object.keys(document.paths ?? {});
  if (paths.includes(routePath)) {
    return routePath;
  }
  return paths.find((candidate) => matchRoute(candidate, routePath) !== null);
}

const compiled = { open: new WeakMap<JsonSchema, z.ZodType>(), closed: new WeakMap<JsonSchema, z.ZodType>() };

function compileSchema(document: OpenAPIObject, schema: JsonSchema, closed: boolean): z.ZodType {
  const cache = closed ? compiled.closed : compiled.open;
  const cached = cache.get(schema);
  if (cached) {
    return cached;
  }
  const components = (document.components?.schemas ?? {}) as Record<string, JsonSchema>;
  const definitions = Object.fromEntries(
    Object.entries(components).map(([name, component]) => {
      const definition = rewriteRefs(component);
      return [name, closed ? closeObjects(definition) : definition];
    }),
  );
  // A throwaway registry keeps the converted schemas' metadata out of zod's global registry.
  const root = { ...(rewriteRefs(schema) as JsonSchema), $defs: definitions } as z.core.JSONSchema.JSONSchema;
  const zodSchema = z.fromJSONSchema(root, { defaultTarget: 'draft-2020-12', registry: z.registry() });
  cache.set(schema, zodSchema);
  return zodSchema;
}

/** Points `#/components/schemas/X` references at `#/$defs/X`, where the converter resolves them. */
function rewriteRefs(value: unknown): unknown {
  if (Array.isArray(value)) {
    return value.map(rewriteRefs);
  }
  if (typeof value !== 'object' || value === null) {
    return value;
  }
  return Object.fromEntries(
    Object.entries(value).map(([key, child]) =>
      key === '$ref' && typeof child === 'string' && child.startsWith(COMPONENT_PREFIX)
        ? [key, `#/$defs/${child.slice(COMPONENT_PREFIX.length)}`]
        : [key, rewriteRefs(child)],
    ),
  );
}

/** Closes every object schema that lists `properties` and sets no `additionalProperties`. */
function closeObjects(value: unknown): unknown {
  if (Array.isArray(value)) {
    return value.map(closeObjects);
  }
  if (typeof value !== 'object' || value === null) {
    return value;
  }
  const schema = Object.fromEntries(Object.entries(value).map(([key, child]) => [key, closeObjects(child)]));
  if (schema.type === 'object' && schema.properties !== undefined && schema.additionalProperties === undefined) {
    schema.additionalProperties = false;
  }
  return schema;
}
