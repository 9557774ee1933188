/**
 * Parser for Google Ads lead form webhooks: a JSON body with the lead's ids, the form's answers in
 * `user_column_data` and the `google_key` that the advertiser configured on the form.
 */
import * as z from 'zod';
import { idToString, parseJsonBody, validatePayload } from './decode';
import { emptyDraft, type LeadDraft } from './draft';

const PAYLOAD = 'Google Ads lead form';

const idSchema = z.union([z.string().min(1), z.number()]).transform(idToString);

const columnSchema = z.object({
  column_id: z.string().optional(),
  column_name: z.string().optional(),
  string_value: z.string().optional(),
});

/** The fields LeadPilot reads; Google adds fields over time (`adgroup_id`, `creative_id`...), and unknown ones are dropped. */
const googleLeadSchema = z.object({
  lead_id: idSchema,
  form_id: idSchema.nullish(),
  campaign_id: idSchema.nullish(),
  gcl_id: z.string().nullish(),
  google_key: z.string().nullish(),
  is_test: z.boolean().nullish(),
  lead_submit_time: z.string().nullish(),
  user_column_data: z.array(columnSchema).default([]),
});

/**
 * Parses a Google Ads lead form webhook body.
 *
 * Ids sent as JSON numbers keep every digit (`9007199254740993`). Columns are read by `column_id`
 * because `column_name` is optional. Custom questions land in `customFields` under their `column_id`.
 * `googleKey` is returned for the caller to compare, in constant time, with the integration's key.
 * Throws `MalformedPayloadError` for bytes that are not JSON and `InvalidLeadError` for JSON of the wrong shape.
 */
export function parseGoogleAdsLeadForm(body: Uint8Array): { draft: LeadDraft; googleKey: string | null } {
  const payload = validatePayload(googleLeadSchema, parseJsonBody(body, PAYLOAD), PAYLOAD);

  const draft = emptyDraft();
  draft.sourceLeadId = payload.lead_id;
  draft.formId = payload.form_id ?? null;
  draft.campaign.id = payload.campaign_id ?? null;
  if (payload.gcl_id) {
    draft.clickIds.gclid = payload.gcl_id;
  }
  draft.isTest = payload.is_test ?? false;
  draft.submittedAt = payload.lead_submit_time ?? null;

  for (const column of payload.user_column_data) {
    const key = column.column_id ?? column.column_name;
    const value = column.string_value?.trim();
    if (key && value) {
      applyColumn(draft, key, value);
    }
  }
  return { draft, googleKey: payload.google_key ?? null };
}

function applyColumn(draft: LeadDraft, columnId: string, value: string): void {
  switch (columnId) {
    case 'FULL_NAME':
      draft.contact.fullName = value;
      return;
    case 'FIRST_NAME':
      draft.contact.firstName = value;
      return;
    case 'LAST_NAME':
      draft.contact.lastName = value;
      return;
    case 'EMAIL':
      draft.contact.email = value;
      return;
    case 'WORK_EMAIL':
      draft.contact.email ??= value;
      return;
    case 'PHONE_NUMBER':
    case 'WORK_PHONE':
      draft.contact.phones.push(value);
      return;
    case 'POSTAL_CODE':
      draft.contact.postalCode = value;
      return;
    case 'CITY':
      draft.contact.city = value;
      return;
    case 'VEHICLE_MAKE':
      draft.vehicle.make = value;
      return;
    case 'VEHICLE_MODEL':
      draft.vehicle.model = value;
      return;
    case 'VEHICLE_CONDITION':
      draft.vehicle.condition = value;
      return;
    case 'PREFERRED_DEALERSHIP':
      draft.siteHints.aliases.push(value);
      return;
    default:
      draft.customFields[columnId] = value;
  }
}
