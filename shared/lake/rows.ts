/**
 * Conversion of DynamoDB stream records of the lead table into lake rows.
 *
 * Only the fields listed in `leadProjectionSchema` and `leadEventProjectionSchema` are read from an item, so
 * contact details, comments, custom fields, the vehicle (VIN included) and consent never reach the lake.
 */
import type { AttributeValue as SdkAttributeValue } from '@aws-sdk/client-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import type { DynamoDBRecord } from 'aws-lambda';
import * as z from 'zod';
import { LEAD_EVENT_ENTITY } from '#shared/lifecycle/events';
import { LEAD_ENTITY } from '#shared/store/tables';
import { identifierSchema } from '#shared/tenant/model';
import { PoisonRecordError } from './errors';
import type { LakeRow, LifecycleLakeColumns } from './schema';

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

/**
 * A number of an item unmarshalled with `wrapNumbers` (an object with a `value` string), or a plain number.
 * Values outside the safe integer range after rounding are rejected.
 */
const wrappedNumber = z
  .union([z.number(), z.object({ value: z.string() }).transform((wrapped) => Number(wrapped.value))])
  .refine((value) => Number.isFinite(value) && Math.abs(value) <= Number.MAX_SAFE_INTEGER / 100, 'not a number');
const optionalNumber = wrappedNumber.nullish().transform((value) => value ?? null);
/** Euros to whole cents; rounding absorbs the binary error of amounts like 19.99. */
const optionalCents = optionalNumber.transform((value) => (value === null ? null : Math.round(value * 100)));
const optionalDate = z.iso
  .date()
  .nullish()
  .transform((value) => value ?? null);

/** The derived lifecycle of a lead item, written by the lead event store. */
const lifecycleProjectionSchema = z.object({
  assignedSalespersonId: optionalString,
  firstContactAt: optionalInstant,
  firstHumanContactAt: optionalInstant,
  timeToFirstContactBusinessMinutes: optionalNumber,
  timeToFirstContactRawMinutes: optionalNumber,
  appointmentSetAt: optionalInstant,
  appointmentAt: optionalInstant,
  showAt: optionalInstant,
  testDriveAt: optionalInstant,
  offerAt: optionalInstant,
  saleAt: optionalInstant,
  saleRevenue: optionalCents,
  saleGrossMargin: optionalCents,
  lostAt: optionalInstant,
  lostReason: optionalString,
  localDates: z.object({
    firstContact: optionalDate,
    firstHumanContact: optionalDate,
    appointmentSet: optionalDate,
    appointment: optionalDate,
    show: optionalDate,
    testDrive: optionalDate,
    offer: optionalDate,
    sale: optionalDate,
    lost: optionalDate,
  }),
});

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
  /** Absent on leads stored before person linking, which then read as null in the lake. */
  repeatOf: z.string().nullish(),
  leadNumber: wrappedNumber.pipe(z.number().int().positive()),
  version: wrappedNumber.pipe(z.number().int().positive()),
  datedAt: optionalInstant,
  receivedAt: optionalInstant,
  localDate: z.iso
    .date()
    .nullish()
    .transform((value) => value ?? null),
  lifecycle: lifecycleProjectionSchema.nullish(),
});

