/**
 * The lead state derived from its lifecycle events. It is recomputed from every event of the lead on each
 * write, so events that arrive late or out of order give the same state as events sent in order.
 */
import { dateInTimeZone } from '#shared/kpi/dates';
import type { LeadStatus } from '#shared/lead/model';
import type { Site } from '#shared/tenant/model';
import { businessMinutesBetween } from './business-hours';
import { compareLeadEvents, type LeadEventInput } from './events';

/**
 * Derived lifecycle attributes, stored under `lifecycle` on the lead item. Instants are ISO 8601 UTC; each
 * `*LocalDate` is the instant's calendar date in the site's time zone (the tenant's default zone for a lead
 * without site), which is what daily KPIs group by. Amounts are in EUR.
 */
export interface LeadLifecycle {
  /** Events applied; a stored state is only replaced by one computed from at least as many events. */
  eventCount: number;
  assignedSalespersonId: string | null;
  /** First `contacted` event by any actor, automated messages included. */
  firstContactAt: string | null;
  /** First `contacted` event by a salesperson or the call centre; `system` contacts never count. */
  firstHumanContactAt: string | null;
  /** Opening-hours minutes from `receivedAt` to the first human contact, rounded down; null without site hours. */
  timeToFirstContactBusinessMinutes: number | null;
  /** Calendar minutes from `receivedAt` to the first human contact, rounded down. */
  timeToFirstContactRawMinutes: number | null;
  appointmentSetAt: string | null;
  /** Time of the appointment itself, from the latest `appointment-set` event (a reschedule replaces it). */
  appointmentAt: string | null;
  showAt: string | null;
  testDriveAt: string | null;
  offerAt: string | null;
  /** Amount of the latest offer. */
  offerAmount: number | null;
  /** First sale; a `lost` event after it (a cancelled deal) clears the sale. */
  saleAt: string | null;
  /** Revenue and margin of the latest sale event, because a DMS re-sends a sale with corrected figures. */
  saleRevenue: number | null;
  saleGrossMargin: number | null;
  lostAt: string | null;
  lostReason: string | null;
  localDates: {
    firstContact: string | null;
    firstHumanContact: string | null;
    appointmentSet: string | null;
    appointment: string | null;
    show: string | null;
    testDrive: string | null;
    offer: string | null;
    sale: string | null;
    lost: string | null;
  };
}

/** Lead attributes that the derivation reads: arrival time, site and fallback time zone. */
export interface LeadTiming {
  /** Start of the time to first contact: when LeadPilot received the lead. */
  receivedAt: string;
  /** Site of the lead, or null for an unrouted lead (no business hours then). */
  site: Site | null;
  /** Zone that dates events of a lead without site. */
  defaultTimeZone: string;
}

/** Funnel stages in order; the status is the furthest stage reached unless the lead is sold or lost. */
const FUNNEL: readonly LeadStatus[] = ['new', 'assigned', 'contacted', 'appointment', 'show', 'test-drive', 'offer'];

const STAGE_OF_EVENT: Partial<Record<LeadEventInput['type'], LeadStatus>> = {
  assigned: 'assigned',
  contacted: 'contacted',
  'appointment-set': 'appointment',
  'appointment-show': 'show',
  'test-drive': 'test-drive',
  offer: 'offer',
};

/** Derived status and lifecycle of a lead. */
export interface DerivedLeadState {
  status: LeadStatus;
  lifecycle: LeadLifecycle;
}

/**
 * Folds a lead's events, ordered by `occurredAt` then `eventId`, into its status and lifecycle attributes.
 * A progress event after `lost` reopens the lead, and a `sale` after `lost` sells it.
 */
