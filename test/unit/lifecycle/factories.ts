/** Factories for lifecycle tests: demo sites, lead events and an in-memory event store. */
import type { DerivedLeadState } from '#shared/lifecycle/derive';
import type { LeadEvent, LeadEventInput } from '#shared/lifecycle/events';
import type { AppendOutcome, LeadEventStore, LifecycleLead } from '#shared/lifecycle/store';
import type { Site } from '#shared/tenant/model';
import { demoTenant } from '#test/unit/sources/fixtures';

export { demoTenant };

export function demoSite(siteId: string): Site {
  const site = demoTenant.sites.find((candidate) => candidate.siteId === siteId);
  if (!site) {
    throw new Error(`The demo tenant has no site ${siteId}`);
  }
  return site;
}

let sequence = 0;

/** Builds a `contacted` event by a salesperson; overrides may change the type and its fields. */
export function aLeadEvent(overrides: Partial<LeadEventInput> = {}): LeadEventInput {
  sequence += 1;
  return {
    eventId: `evt-${String(sequence).padStart(4, '0')}`,
    occurredAt: '2026-11-09T08:00:00.000Z',
    actor: { type: 'salesperson', id: 's-amiens-1' },
    type: 'contacted',
    channel: 'phone',
    direction: 'outbound',
    ...overrides,
  } as LeadEventInput;
}

/** Lead event store in memory, with the same idempotency and staleness rules as the DynamoDB adapter. */
export class MemoryLeadEventStore implements LeadEventStore {
  readonly leads = new Map<string, LifecycleLead>();
  readonly events = new Map<string, LeadEvent>();
  readonly states = new Map<string, DerivedLeadState>();

  addLead(lead: LifecycleLead): void {
    this.leads.set(`${lead.tenantId}/${lead.leadId}`, lead);
  }

  async getLead(tenantId: string, leadId: string): Promise<LifecycleLead | undefined> {
    const lead = this.leads.get(`${tenantId}/${leadId}`);
    const state = this.states.get(`${tenantId}/${leadId}`);
    return lead && { ...lead, assignedSalespersonId: state?.lifecycle.assignedSalespersonId ?? null };
  }

  async append(event: LeadEvent): Promise<AppendOutcome> {
    const key = `${event.tenantId}/${event.leadId}/${event.eventId}`;
    if (this.events.has(key)) {
      return 'duplicate';
    }
    this.events.set(key, event);
    return 'accepted';
  }

  async list(tenantId: string, leadId: string): Promise<LeadEventInput[]> {
    return [...this.events.values()].filter((event) => event.tenantId === tenantId && event.leadId === leadId);
  }

  async saveDerivedState(tenantId: string, leadId: string, state: DerivedLeadState): Promise<'saved' | 'stale'> {
    const previous = this.states.get(`${tenantId}/${leadId}`);
    if (previous && previous.lifecycle.eventCount > state.lifecycle.eventCount) {
      return 'stale';
    }
    this.states.set(`${tenantId}/${leadId}`, state);
    return 'saved';
  }
}
