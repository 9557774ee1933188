/** Live lead store on the DynamoDB aggregates table: one item per tenant, local date and lead. */
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { type DynamoDBDocumentClient, QueryCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import * as z from 'zod';
import { addDays } from '#shared/kpi/dates';
import type { LiveLead, LiveLeadStore } from '#shared/kpi/live';

/**
 * Days after a lead's local date at which DynamoDB's time to live may delete its item. Live counts read today
 * and the two days before it, so three days keep every item they read with a day to spare across time zones.
 */
export const LIVE_RETENTION_DAYS = 4;

const keys = {
  pk: (tenantId: string, localDate: string) => `LIVE#${tenantId}#${localDate}`,
  sk: (leadId: string) => `LEAD#${leadId}`,
};

const liveItemSchema = z.object({
  tenantId: z.string(),
  leadId: z.string(),
  localDate: z.string(),
  siteId: z.string(),
  source: z.string(),
  receivedAt: z.string(),
  handled: z.boolean(),
  isTest: z.boolean(),
  isDeleted: z.boolean(),
  eventSeq: z.string(),
});

/**
 * Stores each lead's live state in one item (pk `LIVE#<tenantId>#<localDate>`, sk `LEAD#<leadId>`). A write
 * sets every attribute, never adds to one, and only when the stored `eventSeq` is lower than the new one, so
 * redelivered and out-of-order stream records leave the latest state in place. Items expire through the
 * table's time to live on `expiresAt`, in epoch seconds.
 */
export class DynamoDbLiveLeadStore implements LiveLeadStore {
  constructor(private readonly options: { client: DynamoDBDocumentClient; tableName: string }) {}

  async upsert(lead: LiveLead): Promise<'written' | 'stale'> {
    const expiresAt = Date.parse(`${addDays(lead.localDate, LIVE_RETENTION_DAYS)}T00:00:00Z`) / 1000;
    try {
      await this.options.client.send(
        new UpdateCommand({
          TableName: this.options.tableName,
          Key: { pk: keys.pk(lead.tenantId, lead.localDate), sk: keys.sk(lead.leadId) },
          UpdateExpression:
            'SET tenantId = :tenantId, leadId = :leadId, localDate = :localDate, siteId = :siteId, #source = :source, ' +
            'receivedAt = :receivedAt, handled = :handled, isTest = :isTest, isDeleted = :isDeleted, ' +
            'eventSeq = :eventSeq, expiresAt = :expiresAt',
          ConditionExpression: 'attribute_not_exists(eventSeq) OR eventSeq < :eventSeq',
          // `source` is a DynamoDB reserved word.
          ExpressionAttributeNames: { '#source': 'source' },
          ExpressionAttributeValues: {
            ':tenantId': lead.tenantId,
            ':leadId': lead.leadId,
            ':localDate': lead.localDate,
            ':siteId': lead.siteId,
            ':source': lead.source,
            ':receivedAt': lead.receivedAt,
            ':handled': lead.handled,
            ':isTest': lead.isTest,
            ':isDeleted': lead.isDeleted,
            ':eventSeq': lead.eventSeq,
            ':expiresAt': expiresAt,
          },
        }),
      );
      return 'written';
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) {
        return 'stale';
      }
      throw error;
    }
  }

  async readDates(tenantId: string, dates: readonly string[]): Promise<LiveLead[]> {
    const pages = await Promise.all([...new Set(dates)].map((date) => this.readDate(tenantId, date)));
    return pages.flat();
  }

  private async readDate(tenantId: string, date: string): Promise<LiveLead[]> {
    const leads: LiveLead[] = [];
    let exclusiveStartKey: Record<string, unknown> | undefined;
    do {
      const page = await this.options.client.send(
        new QueryCommand({
          TableName: this.options.tableName,
          KeyConditionExpression: 'pk = :pk',
          ExpressionAttributeValues: { ':pk': keys.pk(tenantId, date) },
          ExclusiveStartKey: exclusiveStartKey,
        }),
      );
      for (const item of page.Items ?? []) {
        leads.push(liveItemSchema.parse(item));
      }
      exclusiveStartKey = page.LastEvaluatedKey;
    } while (exclusiveStartKey);
    return leads;
  }
}
