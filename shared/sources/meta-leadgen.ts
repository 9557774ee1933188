/**
 * Parsers for Meta Lead Ads. The webhook only notifies that leads exist (`leadgen` changes with ids);
 * the answers come from the Graph API lead object, which `draftFromGraphLead` turns into a draft.
 */
import * as z from 'zod';
import { idToString, parseJsonBody, validatePayload } from './decode';
import { emptyDraft, type LeadDraft } from './draft';

/** One `leadgen` change of a Meta webhook: the ids needed to fetch the lead from the Graph API. */
export interface MetaLeadgenRef {
  leadgenId: string;
  formId: string | null;
  pageId: string | null;
  adId: string | null;
  /** Epoch seconds. */
  createdTime: number | null;
}

const WEBHOOK = 'Meta leadgen webhook';
const GRAPH_LEAD = 'Meta Graph lead';

const idSchema = z.union([z.string().min(1), z.number()]).transform(idToString);

const epochSecondsSchema = z.union([
  z.number(),
  z
    .string()
    .regex(/^\d{1,12}$/)
    .transform(Number),
]);

const webhookSchema = z.object({
  entry: z.array(
    z.object({
      changes: z.array(z.object({ field: z.string(), value: z.unknown() })).default([]),
    }),
  ),
});

const leadgenValueSchema = z.object({
  leadgen_id: idSchema,
  form_id: idSchema.nullish(),
  page_id: idSchema.nullish(),
  ad_id: idSchema.nullish(),
  created_time: epochSecondsSchema.nullish(),
});

/**
 * Parses a Meta webhook body into one reference per `leadgen` change, across every entry.
 * Changes of other fields are skipped, so a body without any returns an empty list.
 * Throws `MalformedPayloadError` for bytes that are not JSON and `InvalidLeadError` when the body has
 * no `entry` list or a `leadgen` change has no `leadgen_id`.
 */
export function parseMetaWebhook(body: Uint8Array): MetaLeadgenRef[] {
  const webhook = validatePayload(webhookSchema, parseJsonBody(body, WEBHOOK), WEBHOOK);

  const refs: MetaLeadgenRef[] = [];
  for (const entry of webhook.entry) {
    for (const change of entry.changes) {
      if (change.field !== 'leadgen') {
        continue;
      }
      const value = validatePayload(leadgenValueSchema, change.value, `${WEBHOOK} leadgen change`);
      refs.push({
        leadgenId: value.leadgen_id,
        formId: value.form_id ?? null,
        pageId: value.page_id ?? null,
        adId: value.ad_id ?? null,
        createdTime: value.created_time ?? null,
      });
    }
  }
  return refs;
}

const graphLeadSchema = z.object({
  id: idSchema.nullish(),
  created_time: z.string().nullish(),
  form_id: idSchema.nullish(),
  campaign_id: idSchema.nullish(),
  campaign_name: z.string().nullish(),
  field_data: z
    .array(
      z.object({
        name: z.string(),
        values: z.array(z.union([z.string(), z.number(), z.boolean()]).transform(String)).default([]),
      }),
    )
    .default([]),
});

/**
 * Builds a draft from a Graph API lead object (`GET /{leadgen-id}`) and the webhook reference that named it.
 *
 * Standard questions (`full_name`, `email`, `phone_number`, `zip_code`...) fill the contact; custom
 * questions land in `customFields` under their name, with several values joined by `, `.
 * Site hints stay empty because Meta leads are routed by form id through the integration's `formSites`.
 * Throws `InvalidLeadError` when the object does not have the shape of a Graph lead.
 */
export function draftFromGraphLead(graph: unknown, ref: MetaLeadgenRef): LeadDraft {
  const lead = validatePayload(graphLeadSchema, graph, GRAPH_LEAD);

  const draft = emptyDraft();
  draft.sourceLeadId = lead.id ?? ref.leadgenId;
  draft.submittedAt = lead.created_time ?? ref.createdTime;
  draft.formId = lead.form_id ?? ref.formId;
  draft.campaign = { id: lead.campaign_id ?? null, name: lead.campaign_name ?? null };

  for (const field of lead.field_data) {
    const values = field.values.map((value) => value.trim()).filter((value) => value !== '');
    const first = values[0];
    if (first !== undefined) {
      applyField(draft, field.name, first, values);
    }
  }
  return draft;
}

function applyField(draft: LeadDraft, name: string, first: string, values: string[]): void {
  switch (name) {
    case 'full_name':
      draft.contact.fullName = first;
      return;
    case 'first_name':
      draft.contact.firstName = first;
      return;
    case 'last_name':
      draft.contact.lastName = first;
      return;
    case 'email':
      draft.contact.email = first;
      return;
    case 'phone_number':
      draft.contact.phones.push(...values);
      return;
    case 'zip':
    case 'zip_code':
    case 'post_code':
    case 'postal_code':
      draft.contact.postalCode = first;
      return;
    case 'city':
      draft.contact.city = first;
      return;
    default:
      draft.customFields[name] = values.join(', ');
  }
}
