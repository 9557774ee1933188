/**
 * Lead capture: authenticate a webhook delivery, parse it in its integration's format, normalise and store
 * each lead once. Nothing is stored unless the delivery is authentic. An authentic payload that cannot be
 * read is quarantined byte-exact with its reason, so it can be replayed once the parser is fixed.
 */
import { randomUUID } from 'node:crypto';
import { logger } from '#shared/logger';
import { PayloadError } from '#shared/sources/errors';
import { constantTimeEquals, verifyHmac, verifyMeta } from '#shared/tenant/auth';
import type { IntegrationSecret } from '#shared/tenant/model';
import { toDependencyError } from './dependency';
import { PayloadTooLargeError, SignatureInvalidError, VerificationFailedError } from './errors';
import {
  buildLeads,
  type Drafts,
  type IngestDependencies,
  type IngestResult,
  parsePayload,
  requireSecretField,
  resolveTarget,
  storeLeads,
  type Target,
} from './pipeline';

export type { IngestDependencies, IngestResult, PayloadParsers } from './pipeline';

/** Largest webhook body accepted, in bytes. Real lead payloads are a few KB; ADF with attachments stays far below. */
export const MAX_BODY_BYTES = 256 * 1024;

/** One webhook request, as the handler received it. */
export interface Delivery {
  tenantId: string;
  integrationId: string;
  /** Lower-case header names. */
  headers: Record<string, string>;
  /** The raw body bytes, before any decoding. */
  body: Uint8Array;
}

/**
 * Completes Meta's subscription handshake: returns `hub.challenge` when `hub.verify_token` matches the
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
  const verifyToken = request.query['hub.verify_token'] ?? '';
  if (request.query['hub.mode'] !== 'subscribe' || !constantTimeEquals(verifyToken, expected) || !challenge) {
    throw new VerificationFailedError('hub.mode must be subscribe and hub.verify_token must match');
  }
  return challenge;
}

/**
 * Captures the leads of one delivery and throws a `DomainError` for every rejection. A store failure
 * becomes `DependencyUnavailableError` (503) so that the sender retries. Retrying is safe because lead ids
 * are deterministic.
 */
export async function ingestDelivery(deps: IngestDependencies, delivery: Delivery): Promise<IngestResult> {
  if (delivery.body.byteLength > MAX_BODY_BYTES) {
    throw new PayloadTooLargeError(`Body is ${delivery.body.byteLength} bytes; the limit is ${MAX_BODY_BYTES}`);
  }
  const target = await resolveTarget(deps, delivery.tenantId, delivery.integrationId);
  const receivedAt = deps.clock();

  verifySignature(target, delivery, receivedAt);
  // Google puts its key inside the JSON body, so a Google body that does not parse was never authenticated.
  const parseAuthenticated = target.integration.auth.type !== 'google-key';
  let drafts: Drafts;
  try {
    drafts = await parsePayload(
      deps,
      target,
      { body: delivery.body, contentType: delivery.headers['content-type'] ?? '' },
      { checkGoogleKey: true },
    );
  } catch (error) {
    throw await quarantineOnPayloadError(deps, delivery, receivedAt, parseAuthenticated, error);
  }

  let built: Awaited<ReturnType<typeof buildLeads>>;
  try {
    built = await buildLeads(deps, target, drafts.drafts, receivedAt);
  } catch (error) {
    throw await quarantineOnPayloadError(deps, delivery, receivedAt, true, error);
  }

  const result = await storeLeads(deps, target, built, drafts.pending);
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

/**
 * Verifies the signature header of HMAC and Meta integrations; Google lead forms are checked while parsing.
 * After a rotation, an HMAC delivery signed with the previous secret passes until `previousValidUntil`.
 */
function verifySignature(target: Target, delivery: Delivery, receivedAt: Date): void {
  const { integration, secret } = target;
  const secretName = integration.auth.secretName;
  switch (integration.auth.type) {
    case 'google-key':
      return;
    case 'meta':
      verifyMeta(
        requireSecretField(secret, 'appSecret', secretName),
        delivery.body,
        delivery.headers['x-hub-signature-256'],
      );
      return;
    case 'hmac-sha256': {
      const header = delivery.headers['x-signature'];
      try {
        verifyHmac(requireSecretField(secret, 'secret', secretName), delivery.body, header, receivedAt);
      } catch (error) {
        const previous = previousSecretAt(secret, receivedAt);
        if (!(error instanceof SignatureInvalidError) || previous === null) {
          throw error;
        }
        verifyHmac(previous, delivery.body, header, receivedAt);
        logger.info('Delivery signed with the previous secret', {
          tenantId: target.tenant.tenantId,
          integrationId: integration.integrationId,
          previousValidUntil: secret.previousValidUntil,
        });
      }
      return;
    }
  }
}

/** Returns the previous HMAC secret while its grace period lasts, else null. */
function previousSecretAt(secret: IntegrationSecret, now: Date): string | null {
  if (!secret.previousSecret || !secret.previousValidUntil) {
    return null;
  }
  return now.getTime() < Date.parse(secret.previousValidUntil) ? secret.previousSecret : null;
}

/**
 * Quarantines the payload when `error` is a payload error and returns the error to throw. Other errors are
 * returned unchanged. A quarantine write failure becomes a 503, so the sender retries and the payload is
 * not lost.
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
    return toDependencyError(storeError, 'The quarantine');
  }
  logger.warn('Payload quarantined', {
    tenantId: delivery.tenantId,
    integrationId: delivery.integrationId,
    quarantineId,
    code: error.code,
  });
  return error;
}
