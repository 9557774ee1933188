/**
 * Turns a source parser's draft into the lead resource: deterministic ids, routing to a site,
 * marketing source, business line, normalised contact and dates.
 */
import { createHash, createHmac } from 'node:crypto';
import type { LeadDraft } from '#shared/sources/draft';
import { InvalidLeadError } from '#shared/sources/errors';
import type { Integration, Site, TenantConfig } from '#shared/tenant/model';
import { categorise, foldText, vehicleCondition } from './category';
import type { ClickIds, LeadFlag, NewLead, Utm, Vehicle } from './model';
import { localDateIn, normaliseEmail, normalisePhone, parseDecimal, parseInteger, parseSubmittedAt } from './normalise';

export interface BuildContext {
  tenant: TenantConfig;
  integration: Integration;
  receivedAt: Date;
  /** HMAC key of person ids; the same key must be used for a tenant's whole history. */
  personIdKey: string;
}

/**
 * Builds the lead resource from a draft.
 *
 * The lead id derives from tenant, integration and `sourceLeadId`, so a redelivered lead gets the same id.
 * Values that cannot be read are dropped and the lead is flagged (`phone-invalid`, `email-invalid`,
 * `submitted-at-unreadable`, `site-unrouted`) instead of rejected.
 * Throws `InvalidLeadError` when the draft has no `sourceLeadId`.
 */
export function buildLead(draft: LeadDraft, ctx: BuildContext): NewLead {
  const { tenant, integration, receivedAt } = ctx;
  if (draft.sourceLeadId === null || draft.sourceLeadId.trim() === '') {
    throw new InvalidLeadError('Lead has no id from its sender, so retries could not be recognised');
  }
  const flags: LeadFlag[] = [];

  const site = routeToSite(draft, tenant, integration);
  if (site === null) {
    flags.push('site-unrouted');
  }
  const timeZone = site?.timeZone ?? tenant.defaultTimeZone;

  const submitted = parseSubmittedAt(draft.submittedAt, timeZone);
  if (submitted === null && draft.submittedAt !== null) {
    flags.push('submitted-at-unreadable');
  }
  const datedAt = submitted ?? receivedAt;

  const { phones, invalid: invalidPhones } = normalisedPhones(draft.contact.phones);
  if (invalidPhones > 0) {
    flags.push('phone-invalid');
  }
  const email = draft.contact.email === null ? null : normaliseEmail(draft.contact.email);
  if (email === null && draft.contact.email !== null && draft.contact.email.trim() !== '') {
    flags.push('email-invalid');
  }

  const utm = trimmedUtm(draft.utm);
  const clickIds = trimmedClickIds(draft.clickIds);
  const vehicle = normalisedVehicle(draft.vehicle);
  const interest = trimmed(draft.interest);

  return {
    leadId: leadIdOf(tenant.tenantId, integration.integrationId, draft.sourceLeadId),
    tenantId: tenant.tenantId,
    siteId: site?.siteId ?? null,
    integrationId: integration.integrationId,
    source: sourceOf(integration, utm, clickIds),
    channel: integration.channel,
    sourceLeadId: draft.sourceLeadId,
    formId: trimmed(draft.formId),
    campaign: { id: trimmed(draft.campaign.id), name: trimmed(draft.campaign.name) },
    utm,
    clickIds,
    category: categorise(draft.categoryHint, interest, vehicle.condition),
    interest,
    submittedAt: submitted?.toISOString() ?? null,
    receivedAt: receivedAt.toISOString(),
    datedAt: datedAt.toISOString(),
    localDate: localDateIn(datedAt, timeZone),
    contact: {
      firstName: trimmed(draft.contact.firstName),
      lastName: trimmed(draft.contact.lastName),
      fullName: trimmed(draft.contact.fullName),
      email,
      phones,
      postalCode: trimmed(draft.contact.postalCode),
      city: trimmed(draft.contact.city),
    },
    vehicle,
    comments: trimmed(draft.comments),
    consent: draft.consent,
    customFields: { ...draft.customFields },
    isTest: draft.isTest,
    status: 'new',
    personId: personIdOf(ctx.personIdKey, tenant.tenantId, email, phones[0] ?? null),
    // Person linking, which needs the lead store, decides whether this lead repeats an earlier one.
    repeatOf: null,
    flags,
  };
}

/**
 * Finds the lead's site, or returns null when nothing matches. The explicit site id wins when it is one
 * of the tenant's sites. Next comes the site that the integration maps the form id to, then the first
 * alias that matches a site's alias or name, ignoring case, accents and surrounding spaces.
 */
export function routeToSite(draft: LeadDraft, tenant: TenantConfig, integration: Integration): Site | null {
  const byId = (siteId: string | null | undefined): Site | undefined =>
    siteId ? tenant.sites.find((site) => site.siteId === siteId) : undefined;

  const explicit = byId(draft.siteHints.siteId);
  if (explicit) {
    return explicit;
  }
  const byForm = draft.formId === null ? undefined : byId(integration.formSites[draft.formId]);
  if (byForm) {
    return byForm;
  }
  const aliases = aliasIndex(tenant);
  for (const alias of draft.siteHints.aliases) {
    const site = aliases.get(foldText(alias));
    if (site) {
      return site;
    }
  }
  return null;
}

const aliasIndexes = new WeakMap<TenantConfig, Map<string, Site>>();

