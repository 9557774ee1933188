/** Lifecycle events in the lead table, under the partition of their lead. */
import { ConditionalCheckFailedException, TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import {
  type DynamoDBDocumentClient,
  GetCommand,
  QueryCommand,
  TransactWriteCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import * as z from 'zod';
import type { DerivedLeadState } from '#shared/lifecycle/derive';
import { LEAD_EVENT_ENTITY, type LeadEvent, type LeadEventInput, leadEventSchema } from '#shared/lifecycle/events';
import type { AppendOutcome, LeadEventStore, LifecycleLead } from '#shared/lifecycle/store';
import { leadKeys } from '#shared/store/tables';

/** Value of `entity` on the items that reserve an event id; they never reach the lake. */
export const LEAD_EVENT_KEY_ENTITY = 'lead-event-key';

export const leadEventKeys = {
  /** Events sort by occurrence under the lead's partition. */
  sk: (occurredAt: string, eventId: string) => `EVENT#${occurredAt}#${eventId}`,
  /** Reserves an event id, so a repeat with another `occurredAt` is still a duplicate. */
  idempotencySk: (eventId: string) => `EVENT-KEY#${eventId}`,
};

const lifecycleLeadSchema = z.object({
  tenantId: z.string(),
  leadId: z.string(),
  siteId: z
    .string()
    .nullish()
    .transform((value) => value ?? null),
  receivedAt: z.string(),
  lifecycle: z
    .object({ assignedSalespersonId: z.string().nullish() })
    .nullish()
    .transform((value) => value?.assignedSalespersonId ?? null),
});

/**
 * Stores each event as an item (pk `LEAD#<tenantId>#<leadId>`, sk `EVENT#<occurredAt>#<eventId>`, entity
 * `lead-event`) written in one transaction with an item that reserves its `eventId`
 * (sk `EVENT-KEY#<eventId>`). The derived state is an UpdateItem of `status` and `lifecycle` on the lead item,
 * so the table's stream carries it to the lake.
 */
export class DynamoLeadEventStore implements LeadEventStore {
  constructor(private readonly options: { client: DynamoDBDocumentClient; tableName: string }) {}

  async getLead(tenantId: string, leadId: string): Promise<LifecycleLead | undefined> {
    const output = await this.options.client.send(
      new GetCommand({
        TableName: this.options.tableName,
        Key: { pk: leadKeys.pk(tenantId, leadId), sk: leadKeys.sk },
        ProjectionExpression: 'tenantId, leadId, siteId, receivedAt, lifecycle.assignedSalespersonId',
        ConsistentRead: true,
      }),
    );
    if (!output.Item) {
      return undefined;
    }
    const { lifecycle, ...lead } = lifecycleLeadSchema.parse(output.Item);
    return { ...lead, assignedSalespersonId: lifecycle };
  }

  async append(event: LeadEvent): Promise<AppendOutcome> {
    const pk = leadKeys.pk(event.tenantId, event.leadId);
    try {
      await this.options.client.send(
        new TransactWriteCommand({
          TransactItems: [
            {
              Put: {
                TableName: this.options.tableName,
                Item: {
                  pk,
                  sk: leadEventKeys.idempotencySk(event.eventId),
                  entity: LEAD_EVENT_KEY_ENTITY,
                  occurredAt: event.occurredAt,
                },
                ConditionExpression: 'attribute_not_exists(pk)',
              },
            },
            {
              Put: {
                TableName: this.options.tableName,
                Item: {
                  ...event,
                  pk,
                  sk: leadEventKeys.sk(event.occurredAt, event.eventId),
                  entity: LEAD_EVENT_ENTITY,
                },
              },
            },
          ],
        }),
      );
      return 'accepted';
    } catch (error) {
      if (
        error instanceof TransactionCanceledException &&
        error.CancellationReasons?.[0]?.Code === 'ConditionalCheckFailed'
      ) {
        return 'duplicate';
      }
      throw error;
    }
  }

  async list(tenantId: string, leadId: string): Promise<LeadEventInput[]> {
    const events: LeadEventInput[] = [];
    let exclusiveStartKey: Record<string, unknown> | undefined;
    do {
      const page = await this.options.client.send(
        new QueryCommand({
          TableName: this.options.tableName,
          KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
          ExpressionAttributeValues: { ':pk': leadKeys.pk(tenantId, leadId), ':prefix': 'EVENT#' },
          ConsistentRead: true,
          ExclusiveStartKey: exclusiveStartKey,
        }),
      );
      for (const item of page.Items ?? []) {
        events.push(leadEventSchema.parse(item));
      }
      exclusiveStartKey = page.LastEvaluatedKey;
    } while (exclusiveStartKey);
    return events;
  }

  async saveDerivedState(tenantId: string, leadId: string, state: DerivedLeadState): Promise<'saved' | 'stale'> {
    try {
      await this.options.client.send(
        new UpdateCommand({
          TableName: this.options.tableName,
          Key: { pk: leadKeys.pk(tenantId, leadId), sk: leadKeys.sk },
          UpdateExpression: 'SET #status = :status, lifecycle = :lifecycle ADD version :one',
          ConditionExpression:
            'attribute_exists(pk) AND (attribute_not_exists(lifecycle) OR lifecycle.eventCount <= :eventCount)',
          ExpressionAttributeNames: { '#status': 'status' },
          ExpressionAttributeValues: {
            ':status': state.status,
            ':lifecycle': state.lifecycle,
            ':eventCount': state.lifecycle.eventCount,
            ':one': 1,
          },
        }),
      );
      return 'saved';
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) {
        return 'stale';
      }
      throw error;
    }
  }
}
