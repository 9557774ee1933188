/**
 * Conversion of DynamoDB stream records of the lead table into lake rows.
 *
 * Only the fields listed in `leadProjectionSchema` are read from the item, so contact details, comments,
 * custom fields, the vehicle (VIN included) and consent never reach the lake.
 */
import type { AttributeValue as SdkAttributeValue } from '@aws-sdk/client-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import type { DynamoDBRecord } from 'aws-lambda';
import { z } from 'zod';
import { LEAD_ENTITY } from '#shared/store/tables';
import { identifierSchema } from '#shared/tenant/model';
import { PoisonRecordError } from './errors';
import type { LakeRow } from './schema';

/** Width of `event_seq`: DynamoDB Streams sequence numbers have 21 to 40 digits. */
const EVENT_SEQ_DIGITS = 40;

const optionalString = z
  .string()
  .nullish()
  .transform((value) => value ?? null);

const optionalInstant = z.iso
  .datetime({ offset: true })
  .nullish()
  .transform((value) => (value == null ? null : Date.parse(value)));

/** The lead fields that the lake keeps. Zod drops every other attribute of the item. */
const leadProjectionSchema = z.object({
  entity: z.literal(LEAD_ENTITY),
  leadId: z.string().min(1),
  tenantId: identifierSchema,
  siteId: optionalString,
  integrationId: optionalString,
  source: optionalString,
  channel: optionalString,
  formId: optionalString,
  campaign: z
    .object({ id: optionalString, name: optionalString })
    .nullish()
    .transform((value) => value ?? { id: null, name: null }),
  utm: z
    .object({ source: optionalString, medium: optionalString, campaign: optionalString })
    .nullish()
    .transform((value) => value ?? { source: null, medium: null, campaign: null }),
  category: optionalString,
  interest: optionalString,
  status: optionalString,
  isTest: z.boolean().default(false),
  personId: optionalString,
  datedAt: optionalInstant,
  receivedAt: optionalInstant,
  localDate: z.iso
    .date()
    .nullish()
    .transform((value) => value ?? null),
});

const eventNameSchema = z.enum(['INSERT', 'MODIFY', 'REMOVE']);

/**
 * Converts one stream record into a lake row, or returns null for items that are not leads
 * (tenant configurations, quarantined payloads, pending Meta fetches).
 *
 * INSERT and MODIFY read the new image. REMOVE (a delete or a TTL expiry) reads the old image and sets
 * `is_deleted`. The event time is `ApproximateCreationDateTime`, which Lambda passes in epoch seconds
 * (fractional since 2023), rounded to the millisecond.
 *
 * @throws PoisonRecordError when the record or the lead item cannot be converted. The error names the
 *   offending fields only.
 */
export function rowFromStreamRecord(record: DynamoDBRecord): LakeRow | null {
  const eventId = record.eventID ?? '(no eventID)';
  const sequenceNumber = record.dynamodb?.SequenceNumber;
  const poison = (reason: string) => new PoisonRecordError(eventId, sequenceNumber ?? '(none)', reason);

  if (record.eventID === undefined || record.eventID === '') {
    throw poison('eventID is missing');
  }
  if (sequenceNumber === undefined || !/^\d{1,40}$/.test(sequenceNumber)) {
    throw poison('dynamodb.SequenceNumber is missing or not a number of at most 40 digits');
  }
  const eventName = eventNameSchema.safeParse(record.eventName);
  if (!eventName.success) {
    throw poison('eventName is not INSERT, MODIFY or REMOVE');
  }
  const creationSeconds = record.dynamodb?.ApproximateCreationDateTime;
  if (typeof creationSeconds !== 'number' || !Number.isFinite(creationSeconds)) {
    throw poison('dynamodb.ApproximateCreationDateTime is missing or not a number');
  }

  const isDeleted = eventName.data === 'REMOVE';
  const image = isDeleted ? record.dynamodb?.OldImage : record.dynamodb?.NewImage;
  if (image === undefined) {
    throw poison(
      `dynamodb.${isDeleted ? 'OldImage' : 'NewImage'} is missing (the stream must send new and old images)`,
    );
  }

  const item = unmarshallImage(image);
  if (item === undefined) {
    throw poison('the image is not a valid DynamoDB attribute map');
  }
  if (item.entity !== LEAD_ENTITY) {
    return null;
  }

  const lead = leadProjectionSchema.safeParse(item);
  if (!lead.success) {
    const fields = [...new Set(lead.error.issues.map((issue) => issue.path.join('.') || '(item)'))];
    throw poison(`invalid or missing lead fields: ${fields.join(', ')}`);
  }
  const fields = lead.data;

  return {
    event_id: record.eventID,
    event_seq: sequenceNumber.padStart(EVENT_SEQ_DIGITS, '0'),
    event_name: eventName.data,
    event_time_ms: Math.round(creationSeconds * 1000),
    entity: fields.entity,
    tenant_id: fields.tenantId,
    lead_id: fields.leadId,
    site_id: fields.siteId,
    integration_id: fields.integrationId,
    source: fields.source,
    channel: fields.channel,
    campaign_id: fields.campaign.id,
    campaign_name: fields.campaign.name,
    form_id: fields.formId,
    utm_source: fields.utm.source,
    utm_medium: fields.utm.medium,
    utm_campaign: fields.utm.campaign,
    category: fields.category,
    interest: fields.interest,
    status: fields.status,
    is_test: fields.isTest,
    is_deleted: isDeleted,
    person_id: fields.personId,
    dated_at_ms: fields.datedAt,
    received_at_ms: fields.receivedAt,
    local_date: fields.localDate,
  };
}

/**
 * Unmarshalls a stream image. The `aws-lambda` and SDK `AttributeValue` types describe the same JSON.
 * Numbers stay wrapped because no number is copied to the lake, and unwrapping can throw on large values.
 */
function unmarshallImage(image: NonNullable<NonNullable<DynamoDBRecord['dynamodb']>['NewImage']>) {
  try {
    return unmarshall(image as Record<string, SdkAttributeValue>, { wrapNumbers: true });
  } catch {
    return undefined;
  }
}

/**
 * Orders rows by stream position (`event_seq`), then by `event_id`, so that a set of rows always encodes
 * to the same bytes whatever order it arrived in.
 */
export function compareLakeRows(left: LakeRow, right: LakeRow): number {
  if (left.event_seq !== right.event_seq) {
    return left.event_seq < right.event_seq ? -1 : 1;
  }
  if (left.event_id !== right.event_id) {
    return left.event_id < right.event_id ? -1 : 1;
  }
  return 0;
}