/** Folded alias or site name to site, built once per tenant configuration object; the first site listed wins. */
function aliasIndex(tenant: TenantConfig): Map<string, Site> {
  let index = aliasIndexes.get(tenant);
  if (!index) {
    index = new Map();
    for (const site of tenant.sites) {
      for (const alias of [...site.aliases, site.name]) {
        const key = foldText(alias);
        if (key !== '' && !index.has(key)) {
          index.set(key, site);
        }
      }
    }
    aliasIndexes.set(tenant, index);
  }
  return index;
}

/**
 * Returns the integration's source, or the source of its first rule whose conditions all hold:
 * `clickId` when the lead carries that click id, `utm_source` and `utm_medium` when the lead's value
 * is in the list, ignoring case.
 */
export function sourceOf(integration: Integration, utm: Utm, clickIds: ClickIds): string {
  const inList = (value: string | null, list: string[] | undefined): boolean =>
    list === undefined || (value !== null && list.some((item) => item.toLowerCase() === value.toLowerCase()));

  const rule = integration.sourceRules.find(({ when }) => {
    const clickIdMatches = when.clickId === undefined || Boolean(clickIds[when.clickId as keyof ClickIds]);
    return clickIdMatches && inList(utm.source, when.utm_source) && inList(utm.medium, when.utm_medium);
  });
  return rule?.source ?? integration.source;
}

function trimmed(value: string | null): string | null {
  const text = value?.trim();
  return text ? text : null;
}

function trimmedUtm(utm: LeadDraft['utm']): Utm {
  return {
    source: trimmed(utm.source),
    medium: trimmed(utm.medium),
    campaign: trimmed(utm.campaign),
    term: trimmed(utm.term),
    content: trimmed(utm.content),
  };
}

function trimmedClickIds(clickIds: ClickIds): ClickIds {
  const result: ClickIds = {};
  for (const [name, value] of Object.entries(clickIds) as [keyof ClickIds, string | undefined][]) {
    const text = trimmed(value ?? null);
    if (text !== null) {
      result[name] = text;
    }
  }
  return result;
}

/** Normalises phones to E.164 in the order sent, without duplicates, and counts the invalid ones. */
function normalisedPhones(raw: string[]): { phones: string[]; invalid: number } {
  const phones: string[] = [];
  let invalid = 0;
  for (const phone of raw) {
    const normalised = normalisePhone(phone);
    if (normalised === null) {
      invalid += 1;
    } else if (!phones.includes(normalised)) {
      phones.push(normalised);
    }
  }
  return { phones, invalid };
}

/** Model years outside this range are typing errors. */
const MIN_MODEL_YEAR = 1900;
const MAX_MODEL_YEAR = 2100;

function normalisedVehicle(vehicle: LeadDraft['vehicle']): Vehicle {
  const year = vehicle.year === null ? null : parseInteger(vehicle.year);
  const odometer = vehicle.odometer === null ? null : parseInteger(vehicle.odometer);
  const price = vehicle.price === null ? null : parseDecimal(vehicle.price);
  return {
    make: trimmed(vehicle.make),
    model: trimmed(vehicle.model),
    year: year !== null && year >= MIN_MODEL_YEAR && year <= MAX_MODEL_YEAR ? year : null,
    vin: trimmed(vehicle.vin),
    stock: trimmed(vehicle.stock),
    condition: vehicleCondition(vehicle.condition),
    odometerKm: odometer !== null && odometer >= 0 ? odometer : null,
    price: price !== null && price >= 0 ? price : null,
  };
}

/**
 * Returns `ld_` and 26 base32 characters of SHA-256 over tenant, integration and the sender's lead id,
 * separated by NUL so that no two triples give the same input.
 */
export function leadIdOf(tenantId: string, integrationId: string, sourceLeadId: string): string {
  const digest = createHash('sha256').update(`${tenantId}\u0000${integrationId}\u0000${sourceLeadId}`).digest();
  return `ld_${base32(digest).slice(0, 26)}`;
}

/**
 * Returns `p_` and 26 base32 characters of HMAC-SHA256 over the tenant and the normalised email
 * (else the first normalised phone), or null when the lead has neither.
 */
export function personIdOf(key: string, tenantId: string, email: string | null, phone: string | null): string | null {
  let identity: string;
  if (email !== null) {
    identity = `email:${email}`;
  } else if (phone !== null) {
    identity = `phone:${phone}`;
  } else {
    return null;
  }
  const digest = createHmac('sha256', key).update(`${tenantId}|${identity}`).digest();
  return `p_${base32(digest).slice(0, 26)}`;
}

const BASE32_ALPHABET = 'abcdefghijklmnopqrstuvwxyz234567';

/** RFC 4648 base32 in lower case, without padding. */
export function base32(bytes: Uint8Array): string {
  let output = '';
  let buffer = 0;
  let bits = 0;
  for (const byte of bytes) {
    buffer = (buffer << 8) | byte;
    bits += 8;
    while (bits >= 5) {
      output += BASE32_ALPHABET[(buffer >>> (bits - 5)) & 31];
      bits -= 5;
    }
    buffer &= (1 << bits) - 1;
  }
  if (bits > 0) {
    output += BASE32_ALPHABET[(buffer << (5 - bits)) & 31];
  }
  return output;
}