/** The lifecycle event fields that the lake keeps; the sold vehicle keeps its condition only. */
const leadEventProjectionSchema = z.object({
  entity: z.literal(LEAD_EVENT_ENTITY),
  tenantId: identifierSchema,
  leadId: z.string().min(1),
  eventId: z.string().min(1),
  type: z.string().min(1),
  occurredAt: optionalInstant,
  actor: z.object({ type: z.string().min(1), id: optionalString }),
  salespersonId: optionalString,
  channel: optionalString,
  direction: optionalString,
  appointmentAt: optionalInstant,
  amount: optionalCents,
  revenue: optionalCents,
  grossMargin: optionalCents,
  reason: optionalString,
  vehicle: z.object({ condition: optionalString }).nullish(),
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
  const change = {
    event_id: record.eventID,
    event_seq: sequenceNumber.padStart(EVENT_SEQ_DIGITS, '0'),
    event_name: eventName.data,
    event_time_ms: Math.round(creationSeconds * 1000),
  };
  if (item.entity === LEAD_EVENT_ENTITY) {
    const event = leadEventProjectionSchema.safeParse(item);
    if (!event.success) {
      throw poison(`invalid or missing lead event fields: ${issuePaths(event.error)}`);
    }
    return leadEventRow(change, event.data, isDeleted);
  }
  if (item.entity !== LEAD_ENTITY) {
    return null;
  }

  const lead = leadProjectionSchema.safeParse(item);
  if (!lead.success) {
    throw poison(`invalid or missing lead fields: ${issuePaths(lead.error)}`);
  }
  const fields = lead.data;

  return {
    ...change,
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
    is_repeat: fields.repeatOf === undefined ? null : fields.repeatOf !== null,
    lead_number: fields.leadNumber,
    lead_version: fields.version,
    ...lifecycleColumns(fields.lifecycle),
  };
}

function issuePaths(error: z.ZodError): string {
  return [...new Set(error.issues.map((issue) => issue.path.join('.') || '(item)'))].join(', ');
}

/** Columns of a lead's derived lifecycle; none for a lead that has no lifecycle event yet. */
function lifecycleColumns(
  lifecycle: z.infer<typeof lifecycleProjectionSchema> | null | undefined,
): LifecycleLakeColumns {
  if (!lifecycle) {
    return {};
  }
  const dates = lifecycle.localDates;
  return {
    assigned_salesperson_id: lifecycle.assignedSalespersonId,
    first_contact_at_ms: lifecycle.firstContactAt,
    first_contact_local_date: dates.firstContact,
    first_human_contact_at_ms: lifecycle.firstHumanContactAt,
    first_human_contact_local_date: dates.firstHumanContact,
    ttfc_business_min: lifecycle.timeToFirstContactBusinessMinutes,
    ttfc_raw_min: lifecycle.timeToFirstContactRawMinutes,
    appointment_set_at_ms: lifecycle.appointmentSetAt,
    appointment_set_local_date: dates.appointmentSet,
    appointment_at_ms: lifecycle.appointmentAt,
    appointment_local_date: dates.appointment,
    show_at_ms: lifecycle.showAt,
    show_local_date: dates.show,
    test_drive_at_ms: lifecycle.testDriveAt,
    test_drive_local_date: dates.testDrive,
    offer_at_ms: lifecycle.offerAt,
    offer_local_date: dates.offer,
    sale_at_ms: lifecycle.saleAt,
    sale_local_date: dates.sale,
    sale_revenue_cents: lifecycle.saleRevenue,
    sale_gross_margin_cents: lifecycle.saleGrossMargin,
    lost_at_ms: lifecycle.lostAt,
    lost_local_date: dates.lost,
    lost_reason: lifecycle.lostReason,
  };
}

/** Builds the row of a lifecycle event item; the columns that describe the lead itself stay null. */
function leadEventRow(
  change: Pick<LakeRow, 'event_id' | 'event_seq' | 'event_name' | 'event_time_ms'>,
  event: z.infer<typeof leadEventProjectionSchema>,
  isDeleted: boolean,
): LakeRow {
  const salespersonId = event.salespersonId ?? (event.actor.type === 'salesperson' ? event.actor.id : null);
  return {
    ...change,
    entity: event.entity,
    tenant_id: event.tenantId,
    lead_id: event.leadId,
    site_id: null,
    integration_id: null,
    source: null,
    channel: null,
    campaign_id: null,
    campaign_name: null,
    form_id: null,
    utm_source: null,
    utm_medium: null,
    utm_campaign: null,
    category: null,
    interest: null,
    status: null,
    is_test: false,
    is_deleted: isDeleted,
    person_id: null,
    dated_at_ms: null,
    received_at_ms: null,
    local_date: null,
    appointment_at_ms: event.appointmentAt,
    lost_reason: event.reason,
    lead_event_id: event.eventId,
    event_type: event.type,
    occurred_at_ms: event.occurredAt,
    actor_type: event.actor.type,
    salesperson_id: salespersonId,
    contact_channel: event.channel,
    contact_direction: event.direction,
    amount_cents: event.amount ?? event.revenue,
    gross_margin_cents: event.grossMargin,
    vehicle_condition: event.vehicle?.condition ?? null,
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
