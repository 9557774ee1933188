/**
 * Erasure of personal data on request: one lead (`DELETE /v1/leads/{leadId}`) or every lead of a person found
 * by email or phone (`POST /v1/erasures`, the right to erasure of GDPR article 17).
 *
 * Erasure removes the personal data from the lead store (the lead's personal-data item and any personal field
 * on the lead item), the person-key entries that hash the person's email and phones, and the quarantined
 * payloads that mention the person. The lead item stays with its anonymous facts (source, site, dates, status,
 * lifecycle), is marked `erased`, and loses its pseudonymous `personId`. The update goes through the table's
 * stream, so the lake gets a row of the erased lead, and that lead still counts in KPIs.
 */
import { randomUUID } from 'node:crypto';
import { type Caller, canSeeSite } from '#shared/api/caller';
import { DependencyUnavailableError, ForbiddenError, NotFoundError } from '#shared/errors';
import { personIdOf } from '#shared/lead/build-lead';
import { normaliseEmail, normalisePhone } from '#shared/lead/normalise';
import { logger } from '#shared/logger';
import type { Clock } from '#shared/ports/clock';
import type { SecretStore } from '#shared/ports/secret-store';
import type { LeadRepository } from '#shared/store/lead-repository';
import { personIdKeySecretName } from '#shared/tenant/model';
import type { AuditTrail, ErasureKind, ErasureRecord } from './audit';
import { ErasureIdentifierInvalidError } from './errors';
import type { PersonalData } from './personal-data';

/** The fields of a stored lead that erasure reads. */
export interface ErasableLead {
  leadId: string;
  siteId: string | null;
  /** Set once the lead was erased; a lead erased before is not written again. */
  erasedAt: string | null;
  /** The live personal data, or null when it was erased or has expired. */
  personal: PersonalData | null;
}

/** A person named by a normalised email or an E.164 phone. */
export type PersonMatch = { email: string } | { phone: string };

/** A quarantined payload, with what erasure needs to decide whether it mentions the person. */
export interface QuarantinedPayload {
  quarantineId: string;
  body: Uint8Array;
  replayedLeadIds: string[];
}

/** Port to the items that erasure reads and removes in the lead table. */
export interface ErasureStore {
  getLead(tenantId: string, leadId: string): Promise<ErasableLead | undefined>;
  /** Returns the ids of the tenant's leads whose live personal data has that email or phone. */
  findLeadIds(tenantId: string, match: PersonMatch): Promise<string[]>;
  /**
   * Deletes the lead's personal-data item, empties any personal field of the lead item, clears its `personId`
   * and marks it erased at `erasedAt`. Does nothing when the lead no longer exists.
   */
  eraseLead(tenantId: string, leadId: string, erasedAt: string): Promise<void>;
  deletePersonKeys(tenantId: string, keyHashes: readonly string[]): Promise<void>;
  listQuarantinedPayloads(tenantId: string): Promise<QuarantinedPayload[]>;
  deleteQuarantinedPayloads(tenantId: string, quarantineIds: readonly string[]): Promise<void>;
}

export interface ErasureDependencies {
  store: ErasureStore;
  personKeys: Pick<LeadRepository, 'getPersonKeys'>;
  audit: AuditTrail;
  /** Holds each tenant's person-id key, which hashes emails and phones into person-key entries. */
  secrets: SecretStore;
  clock: Clock;
}

/** The response of an erasure: the audit record. */
export type ErasureResult = ErasureRecord;

/** The request body of `POST /v1/erasures`: exactly one of `email` or `phone`, as the person gave it. */
export type ErasureRequest = { email: string } | { phone: string };

/**
 * Erases the personal data of one lead. Repeating it is safe: the lead stays erased and the new audit record
 * lists no lead.
 *
 * @throws ForbiddenError unless the caller is a group admin.
 * @throws NotFoundError when the tenant has no such lead or the caller may not see its site.
 */
