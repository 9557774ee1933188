/**
 * Tenant configuration changes behind `npm run tenant`: import a tenant document, add integrations with
 * generated credentials, rotate credentials, add site aliases and source rules.
 */
import { randomBytes } from 'node:crypto';
import { DynamoTenantRepository } from '#shared/adapters/tenant-repository-dynamodb';
import { NotFoundError, ValidationError } from '#shared/errors';
import { foldText } from '#shared/lead/category';
import { tenantFromDemoDocument } from '#shared/tenant/import';
import {
  type AuthType,
  type Integration,
  type IntegrationFormat,
  type IntegrationSecret,
  integrationSecretName,
  integrationSecretSchema,
  personIdKeySecretName,
  type SourceRule,
  type TenantConfig,
  tenantConfigSchema,
} from '#shared/tenant/model';
import type { CliTarget, SecretWriter } from './target';

/** The auth type that each format's senders use. */
export const AUTH_TYPE_OF_FORMAT: Record<IntegrationFormat, AuthType> = {
  'adf-xml': 'hmac-sha256',
  'web-form': 'hmac-sha256',
  'google-ads-lead-form': 'google-key',
  'meta-leadgen': 'meta',
};

/** Default time during which the previous HMAC secret stays valid after a rotation. */
export const DEFAULT_GRACE_HOURS = 72;

/** 32 random bytes in base64url (43 characters): the generated secrets, keys and verify tokens. */
export function generateCredential(): string {
  return randomBytes(32).toString('base64url');
}

function repository(target: CliTarget): DynamoTenantRepository {
  return new DynamoTenantRepository({ client: target.documentClient, tableName: target.tableName, cacheTtlMs: 0 });
}

/** Returns the tenant's configuration; throws `NotFoundError` when the tenant does not exist. */
export async function readTenant(target: CliTarget, tenantId: string): Promise<TenantConfig> {
  const tenant = await repository(target).get(tenantId);
  if (!tenant) {
    throw new NotFoundError(`Tenant ${tenantId} not found in table ${target.tableName}`);
  }
  return tenant;
}

