/**
 * Second chances for leads that the webhook could not store at once: quarantined payloads, replayed after
 * their parser or their integration is fixed, and Meta leads whose Graph fetch failed.
 */
import { NotFoundError } from '#shared/errors';
import { logger } from '#shared/logger';
import { GraphApiError, GraphLeadNotFoundError, PayloadError } from '#shared/sources/errors';
import { draftFromGraphLead } from '#shared/sources/meta-leadgen';
import type { PendingFetch } from '#shared/store/lead-repository';
import { IntegrationNotFoundError, SignatureInvalidError } from './errors';
import {
  buildLeads,
  type IngestDependencies,
  type IngestResult,
  parsePayload,
  resolveTarget,
  storeLeads,
  type Target,
} from './pipeline';

/** Result of a replay: the leads of the payload, as the webhook would have returned them. */
export interface ReplayResult extends IngestResult {
  quarantineId: string;
  replayedAt: string;
}

/**
 * Runs a quarantined payload again through the webhook's parse, build and store steps, with the tenant's
 * current configuration, and records the replay on the entry (the entry and its body are kept).
 *
 * The signature is not checked again: the payload passed it when it was received. An entry that was never
 * authenticated (a Google body that did not parse, so its `google_key` could not be read) must pass the
 * `google_key` check now. Leads keep the original `receivedAt`, and lead ids are deterministic, so a second
 * replay reports the same leads as duplicates.
 *
 * Throws `NotFoundError` for an unknown entry, `SignatureInvalidError` for an entry that cannot be
 * authenticated, and the parser's `PayloadError` when the payload still cannot be read (the entry is then
 * left as it is).
 */
export async function replayQuarantined(
  deps: IngestDependencies,
  tenantId: string,
  quarantineId: string,
): Promise<ReplayResult> {
  const entry = await deps.quarantine.get(tenantId, quarantineId);
  if (!entry) {
    throw new NotFoundError(`No quarantined payload ${quarantineId} for tenant ${tenantId}`);
  }
  const target = await resolveTarget(deps, tenantId, entry.integrationId);
  if (!entry.authenticated && target.integration.auth.type !== 'google-key') {
    throw new SignatureInvalidError(
      `Quarantined payload ${quarantineId} was never authenticated and integration ${entry.integrationId} ` +
        `now uses ${target.integration.auth.type}, whose signature was not kept`,
    );
  }

  const drafts = await parsePayload(
    deps,
    target,
    { body: entry.body, contentType: entry.contentType },
    { checkGoogleKey: !entry.authenticated },
  );
  const built = await buildLeads(deps, target, drafts.drafts, new Date(entry.receivedAt));
  const result = await storeLeads(deps, target, built, drafts.pending);

  const replayedAt = deps.clock().toISOString();
  await deps.quarantine.markReplayed(tenantId, quarantineId, { replayedAt, leadIds: result.leadIds });
  logger.info('Quarantined payload replayed', {
    tenantId,
    integrationId: entry.integrationId,
    quarantineId,
    leads: result.leadIds.length,
    duplicates: result.duplicates.length,
    pending: result.pending.length,
  });
  return { ...result, quarantineId, replayedAt };
}

/** A pending fetch that failed again and is kept. */
export interface FailedFetch {
  integrationId: string;
  leadgenId: string;
  reasonCode: string;
  attempts: number;
}

export interface RetryPendingResult {
  /** Leads stored or found already stored, in the order of the pending list. */
  leadIds: string[];
  /** The subset of `leadIds` that was stored before this run. */
  duplicates: string[];
  failed: FailedFetch[];
}

/**
 * Fetches every pending Meta lead of the tenant from the Graph API again. A lead that is fetched and built
 * is stored (idempotently, so a lead that Meta redelivered meanwhile is a duplicate) and its pending item
 * removed. A fetch that fails again, or a Graph response that is not a lead, keeps the item with its attempt
 * count raised and the new reason code.
 *
 * The lead's `receivedAt` is `firstFailedAt`, the time the webhook first received it.
 * Other errors (a lead store failure, a missing secret) stop the run and propagate; the items not yet
 * retried stay pending.
 */
export async function retryPendingFetches(deps: IngestDependencies, tenantId: string): Promise<RetryPendingResult> {
  const result: RetryPendingResult = { leadIds: [], duplicates: [], failed: [] };
  const targets = new Map<string, Promise<Target>>();
  for (const pending of await deps.pending.list(tenantId)) {
    let stored: IngestResult;
    try {
      stored = await fetchAndStore(deps, targets, pending);
    } catch (error) {
      if (!isRetryableLater(error)) {
        throw error;
      }
      result.failed.push(await recordFailure(deps, pending, error.code));
      continue;
    }
    await deps.pending.remove(tenantId, pending.integrationId, pending.leadgenId);
    result.leadIds.push(...stored.leadIds);
    result.duplicates.push(...stored.duplicates);
  }
  logger.info('Pending Graph fetches retried', {
    tenantId,
    leads: result.leadIds.length,
    duplicates: result.duplicates.length,
    failed: result.failed.length,
  });
  return result;
}

async function fetchAndStore(
  deps: IngestDependencies,
  targets: Map<string, Promise<Target>>,
  pending: PendingFetch,
): Promise<IngestResult> {
  let target = targets.get(pending.integrationId);
  if (!target) {
    target = resolveTarget(deps, pending.tenantId, pending.integrationId);
    targets.set(pending.integrationId, target);
  }
  const { tenant, integration, secret } = await target;
  const graphLead = await deps.graph.fetchLead(pending.leadgenId, secret.accessToken);
  const draft = draftFromGraphLead(graphLead, {
    leadgenId: pending.leadgenId,
    formId: pending.formId,
    pageId: null,
    adId: null,
    createdTime: pending.createdTime,
  });
  const built = await buildLeads(deps, { tenant, integration, secret }, [draft], new Date(pending.firstFailedAt));
  return storeLeads(deps, { tenant, integration, secret }, built, []);
}

/** Failures that concern one pending lead only; the next run may succeed once Meta or the tenant config changes. */
function isRetryableLater(
  error: unknown,
): error is GraphApiError | GraphLeadNotFoundError | PayloadError | IntegrationNotFoundError {
  return (
    error instanceof GraphApiError ||
    error instanceof GraphLeadNotFoundError ||
    error instanceof PayloadError ||
    error instanceof IntegrationNotFoundError
  );
}

async function recordFailure(
  deps: IngestDependencies,
  pending: PendingFetch,
  reasonCode: string,
): Promise<FailedFetch> {
  const attempts = pending.attempts + 1;
  await deps.pending.add({ ...pending, attempts, reasonCode, lastFailedAt: deps.clock().toISOString() });
  logger.warn('Graph fetch failed again', {
    tenantId: pending.tenantId,
    integrationId: pending.integrationId,
    leadgenId: pending.leadgenId,
    reasonCode,
    attempts,
  });
  return { integrationId: pending.integrationId, leadgenId: pending.leadgenId, reasonCode, attempts };
}
