/** Port to the store of lifecycle events and of the lead attributes derived from them. */
import type { DerivedLeadState } from './derive';
import type { LeadEvent, LeadEventInput } from './events';

/** The lead attributes that scope and time lifecycle events. */
export interface LifecycleLead {
  tenantId: string;
  leadId: string;
  siteId: string | null;
  receivedAt: string;
  /** From the lead's derived lifecycle; null until an `assigned` event is recorded. */
  assignedSalespersonId: string | null;
}

/** Outcome of an idempotent append: `duplicate` when an event with the same `eventId` is already stored. */
export type AppendOutcome = 'accepted' | 'duplicate';

export interface LeadEventStore {
  /** Returns the lead, or undefined when the tenant has no lead with that id. */
  getLead(tenantId: string, leadId: string): Promise<LifecycleLead | undefined>;
  /** Stores the event unless the lead already has an event with the same `eventId`, whatever its content. */
  append(event: LeadEvent): Promise<AppendOutcome>;
  /** Returns every stored event of the lead, in no particular order. */
  list(tenantId: string, leadId: string): Promise<LeadEventInput[]>;
  /**
   * Writes the derived status and lifecycle onto the lead, unless the lead already carries a state derived
   * from more events (a concurrent request that read a later set of events). Returns `stale` in that case.
   */
  saveDerivedState(tenantId: string, leadId: string, state: DerivedLeadState): Promise<'saved' | 'stale'>;
}
