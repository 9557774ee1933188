import { describe, expect, it } from 'vitest';
import type { Caller } from '#shared/api/caller';
import { ForbiddenError, NotFoundError, ValidationError } from '#shared/errors';
import { recordLeadEvents } from '#shared/lifecycle/record';
import type { TenantConfig } from '#shared/tenant/model';
import type { TenantRepository } from '#shared/tenant/repository';
import { aLeadEvent, demoTenant, MemoryLeadEventStore } from '#test/unit/lifecycle/factories';

const leadId = 'ld_aaaaaaaaaaaaaaaaaaaaaaaaaa';

function setup() {
  const events = new MemoryLeadEventStore();
  events.addLead({
    tenantId: 'demo',
    leadId,
    siteId: 'amiens-nord',
    receivedAt: '2026-11-07T17:30:00.000Z',
    assignedSalespersonId: null,
  });
  const tenants: TenantRepository = {
    get: async (tenantId: string): Promise<TenantConfig | undefined> => (tenantId === 'demo' ? demoTenant : undefined),
    put: async () => undefined,
  };
  const deps = { events, tenants, clock: () => new Date('2026-11-10T00:00:00.000Z') };
  return { events, deps };
}

const caller = (overrides: Partial<Caller> = {}): Caller => ({
  tenantId: 'demo',
  role: 'group-admin',
  sites: '*',
  subject: 'user-1',
  ...overrides,
});

async function rejection(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    () => undefined,
    (error: unknown) => error,
  );
}

describe('recordLeadEvents', () => {
  it('stores events and writes the derived state onto the lead', async () => {
    const { events, deps } = setup();
    const contact = aLeadEvent({ eventId: 'call-1', occurredAt: '2026-11-09T08:00:00.000Z' });

    const result = await recordLeadEvents(deps, caller(), leadId, [contact]);

    expect(result).toEqual({ accepted: ['call-1'], duplicates: [] });
    expect(events.states.get(`demo/${leadId}`)?.status).toBe('contacted');
    expect(events.states.get(`demo/${leadId}`)?.lifecycle.timeToFirstContactBusinessMinutes).toBe(30);
  });

  it('answers a repeated event id as a duplicate and stores it once', async () => {
    const { events, deps } = setup();
    const contact = aLeadEvent({ eventId: 'call-1' });

    await recordLeadEvents(deps, caller(), leadId, [contact]);
    const repeat = await recordLeadEvents(deps, caller(), leadId, [
      { ...contact, occurredAt: '2026-11-09T09:00:00.000Z' },
    ]);

    expect(repeat).toEqual({ accepted: [], duplicates: ['call-1'] });
    expect(events.events.size).toBe(1);
  });

  it('recomputes the state from every stored event when a late event arrives', async () => {
    const { events, deps } = setup();

    await recordLeadEvents(deps, caller(), leadId, [aLeadEvent({ occurredAt: '2026-11-09T10:00:00.000Z' })]);
    await recordLeadEvents(deps, caller(), leadId, [aLeadEvent({ occurredAt: '2026-11-09T08:00:00.000Z' })]);

    expect(events.states.get(`demo/${leadId}`)?.lifecycle).toMatchObject({
      eventCount: 2,
      firstHumanContactAt: '2026-11-09T08:00:00.000Z',
    });
  });

  it('rejects a finance caller with 403', async () => {
    const { deps } = setup();

    const error = await rejection(recordLeadEvents(deps, caller({ role: 'finance' }), leadId, [aLeadEvent()]));

    expect(error).toBeInstanceOf(ForbiddenError);
  });

  it('hides a lead of another site from a site manager', async () => {
    const { deps } = setup();

    const error = await rejection(
      recordLeadEvents(deps, caller({ role: 'site-manager', sites: ['abbeville'] }), leadId, [aLeadEvent()]),
    );

    expect(error).toBeInstanceOf(NotFoundError);
  });

  it('hides a lead that is not assigned to the calling salesperson', async () => {
    const { deps } = setup();
    const assign = aLeadEvent({ type: 'assigned', salespersonId: 's-amiens-2' });
    await recordLeadEvents(deps, caller(), leadId, [assign]);
    const salesperson = (subject: string) =>
      caller({ role: 'salesperson', sites: ['amiens-nord'], subject, salespersonId: subject });

    const error = await rejection(recordLeadEvents(deps, salesperson('s-amiens-1'), leadId, [aLeadEvent()]));
    const result = await recordLeadEvents(deps, salesperson('s-amiens-2'), leadId, [aLeadEvent({ eventId: 'own' })]);

    expect(error).toBeInstanceOf(NotFoundError);
    expect(result.accepted).toEqual(['own']);
  });

  it('hides a lead of another tenant', async () => {
    const { deps } = setup();

    const error = await rejection(recordLeadEvents(deps, caller({ tenantId: 'other' }), leadId, [aLeadEvent()]));

    expect(error).toBeInstanceOf(NotFoundError);
  });

  it('rejects an assignment to a salesperson outside the team', async () => {
    const { events, deps } = setup();

    const error = await rejection(
      recordLeadEvents(deps, caller(), leadId, [aLeadEvent({ type: 'assigned', salespersonId: 's-unknown' })]),
    );

    expect(error).toBeInstanceOf(ValidationError);
    expect(events.events.size).toBe(0);
  });
});
