import { describe, expect, it } from 'vitest';
import { leadEventsBodySchema, leadEventsOf } from '#shared/lifecycle/events';

const contact = {
  eventId: 'call-1',
  occurredAt: '2026-11-09T10:00:00+02:00',
  actor: { type: 'salesperson', id: 's-amiens-1' },
  type: 'contacted',
  channel: 'phone',
  direction: 'outbound',
};

describe('leadEventsBodySchema', () => {
  it('accepts one event and normalises its time to UTC', () => {
    const body = leadEventsBodySchema.parse(contact);

    expect(leadEventsOf(body)).toEqual([{ ...contact, occurredAt: '2026-11-09T08:00:00.000Z' }]);
  });

  it('accepts a batch of 100 events', () => {
    const events = Array.from({ length: 100 }, (_, index) => ({ ...contact, eventId: `call-${index}` }));

    expect(leadEventsOf(leadEventsBodySchema.parse({ events }))).toHaveLength(100);
  });

  it.each([
    ['a batch over 100 events', { events: Array.from({ length: 101 }, () => contact) }],
    ['an empty batch', { events: [] }],
    ['a missing eventId', { ...contact, eventId: undefined }],
    ['an eventId with spaces', { ...contact, eventId: 'call 1' }],
    ['a time without offset', { ...contact, occurredAt: '2026-11-09T10:00:00' }],
    ['an unknown actor type', { ...contact, actor: { type: 'robot', id: 'r' } }],
    ['an unknown contact channel', { ...contact, channel: 'fax' }],
    ['a free-text lost reason', { ...contact, type: 'lost', reason: 'He said the car was too expensive' }],
    [
      'a negative revenue',
      { ...contact, type: 'sale', vehicle: { make: 'a', model: 'b', condition: 'new' }, revenue: -1, grossMargin: 0 },
    ],
    ['an amount with fractions of a cent', { ...contact, type: 'offer', amount: 10.001 }],
    ['an unknown event type', { ...contact, type: 'called' }],
  ])('rejects %s', (_case, body) => {
    expect(leadEventsBodySchema.safeParse(body).success).toBe(false);
  });
});