export async function eraseLead(deps: ErasureDependencies, caller: Caller, leadId: string): Promise<ErasureResult> {
  assertGroupAdmin(caller);
  const lead = await deps.store.getLead(caller.tenantId, leadId);
  if (!lead || !canSeeSite(caller, lead.siteId)) {
    throw new NotFoundError(`Lead ${leadId} not found`);
  }

  return erase(deps, caller, 'lead', [lead], null);
}

/**
 * Erases the personal data of every lead of the tenant whose email or phone is the one given, and the
 * quarantined payloads that mention it. Repeating it is safe: nothing is left to match.
 *
 * @throws ForbiddenError unless the caller is a group admin.
 * @throws ErasureIdentifierInvalidError when the email or phone does not normalise.
 */
export async function erasePerson(
  deps: ErasureDependencies,
  caller: Caller,
  request: ErasureRequest,
): Promise<ErasureResult> {
  assertGroupAdmin(caller);
  const match = normalisedMatch(request);
  const leadIds = await deps.store.findLeadIds(caller.tenantId, match);
  const leads: ErasableLead[] = [];
  for (const leadId of leadIds) {
    const lead = await deps.store.getLead(caller.tenantId, leadId);
    if (lead) {
      leads.push(lead);
    }
  }

  return erase(deps, caller, 'email' in match ? 'email' : 'phone', leads, match);
}

function assertGroupAdmin(caller: Caller): void {
  if (caller.role !== 'group-admin') {
    throw new ForbiddenError('Only a group admin can erase personal data');
  }
}

function normalisedMatch(request: ErasureRequest): PersonMatch {
  if ('email' in request) {
    const email = normaliseEmail(request.email);
    if (email === null) {
      throw new ErasureIdentifierInvalidError('Invalid request body: email is not a valid email address');
    }
    return { email };
  }
  const phone = normalisePhone(request.phone);
  if (phone === null) {
    throw new ErasureIdentifierInvalidError('Invalid request body: phone is not a valid phone number');
  }
  return { phone };
}

/** The emails and phones that identify the person, in normalised form. */
export interface PersonIdentifiers {
  emails: Set<string>;
  phones: Set<string>;
}

/**
 * Removes quarantined payloads and person keys first and erases the leads last. A run that stops halfway
 * leaves the leads' personal data in place, so a repeat finds the same emails and phones again and finishes.
 */
async function erase(
  deps: ErasureDependencies,
  caller: Caller,
  kind: ErasureKind,
  leads: readonly ErasableLead[],
  match: PersonMatch | null,
): Promise<ErasureResult> {
  const { tenantId } = caller;
  const erasedAt = deps.clock().toISOString();
  const pending = leads.filter((lead) => lead.erasedAt === null || lead.personal !== null);
  const identifiers = identifiersOf(pending, match);
  const leadIds = new Set(pending.map((lead) => lead.leadId));

  const payloads = await deps.store.listQuarantinedPayloads(tenantId);
  const mentioning = payloads
    .filter(
      (payload) => payload.replayedLeadIds.some((id) => leadIds.has(id)) || payloadMentions(payload.body, identifiers),
    )
    .map((payload) => payload.quarantineId);
  await deps.store.deleteQuarantinedPayloads(tenantId, mentioning);

  const keyHashes = await personKeysToDelete(deps, tenantId, identifiers, leadIds, match);
  await deps.store.deletePersonKeys(tenantId, keyHashes);

  for (const lead of pending) {
    await deps.store.eraseLead(tenantId, lead.leadId, erasedAt);
  }

  const record: ErasureRecord = {
    erasureId: `er_${randomUUID()}`,
    tenantId,
    kind,
    requestedBy: caller.subject,
    erasedAt,
    leadIds: [...leadIds],
    quarantinedPayloads: mentioning.length,
    personKeys: keyHashes.length,
  };
  await deps.audit.record(record);
  logger.info('Personal data erased', {
    tenantId,
    erasureId: record.erasureId,
    kind,
    leads: record.leadIds.length,
    quarantinedPayloads: record.quarantinedPayloads,
    personKeys: record.personKeys,
  });
  return record;
}

