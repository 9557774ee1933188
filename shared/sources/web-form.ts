/**
 * Parser for dealer website forms, posted as JSON (camelCase fields) or as
 * `application/x-www-form-urlencoded` (snake_case fields). Both spellings are accepted in both encodings.
 */
import { createHash } from 'node:crypto';
import * as z from 'zod';
import { CLICK_ID_NAMES, type ClickIdName, type Consent } from '#shared/lead/model';
import { decodeUtf8, parseJsonBody, validatePayload } from './decode';
import { emptyDraft, type LeadDraft } from './draft';
import { InvalidLeadError, UnsupportedMediaTypeError } from './errors';

const PAYLOAD = 'Web form';

const text = z
  .union([z.string(), z.number()])
  .transform((value) => String(value).trim())
  .nullish();

/** Consent and test flags: JSON booleans, or the strings that HTML checkboxes and scripts send. */
const flag = z
  .union([z.boolean(), z.string(), z.number()])
  .transform((value) => toBoolean(value))
  .nullish();

const TRUE_WORDS = new Set(['true', '1', 'on', 'yes', 'oui']);
const FALSE_WORDS = new Set(['false', '0', 'off', 'no', 'non', '']);

function toBoolean(value: boolean | string | number): boolean | undefined {
  if (typeof value === 'boolean') {
    return value;
  }
  const word = String(value).trim().toLowerCase();
  if (TRUE_WORDS.has(word)) {
    return true;
  }
  return FALSE_WORDS.has(word) ? false : undefined;
}

/** Field names after `camelCase` (so `first_name` and `firstName` are the same field). */
const webFormSchema = z.object({
  leadId: text,
  submissionId: text,
  formId: text,
  siteId: text,
  submittedAt: z.union([z.string(), z.number()]).nullish(),
  isTest: flag,
  category: text,
  interest: text,
  message: text,
  comments: text,
  pageUrl: text,

  firstName: text,
  lastName: text,
  fullName: text,
  name: text,
  email: text,
  phone: z.union([text, z.array(text)]),
  phones: z.array(text).nullish(),
  mobile: text,
  postalCode: text,
  zipCode: text,
  city: text,

  utm: z.object({ source: text, medium: text, campaign: text, term: text, content: text }).nullish(),
  utmSource: text,
  utmMedium: text,
  utmCampaign: text,
  utmTerm: text,
  utmContent: text,

  gclid: text,
  gbraid: text,
  wbraid: text,
  fbclid: text,
  msclkid: text,
  ttclid: text,
  liFatId: text,

  vehicle: z
    .object({
      make: text,
      model: text,
      year: text,
      vin: text,
      stock: text,
      condition: text,
      odometer: text,
      mileage: text,
      price: text,
    })
    .nullish(),
  vehicleMake: text,
  vehicleModel: text,
  vehicleYear: text,
  vehicleVin: text,
  vehicleStock: text,
  vehicleCondition: text,
  vehicleOdometer: text,
  vehicleMileage: text,
  vehiclePrice: text,

  consent: z.object({ email: flag, sms: flag, phone: flag }).nullish(),
  consentEmail: flag,
  consentSms: flag,
  consentPhone: flag,

  customFields: z.record(z.string(), text).nullish(),
});
type WebForm = z.infer<typeof webFormSchema>;

/** Nested objects whose keys are field names too; `customFields` keys are the form's own ids and stay as sent. */
const NESTED_FIELD_OBJECTS = new Set(['utm', 'vehicle', 'consent']);

/** Urlencoded fields named `custom_<id>` carry answers to custom questions. */
const CUSTOM_FIELD_PREFIX = 'custom_';

/**
 * Parses a website form submission.
 *
 * UTM values come from the `utm` object or the `utm_*` fields, and only when neither is present from
 * the query string of `pageUrl`. Each click id comes from its field, else from `pageUrl`.
 * `sourceLeadId` is the form's `leadId`/`submissionId` when sent, else `sha256-` and the first 32 hex
 * digits of the SHA-256 of the raw body, so that a retried identical body is the same lead.
 * Throws `UnsupportedMediaTypeError` for other content types, `MalformedPayloadError` for bytes
 * that do not decode, and `InvalidLeadError` for fields of the wrong type.
 */
