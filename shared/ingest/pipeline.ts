/**
 * The steps that every way into the lead store shares: the webhook (`ingestDelivery`), the replay of a
 * quarantined payload and the retry of pending Meta fetches. Each step raises the same errors for every
 * caller, and the callers decide what to quarantine.
 */
import { DependencyUnavailableError } from '#shared/errors';
import { buildLead } from '#shared/lead/build-lead';
import type { NewLead } from '#shared/lead/model';
import { logger } from '#shared/logger';
import { recordLeadsReceived } from '#shared/metrics';
import { contactKeyHashes, storeWithPerson } from '#shared/people/link';
import type { Clock } from '#shared/ports/clock';
import type { GraphApi } from '#shared/ports/graph-api';
import type { SecretStore } from '#shared/ports/secret-store';
import { parseAdfXml } from '#shared/sources/adf-xml';
import type { LeadDraft } from '#shared/sources/draft';
import { GraphApiError, GraphLeadNotFoundError } from '#shared/sources/errors';
import { parseGoogleAdsLeadForm } from '#shared/sources/google-ads';
import { draftFromGraphLead, type MetaLeadgenRef, parseMetaWebhook } from '#shared/sources/meta-leadgen';
import { parseWebForm } from '#shared/sources/web-form';
import type { LeadRepository, PendingFetchRepository, QuarantineRepository } from '#shared/store/lead-repository';
import { verifyGoogleKey } from '#shared/tenant/auth';
import {
  type Integration,
  type IntegrationSecret,
  integrationSecretSchema,
  personIdKeySecretName,
  type TenantConfig,
} from '#shared/tenant/model';
import type { TenantRepository } from '#shared/tenant/repository';
import { callDependency, toDependencyError } from './dependency';
import { IntegrationNotFoundError } from './errors';

/**
 * Time after which a delivery starts no further Graph API fetch, in milliseconds. The Meta leads not fetched
 * by then are kept as pending. With the Graph client's own bound of 5 s per lead (`HttpGraphApi`), a delivery
 * spends at most about 10 s on the Graph API, inside the webhook function's 15 s timeout and far inside
 * API Gateway's 29 s integration timeout.
 */
export const GRAPH_FETCH_BUDGET_MS = 5_000;

/** Payload parsers by integration format; each throws a `PayloadError` for a payload it cannot read. */
export interface PayloadParsers {
  'adf-xml': (body: Uint8Array, contentType: string) => LeadDraft[];
  'web-form': (body: Uint8Array, contentType: string) => LeadDraft[];
  'google-ads-lead-form': (body: Uint8Array) => { draft: LeadDraft; googleKey: string | null };
  'meta-leadgen': (body: Uint8Array) => MetaLeadgenRef[];
}

/** The parsers of shared/sources. */
export const DEFAULT_PARSERS: PayloadParsers = {
  'adf-xml': (body) => parseAdfXml(body),
  'web-form': (body, contentType) => [parseWebForm(body, contentType)],
  'google-ads-lead-form': parseGoogleAdsLeadForm,
  'meta-leadgen': parseMetaWebhook,
};

export interface IngestDependencies {
  tenants: TenantRepository;
  secrets: SecretStore;
  leads: LeadRepository;
  quarantine: QuarantineRepository;
  pending: PendingFetchRepository;
  graph: GraphApi;
  clock: Clock;
  /** Replaces some of `DEFAULT_PARSERS`; tests use it to stand in for a parser fixed after a payload failed. */
  parsers?: Partial<PayloadParsers>;
  /** Replaces `GRAPH_FETCH_BUDGET_MS`. */
  graphFetchBudgetMs?: number;
}

export interface IngestResult {
  /** Every lead of the payload, new or already stored, in payload order. */
  leadIds: string[];
  /** The subset of `leadIds` that was stored before this delivery. */
  duplicates: string[];
  /** Meta leadgen ids whose Graph fetch failed; they are kept and fetched again later. */
  pending: string[];
}

