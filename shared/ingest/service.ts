/**
 * Lead capture: authenticate a webhook delivery, parse it in its integration's format, normalise and store
 * each lead once. Nothing is stored unless the delivery is authentic; an authentic payload that cannot be
 * read is quarantined byte-exact with its reason, so it can be replayed once the parser is fixed.
 */
import { randomUUID } from 'node:crypto';
import { DependencyUnavailableError } from '#shared/errors';
import { buildLead } from '#shared/lead/build-lead';
import type { Lead } from '#shared/lead/model';
import { logger } from '#shared/logger';
import { recordLeadsReceived } from '#shared/metrics';
import type { Clock } from '#shared/ports/clock';
import type { GraphApi } from '#shared/ports/graph-api';
import type { SecretStore } from '#shared/ports/secret-store';
import { parseAdfXml } from '#shared/sources/adf-xml';
import type { LeadDraft } from '#shared/sources/draft';
import { GraphApiError, GraphLeadNotFoundError, PayloadError } from '#shared/sources/errors';
import { parseGoogleAdsLeadForm } from '#shared/sources/google-ads';
import { draftFromGraphLead, type MetaLeadgenRef, parseMetaWebhook } from '#shared/sources/meta-leadgen';
import { parseWebForm } from '#shared/sources/web-form';
import type { LeadRepository, PendingFetchRepository, QuarantineRepository } from '#shared/store/lead-repository';
import { verifyGoogleKey, verifyHmac, verifyMeta } from '#shared/tenant/auth';
import {
  type Integration,
  type IntegrationSecret,
  integrationSecretSchema,
  personIdKeySecretName,
  type TenantConfig,
} from '#shared/tenant/model';
import type { TenantRepository } from '#shared/tenant/repository';
import { IntegrationNotFoundError, PayloadTooLargeError, VerificationFailedError } from './errors';
import { MAX_BODY_BYTES } from './limits';

export { MAX_BODY_BYTES };

export interface IngestDependencies {
  tenants: TenantRepository;
  secrets: SecretStore;
  leads: LeadRepository;
  quarantine: QuarantineRepository;
  pending: PendingFetchRepository;
  graph: GraphApi;
  clock: Clock;
}

/** One webhook request, as the handler received it. */
export interface Delivery {
  tenantId: string;
  integrationId: string;
  /** Lower-case header names. */
  headers: Record<string, string>;
  /** The raw body bytes, before any decoding. */
  body: Uint8Array;
}

export interface IngestResult {
  /** Every lead of the payload, new or already stored, in payload order. */
  leadIds: string[];
  /** The subset of `leadIds` that was stored before this delivery. */
  duplicates: string[];
  /** Meta leadgen ids whose Graph fetch failed; they are kept and fetched again later. */
  pending: string[];
}

interface Target {
  tenant: TenantConfig;
  integration: Integration;
  secret: IntegrationSecret;
}

async function resolveTarget(deps: IngestDependencies, tenantId: string, integrationId: string): Promise<Target> {
  const tenant = await deps.tenants.get(tenantId);
  const integration = tenant?.integrations.find((candidate) => candidate.integrationId === integrationId);
  if (!tenant || !integration) {
    throw new IntegrationNotFoundError(`No integration ${integrationId} for tenant ${tenantId}`);
  }
  const secretText = await deps.secrets.getSecret(integration.auth.secretName);
  if (secretText === undefined) {
    throw new DependencyUnavailableError(`Secret ${integration.auth.secretName} is not configured`);
  }
  return { tenant, integration, secret: parseIntegrationSecret(integration.auth.secretName, secretText) };
}

function parseIntegrationSecret(name: string, text: string): IntegrationSecret {
  try {
    return integrationSecretSchema.parse(JSON.parse(text));
  } catch (error) {
    throw new DependencyUnavailableError(`Secret ${name} is not a JSON object of integration credentials`, {
      cause: error,
    });
  }
}

function requireSecretField(secret: IntegrationSecret, field: keyof IntegrationSecret, name: string): string {
  const value = secret[field];
  if (!value) {
    throw new DependencyUnavailableError(`Secret ${name} has no ${field}`);
  }
  return value;
}

/**
 * Answers Meta's subscription handshake: returns `hub.challenge` when `hub.verify_token` matches the
 * integration's verify token.
 */