export function parseWebForm(body: Uint8Array, contentType: string): LeadDraft {
  const mediaType = (contentType.split(';')[0] ?? '').trim().toLowerCase();
  let fields: Record<string, unknown>;
  if (mediaType === 'application/json') {
    fields = jsonFields(body);
  } else if (mediaType === 'application/x-www-form-urlencoded') {
    fields = urlencodedFields(body);
  } else {
    throw new UnsupportedMediaTypeError(
      `Web form content type "${mediaType.slice(0, 100)}" is not supported; send application/json or application/x-www-form-urlencoded`,
    );
  }
  const form = validatePayload(webFormSchema, fields, PAYLOAD);

  const draft = emptyDraft();
  draft.sourceLeadId = present(form.leadId) ?? present(form.submissionId) ?? bodyDigest(body);
  draft.formId = present(form.formId);
  draft.submittedAt = typeof form.submittedAt === 'string' ? present(form.submittedAt) : (form.submittedAt ?? null);
  draft.isTest = form.isTest ?? false;
  draft.categoryHint = present(form.category);
  draft.interest = present(form.interest);
  draft.comments = present(form.message) ?? present(form.comments);
  draft.siteHints.siteId = present(form.siteId);

  const pageQuery = pageQueryOf(form.pageUrl);
  readUtm(form, pageQuery, draft);
  readClickIds(form, pageQuery, draft);
  readContact(form, draft);
  readVehicle(form, draft);
  draft.consent = consentOf(form);
  for (const [key, value] of Object.entries(form.customFields ?? {})) {
    const answer = present(value);
    if (answer !== null) {
      draft.customFields[key] = answer;
    }
  }
  return draft;
}

function jsonFields(body: Uint8Array): Record<string, unknown> {
  const json = parseJsonBody(body, PAYLOAD);
  if (!isRecord(json)) {
    throw new InvalidLeadError(`${PAYLOAD} JSON body must be an object`);
  }
  const fields: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(json)) {
    const name = camelCase(key);
    if (name === '__proto__') {
      continue;
    }
    fields[name] = NESTED_FIELD_OBJECTS.has(name) && isRecord(value) ? camelCaseKeys(value) : value;
  }
  return fields;
}

function urlencodedFields(body: Uint8Array): Record<string, unknown> {
  const params = new URLSearchParams(decodeUtf8(body, PAYLOAD));
  const fields: Record<string, unknown> = {};
  const customFields: Record<string, string> = {};
  const phones: string[] = [];
  for (const [key, value] of params) {
    if (key.startsWith(CUSTOM_FIELD_PREFIX) && key.length > CUSTOM_FIELD_PREFIX.length) {
      customFields[key.slice(CUSTOM_FIELD_PREFIX.length)] ??= value;
      continue;
    }
    const name = camelCase(key);
    if (name === 'phone') {
      phones.push(value);
    } else if (name !== '__proto__' && !(name in fields)) {
      fields[name] = value;
    }
  }
  fields.phone = phones;
  fields.customFields = customFields;
  return fields;
}

function camelCase(key: string): string {
  return key.replace(/[_-]+([a-zA-Z0-9])/g, (_match, letter: string) => letter.toUpperCase());
}

function camelCaseKeys(object: Record<string, unknown>): Record<string, unknown> {
  const result: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(object)) {
    const name = camelCase(key);
    if (name !== '__proto__') {
      result[name] = value;
    }
  }
  return result;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function present(value: string | null | undefined): string | null {
  return value === undefined || value === null || value === '' ? null : value;
}

function bodyDigest(body: Uint8Array): string {
  return `sha256-${createHash('sha256').update(body).digest('hex').slice(0, 32)}`;
}