/** The tenant, integration and credentials that a payload is addressed to. */
export interface Target {
  tenant: TenantConfig;
  integration: Integration;
  secret: IntegrationSecret;
}

/** Drafts read from a payload, and the Meta leads whose fetch was deferred. */
export interface Drafts {
  drafts: LeadDraft[];
  pending: string[];
}

/**
 * Reads the tenant, the integration and its secret. Throws `IntegrationNotFoundError` when either does not
 * exist, `DependencyUnavailableError` when the secret is missing or not a JSON object of credentials or when
 * a store fails, and `DependencyThrottledError` when a store throttles.
 */
export async function resolveTarget(
  deps: IngestDependencies,
  tenantId: string,
  integrationId: string,
): Promise<Target> {
  const tenant = await callDependency('The lead store', () => deps.tenants.get(tenantId));
  const integration = tenant?.integrations.find((candidate) => candidate.integrationId === integrationId);
  if (!tenant || !integration) {
    throw new IntegrationNotFoundError(`No integration ${integrationId} for tenant ${tenantId}`);
  }
  const secretText = await callDependency('The secret store', () =>
    deps.secrets.getSecret(integration.auth.secretName),
  );
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

/** Returns a field of the integration's secret; throws `DependencyUnavailableError` when it is not set. */
export function requireSecretField(secret: IntegrationSecret, field: keyof IntegrationSecret, name: string): string {
  const value = secret[field];
  if (!value) {
    throw new DependencyUnavailableError(`Secret ${name} has no ${field}`);
  }
  return value;
}

/**
 * Parses a payload in its integration's format. For Google lead forms the `google_key` in the body is
 * checked when `checkGoogleKey` is set (a `SignatureInvalidError` when it does not match); Meta leads are
 * fetched from the Graph API, and a lead whose fetch fails is recorded as pending.
 * Throws the parser's `PayloadError` for a payload it cannot read.
 */
export async function parsePayload(
  deps: IngestDependencies,
  target: Target,
  payload: { body: Uint8Array; contentType: string },
  options: { checkGoogleKey: boolean },
): Promise<Drafts> {
  const parsers = { ...DEFAULT_PARSERS, ...deps.parsers };
  const { integration, secret } = target;
  switch (integration.format) {
    case 'adf-xml':
      return { drafts: parsers['adf-xml'](payload.body, payload.contentType), pending: [] };
    case 'web-form':
      return { drafts: parsers['web-form'](payload.body, payload.contentType), pending: [] };
    case 'google-ads-lead-form': {
      const parsed = parsers['google-ads-lead-form'](payload.body);
      if (options.checkGoogleKey) {
        verifyGoogleKey(requireSecretField(secret, 'key', integration.auth.secretName), parsed.googleKey);
      }
      return { drafts: [parsed.draft], pending: [] };
    }
    case 'meta-leadgen':
      return fetchMetaDrafts(deps, target, parsers['meta-leadgen'](payload.body));
  }
}

/**
 * Fetches each Meta lead from the Graph API. A lead whose fetch fails after retries, or that the Graph API
 * refuses (an expired page token is the usual cause), is recorded as pending instead of failing the whole
 * delivery, so the leads that were fetched are stored now and the others are fetched again later. Once the
 * delivery has spent its Graph budget (`GRAPH_FETCH_BUDGET_MS`), the remaining leads are recorded as pending
 * without a fetch, so a slow Graph API cannot hold the webhook past its timeout.
 */
async function fetchMetaDrafts(deps: IngestDependencies, target: Target, refs: MetaLeadgenRef[]): Promise<Drafts> {
  const drafts: LeadDraft[] = [];
  const pending: string[] = [];
  const deadline = performance.now() + (deps.graphFetchBudgetMs ?? GRAPH_FETCH_BUDGET_MS);
  for (const ref of refs) {
    if (performance.now() >= deadline) {
      await keepPending(deps, target, ref, GRAPH_BUDGET_SPENT);
      pending.push(ref.leadgenId);
      continue;
    }
    try {
      const graphLead = await deps.graph.fetchLead(ref.leadgenId, target.secret.accessToken);
      drafts.push(draftFromGraphLead(graphLead, ref));
    } catch (error) {
      if (!(error instanceof GraphApiError || error instanceof GraphLeadNotFoundError)) {
        throw error;
      }
      await keepPending(deps, target, ref, error.code);
      pending.push(ref.leadgenId);
    }
  }
  return { drafts, pending };
}

/** Reason code of a pending Meta lead that was not fetched because the delivery spent its Graph budget. */
export const GRAPH_BUDGET_SPENT = 'GRAPH_BUDGET_SPENT';

async function keepPending(
  deps: IngestDependencies,
  target: Target,
  ref: MetaLeadgenRef,
  reasonCode: string,
): Promise<void> {
  const failedAt = deps.clock().toISOString();
  try {
    await deps.pending.add({
      tenantId: target.tenant.tenantId,
      integrationId: target.integration.integrationId,
      leadgenId: ref.leadgenId,
      formId: ref.formId,
      createdTime: ref.createdTime,
      firstFailedAt: failedAt,
      reasonCode,
      attempts: 1,
      lastFailedAt: failedAt,
    });
  } catch (error) {
    // Without the pending record the id would be lost, so the delivery fails and Meta retries it.
    throw toDependencyError(error, 'The lead store');
  }
  logger.warn('Graph fetch deferred', { leadgenId: ref.leadgenId, reasonCode });
}

/** Leads built from drafts, with the keyed hashes of their contact keys in the same order. */
export interface BuiltLeads {
  leads: NewLead[];
  keyHashes: string[][];
}

/**
 * Builds the leads of the drafts (see `buildLead`). Throws `InvalidLeadError` for a draft without the
 * sender's id and `DependencyUnavailableError` when the tenant has no person-id key.
 */
export async function buildLeads(
  deps: IngestDependencies,
  target: Target,
  drafts: readonly LeadDraft[],
  receivedAt: Date,
): Promise<BuiltLeads> {
  const tenantId = target.tenant.tenantId;
  const personIdKey = await callDependency('The secret store', () =>
    deps.secrets.getSecret(personIdKeySecretName(tenantId)),
  );
  if (personIdKey === undefined) {
    throw new DependencyUnavailableError(`Secret ${personIdKeySecretName(tenantId)} is not configured`);
  }
  const leads = drafts.map((draft) =>
    buildLead(draft, { tenant: target.tenant, integration: target.integration, receivedAt, personIdKey }),
  );
  return { leads, keyHashes: leads.map((lead) => contactKeyHashes(personIdKey, tenantId, lead.contact)) };
}

/**
 * Links each lead to its person and stores it once (see `storeWithPerson`), counting the new leads by
 * source. A store failure becomes `DependencyUnavailableError` (503), or `DependencyThrottledError` (429)
 * when the store throttles, so that the sender retries.
 *
 * Retrying is safe. Each lead is stored with its person-key entries in one transaction, so a failure leaves
 * a lead either wholly stored or not at all. Lead ids are deterministic, so the leads of a payload that were
 * stored before the failure are reported as duplicates by the retry and are not stored twice.
 */
export async function storeLeads(
  deps: IngestDependencies,
  target: Target,
  built: BuiltLeads,
  pending: string[],
): Promise<IngestResult> {
  const result: IngestResult = { leadIds: [], duplicates: [], pending };
  const createdBySource = new Map<string, number>();
  for (const [index, lead] of built.leads.entries()) {
    const outcome = await storeLead(deps, target, lead, built.keyHashes[index] ?? []);
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
  return result;
}

async function storeLead(
  deps: IngestDependencies,
  target: Target,
  lead: NewLead,
  keyHashes: string[],
): Promise<'created' | 'duplicate'> {
  try {
    const stored = await storeWithPerson(deps.leads, lead, keyHashes, target.tenant.personWindowDays);
    return stored.outcome;
  } catch (error) {
    throw toDependencyError(error, 'The lead store');
  }
}
