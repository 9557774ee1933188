import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, TransactWriteCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { describe, expect, it } from 'vitest';
import { DynamoErasureStore } from '#shared/adapters/erasure-dynamodb';
import type { LeadEvent } from '#shared/lifecycle/events';
import type { LeadEventStore } from '#shared/lifecycle/store';
import { extendingRetention, isContactFromProspect, retentionExpiry } from '#shared/privacy/retention';

const seconds = (iso: string) => Date.parse(iso) / 1000;

describe('retentionExpiry', () => {
  it('adds calendar months', () => {
    expect(retentionExpiry('2026-11-03T08:12:44.000Z', 36)).toBe(seconds('2029-11-03T08:12:44.000Z'));
  });

  it('clamps to the last day of a shorter month', () => {
    expect(retentionExpiry('2027-03-31T12:00:00.000Z', 1)).toBe(seconds('2027-04-30T12:00:00.000Z'));
    expect(retentionExpiry('2028-02-29T00:00:00.000Z', 12)).toBe(seconds('2029-02-28T00:00:00.000Z'));
  });
});

function anEvent(overrides: Partial<LeadEvent> = {}): LeadEvent {
  return {
    eventId: 'evt-1',
    type: 'contacted',
    channel: 'phone',
    direction: 'inbound',
    occurredAt: '2027-06-01T09:00:00.000Z',
    actor: { type: 'salesperson', id: 'sp-1' },
    tenantId: 'demo',
    leadId: 'ld_1',
    recordedAt: '2027-06-01T09:00:01.000Z',
    ...overrides,
  } as LeadEvent;
}

describe('isContactFromProspect', () => {
  it('counts inbound contacts and the prospect acts only', () => {
    expect(isContactFromProspect(anEvent())).toBe(true);
    expect(isContactFromProspect(anEvent({ direction: 'outbound' } as Partial<LeadEvent>))).toBe(false);
    expect(isContactFromProspect(anEvent({ type: 'test-drive' } as Partial<LeadEvent>))).toBe(true);
    expect(isContactFromProspect(anEvent({ type: 'assigned', salespersonId: 'sp-1' } as Partial<LeadEvent>))).toBe(
      false,
    );
    expect(isContactFromProspect(anEvent({ type: 'lost', reason: 'price' } as Partial<LeadEvent>))).toBe(false);
  });
});

describe('extendingRetention', () => {
  function fakeEvents(outcome: 'accepted' | 'duplicate'): LeadEventStore {
    return {
      getLead: async () => undefined,
      list: async () => [],
      saveDerivedState: async () => 'saved',
      append: async () => outcome,
    };
  }

  it('extends the expiry after a new contact', async () => {
    const extended: [string, string, number][] = [];
    const events = extendingRetention(
      fakeEvents('accepted'),
      { extendExpiry: async (...args) => void extended.push(args) },
      36,
    );

    await events.append(anEvent());

    expect(extended).toEqual([['demo', 'ld_1', seconds('2030-06-01T09:00:00.000Z')]]);
  });

  it('extends nothing for a duplicate or an outbound contact', async () => {
    const extended: unknown[] = [];
    const retention = { extendExpiry: async (...args: unknown[]) => void extended.push(args) };

    await extendingRetention(fakeEvents('duplicate'), retention, 36).append(anEvent());
    await extendingRetention(fakeEvents('accepted'), retention, 36).append(
      anEvent({ direction: 'outbound' } as Partial<LeadEvent>),
    );

    expect(extended).toEqual([]);
  });
});

describe('DynamoErasureStore', () => {
  const clock = () => new Date('2027-01-01T00:00:00.000Z');

  it('extends only a live expiry and ignores a failed condition', async () => {
    const dynamo = mockClient(DynamoDBDocumentClient);
    dynamo.on(UpdateCommand).rejects(new ConditionalCheckFailedException({ message: 'failed', $metadata: {} }));
    const store = new DynamoErasureStore({
      client: dynamo as unknown as DynamoDBDocumentClient,
      tableName: 'leads',
      clock,
    });

    await store.extendExpiry('demo', 'ld_1', 1_900_000_000);

    const input = dynamo.commandCalls(UpdateCommand)[0]?.args[0].input;
    expect(input?.Key).toEqual({ pk: 'LEAD#demo#ld_1', sk: 'PERSONAL' });
    expect(input?.ConditionExpression).toBe('attribute_exists(pk) AND expiresAt < :expiresAt AND expiresAt > :now');
    expect(input?.ExpressionAttributeValues).toEqual({
      ':expiresAt': 1_900_000_000,
      ':now': seconds('2027-01-01T00:00:00.000Z'),
    });
  });

  it('erases the lead item and its personal-data item in one transaction', async () => {
    const dynamo = mockClient(DynamoDBDocumentClient);
    dynamo.on(TransactWriteCommand).resolves({});
    const store = new DynamoErasureStore({
      client: dynamo as unknown as DynamoDBDocumentClient,
      tableName: 'leads',
      clock,
    });

    await store.eraseLead('demo', 'ld_1', '2027-01-01T00:00:00.000Z');

    const items = dynamo.commandCalls(TransactWriteCommand)[0]?.args[0].input.TransactItems ?? [];
    expect(items.map((item) => item.Update?.Key ?? item.Delete?.Key)).toEqual([
      { pk: 'LEAD#demo#ld_1', sk: 'LEAD' },
      { pk: 'LEAD#demo#ld_1', sk: 'PERSONAL' },
    ]);
    expect(items[0]?.Update?.ExpressionAttributeValues?.[':null']).toBeNull();
    expect(items[0]?.Update?.UpdateExpression).toContain('personId = :null');
  });
});