export async function verifySubscription(
  deps: IngestDependencies,
  request: { tenantId: string; integrationId: string; query: Record<string, string | undefined> },
): Promise<string> {
  const { integration, secret } = await resolveTarget(deps, request.tenantId, request.integrationId);
  if (integration.format !== 'meta-leadgen') {
    throw new VerificationFailedError(`Integration ${integration.integrationId} does not use Meta's handshake`);
  }
  const expected = requireSecretField(secret, 'verifyToken', integration.auth.secretName);
  const challenge = request.query['hub.challenge'];
  if (request.query['hub.mode'] !== 'subscribe' || request.query['hub.verify_token'] !== expected || !challenge) {
    throw new VerificationFailedError('hub.mode must be subscribe and hub.verify_token must match');
  }
  return challenge;
}

/**
 * Captures the leads of one delivery. Throws a `DomainError` for every rejection; a store failure surfaces
 * as `DependencyUnavailableError` (503) so that the sender retries, which is safe because lead ids are
 * deterministic.
 */
export async function ingestDelivery(deps: IngestDependencies, delivery: Delivery): Promise<IngestResult> {
  if (delivery.body.byteLength > MAX_BODY_BYTES) {
    throw new PayloadTooLargeError(`Body is ${delivery.body.byteLength} bytes; the limit is ${MAX_BODY_BYTES}`);
  }
  const target = await resolveTarget(deps, delivery.tenantId, delivery.integrationId);
  const receivedAt = deps.clock();

  const drafts = await readDrafts(deps, target, delivery, receivedAt);
  const personIdKey = await deps.secrets.getSecret(personIdKeySecretName(target.tenant.tenantId));
  if (personIdKey === undefined) {
    throw new DependencyUnavailableError(`Secret ${personIdKeySecretName(target.tenant.tenantId)} is not configured`);
  }

  let leads: Lead[];
  try {
    leads = drafts.drafts.map((draft) =>
      buildLead(draft, { tenant: target.tenant, integration: target.integration, receivedAt, personIdKey }),
    );
  } catch (error) {
    throw await quarantineOnPayloadError(deps, delivery, receivedAt, true, error);
  }

  const result: IngestResult = { leadIds: [], duplicates: [], pending: drafts.pending };
  const createdBySource = new Map<string, number>();
  for (const lead of leads) {
    const outcome = await storeLead(deps, lead);
    result.leadIds.push(lead.leadId);
    if (outcome === 'duplicate') {
      result.duplicates.push(lead.leadId);
    } else {
      createdBySource.set(lead.source, (createdBySource.get(lead.source) ?? 0) + 1);
    }
  }
  for (const [source, count] of createdBySource) {
    recordLeadsReceived(source, count);
  }
  logger.info('Delivery ingested', {
    tenantId: target.tenant.tenantId,
    integrationId: target.integration.integrationId,
    format: target.integration.format,
    leads: result.leadIds.length,
    duplicates: result.duplicates.length,
    pending: result.pending.length,
  });
  return result;
}

async function storeLead(deps: IngestDependencies, lead: Lead): Promise<'created' | 'duplicate'> {
  try {
    return await deps.leads.createIfAbsent(lead);
  } catch (error) {
    throw new DependencyUnavailableError('The lead store did not accept the lead', { cause: error });
  }
}