export function deriveLeadState(events: readonly LeadEventInput[], timing: LeadTiming): DerivedLeadState {
  const ordered = [...events].sort(compareLeadEvents);
  const state = emptyState();
  let furthestStage = 0;
  let closed: 'sale' | 'lost' | null = null;

  for (const event of ordered) {
    const stage = STAGE_OF_EVENT[event.type];
    if (stage !== undefined) {
      furthestStage = Math.max(furthestStage, FUNNEL.indexOf(stage));
      if (closed === 'lost') {
        closed = null;
      }
    }
    switch (event.type) {
      case 'assigned':
        state.assignedSalespersonId = event.salespersonId;
        break;
      case 'contacted':
        state.firstContactAt ??= event.occurredAt;
        if (event.actor.type !== 'system') {
          state.firstHumanContactAt ??= event.occurredAt;
        }
        break;
      case 'appointment-set':
        state.appointmentSetAt ??= event.occurredAt;
        state.appointmentAt = event.appointmentAt;
        break;
      case 'appointment-show':
        state.showAt ??= event.occurredAt;
        break;
      case 'test-drive':
        state.testDriveAt ??= event.occurredAt;
        break;
      case 'offer':
        state.offerAt ??= event.occurredAt;
        state.offerAmount = event.amount;
        break;
      case 'sale':
        state.saleAt ??= event.occurredAt;
        state.saleRevenue = event.revenue;
        state.saleGrossMargin = event.grossMargin;
        state.lostAt = null;
        state.lostReason = null;
        closed = 'sale';
        break;
      case 'lost':
        state.lostAt = event.occurredAt;
        state.lostReason = event.reason;
        state.saleAt = null;
        state.saleRevenue = null;
        state.saleGrossMargin = null;
        closed = 'lost';
        break;
    }
  }

  state.eventCount = ordered.length;
  addTimeToFirstContact(state, timing);
  addLocalDates(state, timing.site?.timeZone ?? timing.defaultTimeZone);
  return { status: closed ?? (FUNNEL[furthestStage] as LeadStatus), lifecycle: state };
}

function addTimeToFirstContact(state: LeadLifecycle, timing: LeadTiming): void {
  if (state.firstHumanContactAt === null) {
    return;
  }
  const receivedAt = new Date(timing.receivedAt);
  const contactAt = new Date(state.firstHumanContactAt);
  // A contact logged before the lead's arrival (a clock skew, or a call that produced the lead) waited zero.
  const rawMinutes = Math.max(0, (contactAt.getTime() - receivedAt.getTime()) / 60_000);
  state.timeToFirstContactRawMinutes = Math.floor(rawMinutes);
  const site = timing.site;
  if (site !== null && Object.keys(site.openingHours).length > 0) {
    state.timeToFirstContactBusinessMinutes = Math.floor(businessMinutesBetween(receivedAt, contactAt, site));
  }
}

function addLocalDates(state: LeadLifecycle, timeZone: string): void {
  const localDate = (instant: string | null) => (instant === null ? null : dateInTimeZone(new Date(instant), timeZone));
  state.localDates = {
    firstContact: localDate(state.firstContactAt),
    firstHumanContact: localDate(state.firstHumanContactAt),
    appointmentSet: localDate(state.appointmentSetAt),
    appointment: localDate(state.appointmentAt),
    show: localDate(state.showAt),
    testDrive: localDate(state.testDriveAt),
    offer: localDate(state.offerAt),
    sale: localDate(state.saleAt),
    lost: localDate(state.lostAt),
  };
}

function emptyState(): LeadLifecycle {
  return {
    eventCount: 0,
    assignedSalespersonId: null,
    firstContactAt: null,
    firstHumanContactAt: null,
    timeToFirstContactBusinessMinutes: null,
    timeToFirstContactRawMinutes: null,
    appointmentSetAt: null,
    appointmentAt: null,
    showAt: null,
    testDriveAt: null,
    offerAt: null,
    offerAmount: null,
    saleAt: null,
    saleRevenue: null,
    saleGrossMargin: null,
    lostAt: null,
    lostReason: null,
    localDates: {
      firstContact: null,
      firstHumanContact: null,
      appointmentSet: null,
      appointment: null,
      show: null,
      testDrive: null,
      offer: null,
      sale: null,
      lost: null,
    },
  };
}
