import { describe, expect, it } from 'vitest';
import { deriveLeadState } from '#shared/lifecycle/derive';
import { aLeadEvent, demoSite } from '#test/unit/lifecycle/factories';

// Received on Saturday 2026-11-07 at 18:30 in Paris.
const timing = {
  receivedAt: '2026-11-07T17:30:00.000Z',
  site: demoSite('amiens-nord'),
  defaultTimeZone: 'Europe/Paris',
};

describe('deriveLeadState', () => {
  it('returns the new status and an empty lifecycle without events', () => {
    const state = deriveLeadState([], timing);

    expect(state.status).toBe('new');
    expect(state.lifecycle).toMatchObject({ eventCount: 0, firstHumanContactAt: null, saleAt: null });
  });

  it('keeps business and raw times to a first human contact on Monday 09:00', () => {
    const state = deriveLeadState([aLeadEvent({ occurredAt: '2026-11-09T08:00:00.000Z' })], timing);

    expect(state.lifecycle).toMatchObject({
      firstContactAt: '2026-11-09T08:00:00.000Z',
      firstHumanContactAt: '2026-11-09T08:00:00.000Z',
      timeToFirstContactBusinessMinutes: 30,
      timeToFirstContactRawMinutes: 2310,
    });
    expect(state.lifecycle.localDates.firstHumanContact).toBe('2026-11-09');
  });

  it('never counts a system contact as the first human contact', () => {
    const state = deriveLeadState(
      [
        aLeadEvent({ occurredAt: '2026-11-07T17:31:00.000Z', actor: { type: 'system', id: 'auto-sms' } }),
        aLeadEvent({ occurredAt: '2026-11-09T09:00:00.000Z', actor: { type: 'call-centre', id: 'cc-1' } }),
      ],
      timing,
    );

    expect(state.lifecycle.firstContactAt).toBe('2026-11-07T17:31:00.000Z');
    expect(state.lifecycle.firstHumanContactAt).toBe('2026-11-09T09:00:00.000Z');
    expect(state.lifecycle.timeToFirstContactBusinessMinutes).toBe(90);
  });

  it('gives the same state whatever order the events arrive in', () => {
    const events = [
      aLeadEvent({ type: 'assigned', salespersonId: 's-amiens-1', occurredAt: '2026-11-07T17:35:00.000Z' }),
      aLeadEvent({ occurredAt: '2026-11-09T08:10:00.000Z' }),
      aLeadEvent({
        type: 'appointment-set',
        appointmentAt: '2026-11-12T15:00:00.000Z',
        occurredAt: '2026-11-09T08:15:00.000Z',
      }),
      aLeadEvent({ type: 'appointment-show', occurredAt: '2026-11-12T15:05:00.000Z' }),
    ];

    const inOrder = deriveLeadState(events, timing);
    const reversed = deriveLeadState([...events].reverse(), timing);

    expect(reversed).toEqual(inOrder);
    expect(inOrder.status).toBe('show');
    expect(inOrder.lifecycle.assignedSalespersonId).toBe('s-amiens-1');
  });

  it('keeps the furthest stage when an earlier stage arrives late', () => {
    const state = deriveLeadState(
      [
        aLeadEvent({ type: 'test-drive', occurredAt: '2026-11-10T10:00:00.000Z' }),
        aLeadEvent({ type: 'assigned', salespersonId: 's-amiens-2', occurredAt: '2026-11-11T10:00:00.000Z' }),
      ],
      timing,
    );

    expect(state.status).toBe('test-drive');
    expect(state.lifecycle.assignedSalespersonId).toBe('s-amiens-2');
  });

  it('orders events of the same instant by event id', () => {
    const occurredAt = '2026-11-10T10:00:00.000Z';
    const state = deriveLeadState(
      [
        aLeadEvent({ eventId: 'b', type: 'assigned', salespersonId: 's-amiens-2', occurredAt }),
        aLeadEvent({ eventId: 'a', type: 'assigned', salespersonId: 's-amiens-1', occurredAt }),
      ],
      timing,
    );

    expect(state.lifecycle.assignedSalespersonId).toBe('s-amiens-2');
  });

  it('keeps the first sale time and the figures of the latest sale event', () => {
    const sale = { type: 'sale', vehicle: { make: 'Peugeot', model: '3008', condition: 'new' } } as const;
    const state = deriveLeadState(
      [
        aLeadEvent({ ...sale, revenue: 30_000, grossMargin: 2_000, occurredAt: '2026-11-20T10:00:00.000Z' }),
        aLeadEvent({ ...sale, revenue: 29_500, grossMargin: 1_500, occurredAt: '2026-11-21T10:00:00.000Z' }),
      ],
      timing,
    );

    expect(state.status).toBe('sale');
    expect(state.lifecycle).toMatchObject({
      saleAt: '2026-11-20T10:00:00.000Z',
      saleRevenue: 29_500,
      saleGrossMargin: 1_500,
    });
    expect(state.lifecycle.localDates.sale).toBe('2026-11-20');
  });

  it('clears a sale that a later lost event cancels', () => {
    const state = deriveLeadState(
      [
        aLeadEvent({
          type: 'sale',
          vehicle: { make: 'Peugeot', model: '208', condition: 'used' },
          revenue: 12_000,
          grossMargin: 900,
          occurredAt: '2026-11-20T10:00:00.000Z',
        }),
        aLeadEvent({ type: 'lost', reason: 'financing-refused', occurredAt: '2026-11-22T10:00:00.000Z' }),
      ],
      timing,
    );

    expect(state.status).toBe('lost');
    expect(state.lifecycle).toMatchObject({ saleAt: null, saleRevenue: null, lostReason: 'financing-refused' });
  });

  it('reopens a lost lead on a later progress event', () => {
    const state = deriveLeadState(
      [
        aLeadEvent({ type: 'lost', reason: 'no-answer', occurredAt: '2026-11-10T10:00:00.000Z' }),
        aLeadEvent({ occurredAt: '2026-11-15T10:00:00.000Z' }),
      ],
      timing,
    );

    expect(state.status).toBe('contacted');
  });

  it('leaves business minutes null for a lead without site', () => {
    const state = deriveLeadState([aLeadEvent({ occurredAt: '2026-11-09T08:00:00.000Z' })], {
      ...timing,
      site: null,
    });

    expect(state.lifecycle.timeToFirstContactBusinessMinutes).toBeNull();
    expect(state.lifecycle.timeToFirstContactRawMinutes).toBe(2310);
  });

  it('dates milestones in the site time zone', () => {
    // 22:30 UTC on 2026-11-09 is 02:30 on 2026-11-10 in La Réunion.
    const state = deriveLeadState([aLeadEvent({ type: 'test-drive', occurredAt: '2026-11-09T22:30:00.000Z' })], {
      ...timing,
      site: demoSite('saint-denis-reunion'),
    });

    expect(state.lifecycle.localDates.testDrive).toBe('2026-11-10');
  });
});