/** Authenticates the delivery, then parses it; payload errors after authentication are quarantined. */
async function readDrafts(
  deps: IngestDependencies,
  target: Target,
  delivery: Delivery,
  receivedAt: Date,
): Promise<{ drafts: LeadDraft[]; pending: string[] }> {
  const { integration, secret } = target;
  const secretName = integration.auth.secretName;
  const contentType = delivery.headers['content-type'] ?? '';

  if (integration.auth.type === 'google-key') {
    // Google puts its key inside the JSON body, so the body must be parsed before it can be authenticated.
    let parsed: ReturnType<typeof parseGoogleAdsLeadForm>;
    try {
      parsed = parseGoogleAdsLeadForm(delivery.body);
    } catch (error) {
      throw await quarantineOnPayloadError(deps, delivery, receivedAt, false, error);
    }
    verifyGoogleKey(requireSecretField(secret, 'key', secretName), parsed.googleKey);
    return { drafts: [parsed.draft], pending: [] };
  }

  if (integration.auth.type === 'meta') {
    verifyMeta(
      requireSecretField(secret, 'appSecret', secretName),
      delivery.body,
      delivery.headers['x-hub-signature-256'],
    );
  } else {
    verifyHmac(
      requireSecretField(secret, 'secret', secretName),
      delivery.body,
      delivery.headers['x-signature'],
      receivedAt,
    );
  }

  try {
    switch (integration.format) {
      case 'adf-xml':
        return { drafts: parseAdfXml(delivery.body), pending: [] };
      case 'web-form':
        return { drafts: [parseWebForm(delivery.body, contentType)], pending: [] };
      case 'meta-leadgen':
        return await fetchMetaDrafts(deps, target, parseMetaWebhook(delivery.body), receivedAt);
      case 'google-ads-lead-form':
        return { drafts: [parseGoogleAdsLeadForm(delivery.body).draft], pending: [] };
    }
  } catch (error) {
    throw await quarantineOnPayloadError(deps, delivery, receivedAt, true, error);
  }
}

/**
 * Fetches each Meta lead from the Graph API. A lead whose fetch fails after retries, or that the Graph API
 * refuses (an expired page token is the usual cause), is recorded as pending instead of failing the whole
 * delivery, so the leads that were fetched are stored now and the others are fetched again later.
 */
async function fetchMetaDrafts(
  deps: IngestDependencies,
  target: Target,
  refs: MetaLeadgenRef[],
  receivedAt: Date,
): Promise<{ drafts: LeadDraft[]; pending: string[] }> {
  const drafts: LeadDraft[] = [];
  const pending: string[] = [];
  for (const ref of refs) {
    try {
      const graphLead = await deps.graph.fetchLead(ref.leadgenId, target.secret.accessToken);
      drafts.push(draftFromGraphLead(graphLead, ref));
    } catch (error) {
      if (!(error instanceof GraphApiError || error instanceof GraphLeadNotFoundError)) {
        throw error;
      }
      await keepPending(deps, target, ref, receivedAt, error.code);
      pending.push(ref.leadgenId);
    }
  }
  return { drafts, pending };
}

async function keepPending(
  deps: IngestDependencies,
  target: Target,
  ref: MetaLeadgenRef,
  receivedAt: Date,
  reasonCode: string,
): Promise<void> {
  try {
    await deps.pending.add({
      tenantId: target.tenant.tenantId,
      integrationId: target.integration.integrationId,
      leadgenId: ref.leadgenId,
      formId: ref.formId,
      createdTime: ref.createdTime,
      firstFailedAt: receivedAt.toISOString(),
      reasonCode,
    });
  } catch (error) {
    // Without the pending record the id would be lost, so the delivery fails and Meta retries it.
    throw new DependencyUnavailableError('The lead store did not accept a pending Graph fetch', { cause: error });
  }
  logger.warn('Graph fetch deferred', { leadgenId: ref.leadgenId, reasonCode });
}

/**
 * Quarantines the payload when `error` is a payload error and returns the error to throw; other errors are
 * returned unchanged. A quarantine write failure becomes a 503 so the sender retries and nothing is lost.
 */
async function quarantineOnPayloadError(
  deps: IngestDependencies,
  delivery: Delivery,
  receivedAt: Date,
  authenticated: boolean,
  error: unknown,
): Promise<unknown> {
  if (!(error instanceof PayloadError)) {
    return error;
  }
  const quarantineId = `${receivedAt.toISOString()}#${randomUUID()}`;
  try {
    await deps.quarantine.add({
      quarantineId,
      tenantId: delivery.tenantId,
      integrationId: delivery.integrationId,
      receivedAt: receivedAt.toISOString(),
      contentType: delivery.headers['content-type'] ?? '',
      authenticated,
      reasonCode: error.code,
      reasonMessage: error.message,
      body: delivery.body,
    });
  } catch (storeError) {
    return new DependencyUnavailableError('The quarantine did not accept the payload', { cause: storeError });
  }
  logger.warn('Payload quarantined', {
    tenantId: delivery.tenantId,
    integrationId: delivery.integrationId,
    quarantineId,
    code: error.code,
  });
  return error;
}