/** Query parameters of the page the form was posted from, or null when there is no parseable URL. */
function pageQueryOf(pageUrl: string | null | undefined): URLSearchParams | null {
  if (!pageUrl) {
    return null;
  }
  try {
    return new URL(pageUrl).searchParams;
  } catch {
    return null;
  }
}

function readUtm(form: WebForm, pageQuery: URLSearchParams | null, draft: LeadDraft): void {
  const fromFields = {
    source: present(form.utm?.source) ?? present(form.utmSource),
    medium: present(form.utm?.medium) ?? present(form.utmMedium),
    campaign: present(form.utm?.campaign) ?? present(form.utmCampaign),
    term: present(form.utm?.term) ?? present(form.utmTerm),
    content: present(form.utm?.content) ?? present(form.utmContent),
  };
  if (Object.values(fromFields).some((value) => value !== null) || pageQuery === null) {
    draft.utm = fromFields;
    return;
  }
  const fromPage = (name: string): string | null => present(pageQuery.get(`utm_${name}`)?.trim());
  draft.utm = {
    source: fromPage('source'),
    medium: fromPage('medium'),
    campaign: fromPage('campaign'),
    term: fromPage('term'),
    content: fromPage('content'),
  };
}

const CLICK_ID_FIELDS: Record<ClickIdName, keyof WebForm> = {
  gclid: 'gclid',
  gbraid: 'gbraid',
  wbraid: 'wbraid',
  fbclid: 'fbclid',
  msclkid: 'msclkid',
  ttclid: 'ttclid',
  li_fat_id: 'liFatId',
};

function readClickIds(form: WebForm, pageQuery: URLSearchParams | null, draft: LeadDraft): void {
  for (const name of CLICK_ID_NAMES) {
    const field = form[CLICK_ID_FIELDS[name]];
    const value = (typeof field === 'string' ? present(field) : null) ?? present(pageQuery?.get(name)?.trim());
    if (value !== null) {
      draft.clickIds[name] = value;
    }
  }
}

function readContact(form: WebForm, draft: LeadDraft): void {
  const phoneField = Array.isArray(form.phone) ? form.phone : [form.phone];
  const phones = [...phoneField, ...(form.phones ?? []), form.mobile]
    .map((phone) => present(phone))
    .filter((phone): phone is string => phone !== null);
  draft.contact = {
    firstName: present(form.firstName),
    lastName: present(form.lastName),
    fullName: present(form.fullName) ?? present(form.name),
    email: present(form.email),
    phones,
    postalCode: present(form.postalCode) ?? present(form.zipCode),
    city: present(form.city),
  };
}

function readVehicle(form: WebForm, draft: LeadDraft): void {
  const vehicle = form.vehicle;
  draft.vehicle = {
    make: present(vehicle?.make) ?? present(form.vehicleMake),
    model: present(vehicle?.model) ?? present(form.vehicleModel),
    year: present(vehicle?.year) ?? present(form.vehicleYear),
    vin: present(vehicle?.vin) ?? present(form.vehicleVin),
    stock: present(vehicle?.stock) ?? present(form.vehicleStock),
    condition: present(vehicle?.condition) ?? present(form.vehicleCondition),
    odometer:
      present(vehicle?.odometer) ??
      present(vehicle?.mileage) ??
      present(form.vehicleOdometer) ??
      present(form.vehicleMileage),
    price: present(vehicle?.price) ?? present(form.vehiclePrice),
  };
}

/** Consent as sent; a channel the form did not mention stays absent rather than false. */
function consentOf(form: WebForm): Consent | null {
  const consent: Consent = {};
  const email = form.consent?.email ?? form.consentEmail;
  const sms = form.consent?.sms ?? form.consentSms;
  const phone = form.consent?.phone ?? form.consentPhone;
  if (email !== undefined && email !== null) {
    consent.email = email;
  }
  if (sms !== undefined && sms !== null) {
    consent.sms = sms;
  }
  if (phone !== undefined && phone !== null) {
    consent.phone = phone;
  }
  return Object.keys(consent).length > 0 ? consent : null;
}