async function writeTenant(target: CliTarget, tenant: TenantConfig): Promise<void> {
  const valid = tenantConfigSchema.safeParse(tenant);
  if (!valid.success) {
    const detail = valid.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`).join('; ');
    throw new ValidationError(`The changed configuration of tenant ${tenant.tenantId} is invalid: ${detail}`);
  }
  await repository(target).put(valid.data);
}

export interface ImportSummary {
  tenantId: string;
  sites: number;
  integrations: number;
  personIdKey: 'created' | 'kept';
}

/**
 * Imports a tenant document (the `test/fixtures/tenants/demo.json` format): credentials into the secret
 * store first, so no stored integration lacks its secret, then the configuration. Creates the tenant's
 * person-id key unless one exists; an existing key is never replaced because every person id derives from it.
 */
export async function importTenant(target: CliTarget, document: unknown): Promise<ImportSummary> {
  const { config, secrets } = tenantFromDemoDocument(document);
  for (const [name, value] of Object.entries(secrets)) {
    await target.secrets.putSecret(name, value);
  }
  const keyName = personIdKeySecretName(config.tenantId);
  const existingKey = await target.secrets.getSecret(keyName);
  if (existingKey === undefined) {
    await target.secrets.putSecret(keyName, randomBytes(32).toString('hex'));
  }
  await writeTenant(target, config);
  return {
    tenantId: config.tenantId,
    sites: config.sites.length,
    integrations: config.integrations.length,
    personIdKey: existingKey === undefined ? 'created' : 'kept',
  };
}

export interface NewIntegration {
  integrationId: string;
  format: IntegrationFormat;
  source: string;
  channel: string;
  auth: AuthType;
  /** Meta's app secret, which Meta issues; required for `meta`. */
  appSecret?: string;
  /** Meta page access token for Graph lead retrieval; optional. */
  accessToken?: string;
}

/** The credential that the integrator must configure on the sender's side, shown once. */
export interface IssuedCredential {
  secretName: string;
  /** `secret`, `key` or `verifyToken`. */
  field: keyof IntegrationSecret;
  value: string;
}

/**
 * Adds an integration with a generated credential (HMAC secret, Google key or Meta verify token), stored in
 * the secret store before the configuration refers to it. Throws `ValidationError` for an id that exists,
 * an auth type that the format's senders do not use, or a Meta integration without its app secret.
 */
export async function addIntegration(
  target: CliTarget,
  tenantId: string,
  request: NewIntegration,
): Promise<IssuedCredential> {
  const tenant = await readTenant(target, tenantId);
  if (tenant.integrations.some((integration) => integration.integrationId === request.integrationId)) {
    throw new ValidationError(`Tenant ${tenantId} already has an integration ${request.integrationId}`);
  }
  const expectedAuth = AUTH_TYPE_OF_FORMAT[request.format];
  if (request.auth !== expectedAuth) {
    throw new ValidationError(`Format ${request.format} is authenticated with ${expectedAuth}, not ${request.auth}`);
  }

  const value = generateCredential();
  let secret: IntegrationSecret;
  let field: keyof IntegrationSecret;
  switch (request.auth) {
    case 'hmac-sha256':
      secret = { secret: value };
      field = 'secret';
      break;
    case 'google-key':
      secret = { key: value };
      field = 'key';
      break;
    case 'meta':
      if (!request.appSecret) {
        throw new ValidationError('A Meta integration needs the app secret that Meta issued (--app-secret-file)');
      }
      secret = { appSecret: request.appSecret, verifyToken: value };
      if (request.accessToken) {
        secret.accessToken = request.accessToken;
      }
      field = 'verifyToken';
      break;
  }

  const secretName = integrationSecretName(tenantId, request.integrationId);
  const integration: Integration = {
    integrationId: request.integrationId,
    format: request.format,
    source: request.source,
    channel: request.channel,
    auth: { type: request.auth, secretName },
    formSites: {},
    sourceRules: [],
  };
  const changed = { ...tenant, integrations: [...tenant.integrations, integration] };
  // Validated before the secret is written, so an invalid id leaves nothing behind.
  tenantConfigSchema.parse(changed);
  await target.secrets.putSecret(secretName, JSON.stringify(secret));
  await writeTenant(target, changed);
  return { secretName, field, value };
}

export interface Rotation extends IssuedCredential {
  /** Until when the previous HMAC secret is still accepted; null for other auth types. */
  previousValidUntil: string | null;
}

/**
 * Replaces the integration's generated credential. For HMAC the previous secret stays valid for
 * `graceHours`, so the sender can switch without losing deliveries. A Google key and a Meta verify token
 * change at once. Meta's app secret is kept because Meta issues and rotates it.
 */
export async function rotateSecret(
  target: CliTarget,
  tenantId: string,
  integrationId: string,
  options: { graceHours: number; now: Date },
): Promise<Rotation> {
  const tenant = await readTenant(target, tenantId);
  const integration = tenant.integrations.find((candidate) => candidate.integrationId === integrationId);
  if (!integration) {
    throw new NotFoundError(`Tenant ${tenantId} has no integration ${integrationId}`);
  }
  const secretName = integration.auth.secretName;
  const current = await readIntegrationSecret(target.secrets, secretName);
  const value = generateCredential();

  let next: IntegrationSecret;
  let field: keyof IntegrationSecret;
  let previousValidUntil: string | null = null;
  switch (integration.auth.type) {
    case 'hmac-sha256': {
      field = 'secret';
      previousValidUntil = new Date(options.now.getTime() + options.graceHours * 3_600_000).toISOString();
      const { previousSecret: _previousSecret, previousValidUntil: _until, ...rest } = current;
      next = current.secret
        ? { ...rest, secret: value, previousSecret: current.secret, previousValidUntil }
        : { ...rest, secret: value };
      break;
    }
    case 'google-key':
      field = 'key';
      next = { ...current, key: value };
      break;
    case 'meta':
      field = 'verifyToken';
      next = { ...current, verifyToken: value };
      break;
  }
  await target.secrets.putSecret(secretName, JSON.stringify(next));
  return { secretName, field, value, previousValidUntil };
}

async function readIntegrationSecret(secrets: SecretWriter, name: string): Promise<IntegrationSecret> {
  const text = await secrets.getSecret(name);
  if (text === undefined) {
    return {};
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw new ValidationError(`Secret ${name} is not JSON; fix or delete it before rotating`, { cause: error });
  }
  const secret = integrationSecretSchema.safeParse(parsed);
  if (!secret.success) {
    throw new ValidationError(`Secret ${name} is not a JSON object of integration credentials`);
  }
  return secret.data;
}

/**
 * Adds an alias to a site. Aliases match ignoring case and accents and the first site listed wins, so an
 * alias that already routes to another site is rejected. Returns false when the site already has it.
 */
export async function addAlias(target: CliTarget, tenantId: string, siteId: string, alias: string): Promise<boolean> {
  const tenant = await readTenant(target, tenantId);
  const site = tenant.sites.find((candidate) => candidate.siteId === siteId);
  if (!site) {
    throw new NotFoundError(`Tenant ${tenantId} has no site ${siteId}`);
  }
  const folded = foldText(alias);
  if (folded === '') {
    throw new ValidationError('The alias is empty');
  }
  const owner = tenant.sites.find((candidate) =>
    [...candidate.aliases, candidate.name].some((existing) => foldText(existing) === folded),
  );
  if (owner && owner.siteId !== siteId) {
    throw new ValidationError(`"${alias}" already routes to site ${owner.siteId}`);
  }
  if (owner) {
    return false;
  }
  const sites = tenant.sites.map((candidate) =>
    candidate.siteId === siteId ? { ...candidate, aliases: [...candidate.aliases, alias.trim()] } : candidate,
  );
  await writeTenant(target, { ...tenant, sites });
  return true;
}

/** Appends a source rule to an integration; rules apply in order and the first that matches wins. */
export async function addSourceRule(
  target: CliTarget,
  tenantId: string,
  integrationId: string,
  rule: SourceRule,
): Promise<number> {
  const tenant = await readTenant(target, tenantId);
  const integration = tenant.integrations.find((candidate) => candidate.integrationId === integrationId);
  if (!integration) {
    throw new NotFoundError(`Tenant ${tenantId} has no integration ${integrationId}`);
  }
  if (Object.values(rule.when).every((condition) => condition === undefined)) {
    throw new ValidationError('A source rule needs at least one of --click-id, --utm-source and --utm-medium');
  }
  const integrations = tenant.integrations.map((candidate) =>
    candidate.integrationId === integrationId
      ? { ...candidate, sourceRules: [...candidate.sourceRules, rule] }
      : candidate,
  );
  await writeTenant(target, { ...tenant, integrations });
  return integration.sourceRules.length + 1;
}
