/**
 * Erasure and retention on the lead table: the personal-data items of leads (sk `PERSONAL`), the personal
 * fields of lead items written before those items existed, person keys and quarantined payloads.
 */
import { ConditionalCheckFailedException, TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import {
  DeleteCommand,
  type DynamoDBDocumentClient,
  GetCommand,
  QueryCommand,
  ScanCommand,
  TransactWriteCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import * as z from 'zod';
import { type Clock, systemClock } from '#shared/ports/clock';
import type { ErasableLead, ErasureStore, PersonMatch, QuarantinedPayload } from '#shared/privacy/erasure';
import {
  emptyPersonalData,
  hasPersonalData,
  type PersonalData,
  personalDataSchema,
} from '#shared/privacy/personal-data';
import type { PersonalDataRetention } from '#shared/privacy/retention';
import { LEAD_ENTITY, LEAD_PERSONAL_ENTITY, leadKeys, personKeyKeys } from '#shared/store/tables';

interface ErasureStoreOptions {
  client: DynamoDBDocumentClient;
  tableName: string;
  /** Decides which personal-data items have expired; the system clock when absent. */
  clock?: Clock;
}

const leadItemSchema = z.object({
  leadId: z.string().min(1),
  siteId: z.string().nullish(),
  erasedAt: z.string().nullish(),
});

const payloadItemSchema = z.object({
  quarantineId: z.string().min(1),
  body: z.instanceof(Uint8Array),
  replayedLeadIds: z.array(z.string()).optional(),
});

const foundItemSchema = z.object({ leadId: z.string().min(1) });

/**
 * The erasure store and the retention of personal data on DynamoDB.
 *
 * Finding a person's leads by email or phone is a Scan of the whole lead table, filtered on the tenant and the
 * contact: the table has no index by contact, on purpose, since such an index would be one more copy of every
 * email and phone. A Scan reads every item of every tenant and is billed on the bytes read (one read request
 * unit per 4 KB read, halved for eventually consistent reads), which for a rare request such as a right to
 * erasure costs less than the index would cost to keep.
 */
export class DynamoErasureStore implements ErasureStore, PersonalDataRetention {
  private readonly clock: Clock;

  constructor(private readonly options: ErasureStoreOptions) {
    this.clock = options.clock ?? systemClock;
  }

  private nowSeconds(): number {
    return Math.floor(this.clock().getTime() / 1000);
  }

  async getLead(tenantId: string, leadId: string): Promise<ErasableLead | undefined> {
    const read = (sk: string) =>
      this.options.client.send(
        new GetCommand({
          TableName: this.options.tableName,
          Key: { pk: leadKeys.pk(tenantId, leadId), sk },
          ConsistentRead: true,
        }),
      );
    const [leadOutput, personalOutput] = await Promise.all([read(leadKeys.sk), read(leadKeys.personalSk)]);
    if (!leadOutput.Item) {
      return undefined;
    }
    const lead = leadItemSchema.parse(leadOutput.Item);
    return {
      leadId: lead.leadId,
      siteId: lead.siteId ?? null,
      erasedAt: lead.erasedAt ?? null,
      personal: this.livePersonalData(personalOutput.Item) ?? inlinePersonalData(leadOutput.Item),
    };
  }

  private livePersonalData(item: Record<string, unknown> | undefined): PersonalData | null {
    if (item === undefined) {
      return null;
    }
    if (typeof item.expiresAt === 'number' && item.expiresAt <= this.nowSeconds()) {
      return null;
    }
    return personalDataSchema.parse(item);
  }

  async findLeadIds(tenantId: string, match: PersonMatch): Promise<string[]> {
    const contactCondition = 'email' in match ? 'contact.email = :value' : 'contains(contact.phones, :value)';
    const leadIds = new Set<string>();
    let startKey: Record<string, unknown> | undefined;
    do {
      const output = await this.options.client.send(
        new ScanCommand({
          TableName: this.options.tableName,
          FilterExpression:
            `tenantId = :tenantId AND entity IN (:personal, :lead) AND ${contactCondition} ` +
            'AND (attribute_not_exists(expiresAt) OR expiresAt > :now)',
          ExpressionAttributeValues: {
            ':tenantId': tenantId,
            ':personal': LEAD_PERSONAL_ENTITY,
            ':lead': LEAD_ENTITY,
            ':value': 'email' in match ? match.email : match.phone,
            ':now': this.nowSeconds(),
          },
          ProjectionExpression: 'leadId',
          ExclusiveStartKey: startKey,
        }),
      );
      for (const item of output.Items ?? []) {
        leadIds.add(foundItemSchema.parse(item).leadId);
      }
      startKey = output.LastEvaluatedKey;
    } while (startKey);
    return [...leadIds].sort();
  }

  async eraseLead(tenantId: string, leadId: string, erasedAt: string): Promise<void> {
    const pk = leadKeys.pk(tenantId, leadId);
    const empty = emptyPersonalData();
    try {
      await this.options.client.send(
        new TransactWriteCommand({
          TransactItems: [
            {
              Update: {
                TableName: this.options.tableName,
                Key: { pk, sk: leadKeys.sk },
                // Lead items written before personal data had its own item carry it inline; emptying the
                // fields covers them too. `version` rises like on every other write of the lead item.
                UpdateExpression:
                  'SET erased = :true, erasedAt = if_not_exists(erasedAt, :erasedAt), personId = :null, ' +
                  'contact = :contact, comments = :null, consent = :null, customFields = :empty, ' +
                  'clickIds = :empty ADD version :one',
                ConditionExpression: 'attribute_exists(pk)',
                ExpressionAttributeValues: {
                  ':true': true,
                  ':erasedAt': erasedAt,
                  ':null': null,
                  ':contact': empty.contact,
                  ':empty': {},
                  ':one': 1,
                },
              },
            },
            { Delete: { TableName: this.options.tableName, Key: { pk, sk: leadKeys.personalSk } } },
          ],
        }),
      );
    } catch (error) {
      const leadIsGone =
        error instanceof TransactionCanceledException &&
        error.CancellationReasons?.[0]?.Code === 'ConditionalCheckFailed';
      if (!leadIsGone) {
        throw error;
      }
    }
  }

  async deletePersonKeys(tenantId: string, keyHashes: readonly string[]): Promise<void> {
    for (const keyHash of keyHashes) {
      await this.options.client.send(
        new DeleteCommand({
          TableName: this.options.tableName,
          Key: { pk: personKeyKeys.pk(tenantId, keyHash), sk: personKeyKeys.sk },
        }),
      );
    }
  }

  /** Reads every quarantined payload of the tenant, bodies included (each at most 256 KB). */
  async listQuarantinedPayloads(tenantId: string): Promise<QuarantinedPayload[]> {
    const payloads: QuarantinedPayload[] = [];
    let startKey: Record<string, unknown> | undefined;
    do {
      const output = await this.options.client.send(
        new QueryCommand({
          TableName: this.options.tableName,
          KeyConditionExpression: 'pk = :pk',
          ExpressionAttributeValues: { ':pk': `QUARANTINE#${tenantId}` },
          ProjectionExpression: 'quarantineId, body, replayedLeadIds',
          ExclusiveStartKey: startKey,
        }),
      );
      for (const item of output.Items ?? []) {
        const payload = payloadItemSchema.parse(item);
        payloads.push({ ...payload, replayedLeadIds: payload.replayedLeadIds ?? [] });
      }
      startKey = output.LastEvaluatedKey;
    } while (startKey);
    return payloads;
  }

  async deleteQuarantinedPayloads(tenantId: string, quarantineIds: readonly string[]): Promise<void> {
    for (const quarantineId of quarantineIds) {
      await this.options.client.send(
        new DeleteCommand({
          TableName: this.options.tableName,
          Key: { pk: `QUARANTINE#${tenantId}`, sk: quarantineId },
        }),
      );
    }
  }

  async extendExpiry(tenantId: string, leadId: string, expiresAt: number): Promise<void> {
    try {
      await this.options.client.send(
        new UpdateCommand({
          TableName: this.options.tableName,
          Key: { pk: leadKeys.pk(tenantId, leadId), sk: leadKeys.personalSk },
          UpdateExpression: 'SET expiresAt = :expiresAt',
          // An item already past its expiry stays expired: a late event must not bring erased data back.
          ConditionExpression: 'attribute_exists(pk) AND expiresAt < :expiresAt AND expiresAt > :now',
          ExpressionAttributeValues: { ':expiresAt': expiresAt, ':now': this.nowSeconds() },
        }),
      );
    } catch (error) {
      if (!(error instanceof ConditionalCheckFailedException)) {
        throw error;
      }
    }
  }
}

/** Personal fields stored on a lead item itself, as leads were written before they had a personal-data item. */
function inlinePersonalData(item: Record<string, unknown>): PersonalData | null {
  const parsed = personalDataSchema.safeParse({ ...emptyPersonalData(), ...item });
  if (!parsed.success || !hasPersonalData(parsed.data)) {
    return null;
  }
  return parsed.data;
}
