/**
 * Import of tenant documents in the format of `test/fixtures/tenants/demo.json`, where integration
 * credentials are written inline. The import splits such a document into a `TenantConfig` and the
 * secrets to store under each integration's secret name.
 */
import * as z from 'zod';
import { DomainError } from '#shared/errors';
import {
  AUTH_TYPES,
  type IntegrationSecret,
  integrationSecretName,
  type TenantConfig,
  tenantConfigSchema,
} from './model';

/** A tenant document that does not have the expected shape; the message lists the failing paths. */
export class InvalidTenantDocumentError extends DomainError {
  readonly code = 'INVALID_TENANT_DOCUMENT';
  readonly httpStatus = 400;
}

const inlineAuthSchema = z.object({
  type: z.enum(AUTH_TYPES),
  secret: z.string().min(1).optional(),
  key: z.string().min(1).optional(),
  appSecret: z.string().min(1).optional(),
  verifyToken: z.string().min(1).optional(),
  accessToken: z.string().min(1).optional(),
});

const documentSchema = z.object({
  tenantId: z.string(),
  integrations: z.array(z.looseObject({ integrationId: z.string(), auth: inlineAuthSchema })),
});

type AuthType = z.infer<typeof inlineAuthSchema>['type'];
type SecretField = Exclude<keyof z.infer<typeof inlineAuthSchema>, 'type'>;

/** Fields each auth type needs in its secret. */
const REQUIRED_SECRET_FIELDS: Record<AuthType, SecretField[]> = {
  'hmac-sha256': ['secret'],
  'google-key': ['key'],
  meta: ['appSecret', 'verifyToken'],
};

/** Fields copied into the secret when the document has them: Meta's page access token for the Graph API. */
const OPTIONAL_SECRET_FIELDS: Record<AuthType, SecretField[]> = {
  'hmac-sha256': [],
  'google-key': [],
  meta: ['accessToken'],
};

/**
 * Converts a tenant document with inline credentials into a validated `TenantConfig` and a map of
 * secret name (`leadpilot/<tenant>/<integration>`) to the secret's JSON value (`{"secret":...}`,
 * `{"key":...}` or `{"appSecret":...,"verifyToken":...}`, plus `accessToken` when the document gives one).
 * Extra descriptive fields of the document (`about`, `hmacScheme`) are dropped.
 * Throws `InvalidTenantDocumentError` when the document is malformed or an integration lacks a credential
 * that its auth type needs; messages name fields, never secret values.
 */
export function tenantFromDemoDocument(doc: unknown): { config: TenantConfig; secrets: Record<string, string> } {
  const document = documentSchema.safeParse(doc);
  if (!document.success) {
    throw invalidDocument(document.error);
  }
  const { tenantId } = document.data;

  const secrets: Record<string, string> = {};
  const integrations = document.data.integrations.map((integration) => {
    const { auth, integrationId } = integration;
    const secretName = integrationSecretName(tenantId, integrationId);
    const secret: IntegrationSecret = {};
    for (const field of REQUIRED_SECRET_FIELDS[auth.type]) {
      const value = auth[field];
      if (value === undefined) {
        throw new InvalidTenantDocumentError(
          `Integration "${integrationId}" uses ${auth.type} authentication but has no auth.${field}`,
        );
      }
      secret[field] = value;
    }
    for (const field of OPTIONAL_SECRET_FIELDS[auth.type]) {
      if (auth[field] !== undefined) {
        secret[field] = auth[field];
      }
    }
    secrets[secretName] = JSON.stringify(secret);
    return { ...integration, auth: { type: auth.type, secretName } };
  });

  const config = tenantConfigSchema.safeParse({ ...(doc as object), integrations });
  if (!config.success) {
    throw invalidDocument(config.error);
  }
  return { config: config.data, secrets };
}

function invalidDocument(error: z.ZodError): InvalidTenantDocumentError {
  const detail = error.issues
    .slice(0, 5)
    .map((issue) => `${issue.path.map(String).join('.') || '(root)'}: ${issue.message}`)
    .join('; ');
  return new InvalidTenantDocumentError(`Tenant document is invalid: ${detail}`, { cause: error });
}
