/**
 * Signed webhook deliveries to a running stack, as the marketing platforms send them: used by the demo data
 * and by the tests. Credentials come from a tenant document with inline secrets (`tenants/demo.json`).
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import * as z from 'zod';
import { signHmac, signMeta } from '#shared/tenant/auth';

const tenantDocumentSchema = z.object({
  tenantId: z.string().min(1),
  integrations: z.array(
    z.object({
      integrationId: z.string().min(1),
      auth: z.object({
        type: z.enum(['hmac-sha256', 'google-key', 'meta']),
        secret: z.string().optional(),
        appSecret: z.string().optional(),
      }),
    }),
  ),
});
export type TenantDocument = z.infer<typeof tenantDocumentSchema>;

const deliverySchema = z.object({ integration: z.string().min(1), contentType: z.string().min(1) });
export type Delivery = z.infer<typeof deliverySchema>;

const expectedDocumentSchema = z.object({
  deliveries: z.record(z.string(), z.union([deliverySchema, z.string()])),
});

/** Reads and validates a tenant document. */
export async function readTenantDocument(path: string): Promise<TenantDocument> {
  return tenantDocumentSchema.parse(JSON.parse(await readFile(path, 'utf8')));
}

/** Reads `expected.json` of a fixtures folder and returns fixture path (relative) → delivery. */
export async function readFixtureDeliveries(fixturesDir: string): Promise<Map<string, Delivery>> {
  const document = expectedDocumentSchema.parse(JSON.parse(await readFile(join(fixturesDir, 'expected.json'), 'utf8')));
  const deliveries = new Map<string, Delivery>();
  for (const [path, delivery] of Object.entries(document.deliveries)) {
    // `about` is the only string entry: a description of the section.
    if (typeof delivery !== 'string') {
      deliveries.set(path, delivery);
    }
  }
  return deliveries;
}

/**
 * Returns the authentication headers of a delivery: `X-Signature` for HMAC integrations, `X-Hub-Signature-256`
 * for Meta, none for Google lead forms (their key is in the body).
 */
export function signatureHeaders(
  tenant: TenantDocument,
  integrationId: string,
  body: Uint8Array,
  now: Date = new Date(),
): Record<string, string> {
  const integration = tenant.integrations.find((candidate) => candidate.integrationId === integrationId);
  if (!integration) {
    throw new Error(`Tenant ${tenant.tenantId} has no integration ${integrationId}`);
  }
  const { auth } = integration;
  if (auth.type === 'hmac-sha256' && auth.secret) {
    return { 'x-signature': signHmac(auth.secret, body, now.getTime() / 1000) };
  }
  if (auth.type === 'meta' && auth.appSecret) {
    return { 'x-hub-signature-256': signMeta(auth.appSecret, body) };
  }
  if (auth.type === 'google-key') {
    return {};
  }
  throw new Error(`Integration ${integrationId} of tenant ${tenant.tenantId} has no ${auth.type} credential`);
}

/** Posts one signed delivery to `/v1/webhooks/{tenantId}/{integrationId}` and returns the response. */
export function postDelivery(
  baseUrl: string,
  tenant: TenantDocument,
  delivery: Delivery,
  body: Uint8Array,
  extraHeaders: Record<string, string> = {},
): Promise<Response> {
  const url = `${baseUrl}/v1/webhooks/${encodeURIComponent(tenant.tenantId)}/${encodeURIComponent(delivery.integration)}`;
  return fetch(url, {
    method: 'POST',
    headers: {
      'content-type': delivery.contentType,
      ...signatureHeaders(tenant, delivery.integration, body),
      ...extraHeaders,
    },
    body,
  });
}
