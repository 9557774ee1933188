import { ConditionalCheckFailedException, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, QueryCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, describe, expect, it } from 'vitest';
import { DynamoDbLiveLeadStore } from '#shared/adapters/live-dynamodb';
import type { LiveLead } from '#shared/kpi/live';

const documentClient = DynamoDBDocumentClient.from(new DynamoDBClient({ region: 'eu-west-3' }));
const dynamoDb = mockClient(documentClient);
const store = new DynamoDbLiveLeadStore({ client: documentClient, tableName: 'aggregates' });

const lead: LiveLead = {
  tenantId: 'demo',
  leadId: 'ld_aaaaaaaaaaaaaaaaaaaaaaaaab',
  localDate: '2026-11-09',
  siteId: 'amiens-nord',
  source: 'google-ads',
  receivedAt: '2026-11-09T08:00:00.000Z',
  handled: true,
  isTest: false,
  isDeleted: false,
  eventSeq: '4421584500000000017450439091'.padStart(40, '0'),
};

describe('DynamoDbLiveLeadStore', () => {
  afterEach(() => {
    dynamoDb.reset();
  });

  it('sets every attribute under a condition on the stream sequence number', async () => {
    dynamoDb.on(UpdateCommand).resolves({});

    const outcome = await store.upsert(lead);

    expect(outcome).toBe('written');
    expect(dynamoDb.commandCalls(UpdateCommand).map((call) => call.args[0].input)).toEqual([
      {
        TableName: 'aggregates',
        Key: { pk: 'LIVE#demo#2026-11-09', sk: 'LEAD#ld_aaaaaaaaaaaaaaaaaaaaaaaaab' },
        UpdateExpression:
          'SET tenantId = :tenantId, leadId = :leadId, localDate = :localDate, siteId = :siteId, #source = :source, ' +
          'receivedAt = :receivedAt, handled = :handled, isTest = :isTest, isDeleted = :isDeleted, ' +
          'eventSeq = :eventSeq, expiresAt = :expiresAt',
        ConditionExpression: 'attribute_not_exists(eventSeq) OR eventSeq < :eventSeq',
        ExpressionAttributeNames: { '#source': 'source' },
        ExpressionAttributeValues: {
          ':tenantId': 'demo',
          ':leadId': 'ld_aaaaaaaaaaaaaaaaaaaaaaaaab',
          ':localDate': '2026-11-09',
          ':siteId': 'amiens-nord',
          ':source': 'google-ads',
          ':receivedAt': '2026-11-09T08:00:00.000Z',
          ':handled': true,
          ':isTest': false,
          ':isDeleted': false,
          ':eventSeq': lead.eventSeq,
          // 2026-11-13T00:00:00Z: four days after the lead's local date.
          ':expiresAt': 1_794_528_000,
        },
      },
    ]);
  });

  it('returns stale when a later record is already stored', async () => {
    dynamoDb
      .on(UpdateCommand)
      .rejects(new ConditionalCheckFailedException({ message: 'The conditional request failed', $metadata: {} }));

    await expect(store.upsert(lead)).resolves.toBe('stale');
  });

  it('rethrows other failures so the records are retried', async () => {
    dynamoDb.on(UpdateCommand).rejects(new Error('Throughput exceeds the current capacity'));

    await expect(store.upsert(lead)).rejects.toThrow('Throughput exceeds the current capacity');
  });

  it('reads one partition per date, once per date', async () => {
    const { eventSeq: _eventSeq, ...rest } = lead;
    dynamoDb
      .on(QueryCommand)
      .resolvesOnce({ Items: [{ pk: 'LIVE#demo#2026-11-09', sk: 'LEAD#x', expiresAt: 1, ...rest, eventSeq: '7' }] })
      .resolves({ Items: [] });

    const leads = await store.readDates('demo', ['2026-11-09', '2026-11-08', '2026-11-09']);

    expect(leads).toEqual([{ ...lead, eventSeq: '7' }]);
    expect(dynamoDb.commandCalls(QueryCommand).map((call) => call.args[0].input.ExpressionAttributeValues)).toEqual([
      { ':pk': 'LIVE#demo#2026-11-09' },
      { ':pk': 'LIVE#demo#2026-11-08' },
    ]);
  });
});
