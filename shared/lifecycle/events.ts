/**
 * Lead lifecycle events: what salespeople, call centres, CRMs and DMSs report about a lead after it arrived.
 *
 * Events carry no free text, so every field may reach the lake. A lost reason is a code from `LOST_REASONS`,
 * and a sold vehicle is described by its make, model and condition only.
 */
import * as z from 'zod';

/** Value of `entity` on lifecycle event items in the lead table; the lake keeps them as rows of that entity. */
export { LEAD_EVENT_ENTITY } from '#shared/store/tables';

export const LEAD_EVENT_TYPES = [
  'assigned',
  'contacted',
  'appointment-set',
  'appointment-show',
  'test-drive',
  'offer',
  'sale',
  'lost',
] as const;
export type LeadEventType = (typeof LEAD_EVENT_TYPES)[number];

export const ACTOR_TYPES = ['salesperson', 'call-centre', 'system'] as const;
export type ActorType = (typeof ACTOR_TYPES)[number];

export const CONTACT_CHANNELS = ['phone', 'email', 'sms', 'visit'] as const;
export const CONTACT_DIRECTIONS = ['inbound', 'outbound'] as const;

/** Why a lead was lost, as a code: free text could carry personal data into the lake. */
export const LOST_REASONS = [
  'no-answer',
  'not-interested',
  'bought-elsewhere',
  'price',
  'financing-refused',
  'vehicle-unavailable',
  'duplicate',
  'invalid-contact',
  'other',
] as const;

/** Maximum events in one request: a CRM or DMS sync sends them in batches of at most this many. */
export const MAX_EVENTS_PER_REQUEST = 100;

/** Amount in euros with at most two decimals; the tolerance absorbs binary rounding (19.99 * 100). */
const euros = z
  .number()
  .finite()
  .refine((value) => Math.abs(value) < 1e11, 'must be below 100 billion EUR')
  .refine((value) => Math.abs(value * 100 - Math.round(value * 100)) < 1e-6, 'must have at most two decimals');

const baseFields = {
  /** Idempotency key chosen by the sender: a repeat of the same id is stored once. */
  eventId: z.string().regex(/^[A-Za-z0-9._:-]{1,128}$/, 'must be 1 to 128 letters, digits, ".", "_", ":" or "-"'),
  /** When the event happened, not when it was sent; normalised to UTC with milliseconds. */
  occurredAt: z.iso.datetime({ offset: true }).transform((value) => new Date(value).toISOString()),
  actor: z.object({
    type: z.enum(ACTOR_TYPES),
    id: z.string().min(1).max(128),
  }),
};

export const leadEventSchema = z.discriminatedUnion('type', [
  z.object({ ...baseFields, type: z.literal('assigned'), salespersonId: z.string().min(1).max(128) }),
  z.object({
    ...baseFields,
    type: z.literal('contacted'),
    channel: z.enum(CONTACT_CHANNELS),
    direction: z.enum(CONTACT_DIRECTIONS),
  }),
  z.object({
    ...baseFields,
    type: z.literal('appointment-set'),
    appointmentAt: z.iso.datetime({ offset: true }).transform((value) => new Date(value).toISOString()),
  }),
  z.object({ ...baseFields, type: z.literal('appointment-show') }),
  z.object({ ...baseFields, type: z.literal('test-drive') }),
  z.object({ ...baseFields, type: z.literal('offer'), amount: euros.refine((value) => value >= 0, 'must be >= 0') }),
  z.object({
    ...baseFields,
    type: z.literal('sale'),
    vehicle: z.object({
      make: z.string().min(1).max(64),
      model: z.string().min(1).max(64),
      condition: z.enum(['new', 'used']),
    }),
    revenue: euros.refine((value) => value >= 0, 'must be >= 0'),
    /** Negative when the vehicle was sold at a loss. */
    grossMargin: euros,
  }),
  z.object({ ...baseFields, type: z.literal('lost'), reason: z.enum(LOST_REASONS) }),
]);
export type LeadEventInput = z.infer<typeof leadEventSchema>;

/** A stored lifecycle event: the input plus the lead it belongs to and when it was recorded. */
export type LeadEvent = LeadEventInput & { tenantId: string; leadId: string; recordedAt: string };

/** Order in which a lead's events are applied: by `occurredAt`, then by `eventId` for events of the same instant. */
export function compareLeadEvents(left: LeadEventInput, right: LeadEventInput): number {
  if (left.occurredAt !== right.occurredAt) {
    return left.occurredAt < right.occurredAt ? -1 : 1;
  }
  if (left.eventId !== right.eventId) {
    return left.eventId < right.eventId ? -1 : 1;
  }
  return 0;
}

/** Body of `POST /v1/leads/{leadId}/events`: one event, or a batch `{ events: [...] }` from a CRM or DMS sync. */
export const leadEventsBodySchema = z.union([
  leadEventSchema,
  z.object({ events: z.array(leadEventSchema).min(1).max(MAX_EVENTS_PER_REQUEST) }),
]);
export type LeadEventsBody = z.infer<typeof leadEventsBodySchema>;

/** Returns the events of a request body, whether it carries one event or a batch. */
export function leadEventsOf(body: LeadEventsBody): LeadEventInput[] {
  return 'events' in body ? body.events : [body];
}