function identifiersOf(leads: readonly ErasableLead[], match: PersonMatch | null): PersonIdentifiers {
  const identifiers: PersonIdentifiers = { emails: new Set(), phones: new Set() };
  if (match !== null) {
    if ('email' in match) {
      identifiers.emails.add(match.email);
    } else {
      identifiers.phones.add(match.phone);
    }
  }
  for (const lead of leads) {
    if (lead.personal?.contact.email) {
      identifiers.emails.add(lead.personal.contact.email);
    }
    for (const phone of lead.personal?.contact.phones ?? []) {
      identifiers.phones.add(phone);
    }
  }
  return identifiers;
}

/**
 * Person-key entries to delete: the entry of the email or phone the request named, whatever lead it points
 * at, and every entry of the erased leads' emails and phones that points at one of the erased leads. An entry
 * that points at another lead of the same person is kept while that lead keeps its personal data.
 */
async function personKeysToDelete(
  deps: ErasureDependencies,
  tenantId: string,
  identifiers: PersonIdentifiers,
  leadIds: ReadonlySet<string>,
  match: PersonMatch | null,
): Promise<string[]> {
  if (identifiers.emails.size === 0 && identifiers.phones.size === 0) {
    return [];
  }
  const personIdKey = await deps.secrets.getSecret(personIdKeySecretName(tenantId));
  if (personIdKey === undefined) {
    throw new DependencyUnavailableError(`Secret ${personIdKeySecretName(tenantId)} is not configured`);
  }
  const hashOf = (email: string | null, phone: string | null) =>
    personIdOf(personIdKey, tenantId, email, phone) as string;
  let requested: string | null = null;
  if (match !== null) {
    requested = 'email' in match ? hashOf(match.email, null) : hashOf(null, match.phone);
  }
  const candidates = [
    ...[...identifiers.emails].map((email) => hashOf(email, null)),
    ...[...identifiers.phones].map((phone) => hashOf(null, phone)),
  ];
  const entries = await deps.personKeys.getPersonKeys(tenantId, candidates);
  return entries
    .filter((entry) => entry.keyHash === requested || leadIds.has(entry.firstLeadId))
    .map((entry) => entry.keyHash)
    .sort();
}

/** Longest run of phone-like characters tried as one number; real numbers with separators stay below it. */
const PHONE_RUN = /\+?\d[\d\s.\-()/]{5,24}\d/g;

/**
 * Whether a raw payload mentions one of the emails or phones. The body is read as UTF-8 and as Latin-1 (ADF
 * senders use both), and URL-decoded for form posts; emails match case-insensitively, and each phone-like run
 * of the text matches when it normalises to one of the phones.
 *
 * NOTE: an email or phone written in another encoding (XML character references, base64, JSON `\u` escapes)
 * or a phone run into adjacent digits is not recognised, so such a payload stays in the quarantine. Parsing
 * each payload with its integration's parser would lift this for payloads that parse.
 */
export function payloadMentions(body: Uint8Array, identifiers: PersonIdentifiers): boolean {
  for (const text of readings(body)) {
    const lower = text.toLowerCase();
    for (const email of identifiers.emails) {
      if (lower.includes(email)) {
        return true;
      }
    }
    if (identifiers.phones.size === 0) {
      continue;
    }
    for (const run of text.match(PHONE_RUN) ?? []) {
      const phone = normalisePhone(run.trim());
      if (phone !== null && identifiers.phones.has(phone)) {
        return true;
      }
    }
  }
  return false;
}

/** The texts a body may be: UTF-8, Latin-1, and each URL-decoded with `+` as a space. */
function readings(body: Uint8Array): string[] {
  const decoded = [new TextDecoder('utf-8').decode(body), Buffer.from(body).toString('latin1')];
  const texts = [...decoded];
  for (const text of decoded) {
    try {
      texts.push(decodeURIComponent(text.replace(/\+/g, ' ')));
    } catch {
      // Not URL-encoded text (a stray `%`); the raw readings above still apply.
    }
  }
  return texts;
}
