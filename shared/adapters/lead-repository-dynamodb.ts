/**
 * The lead store on DynamoDB: leads, person-key entries, quarantine and pending Meta fetches in the single
 * lead table.
 */
import { ConditionalCheckFailedException, TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import {
  BatchGetCommand,
  type BatchGetCommandOutput,
  DeleteCommand,
  type DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  QueryCommand,
  type QueryCommandInput,
  TransactWriteCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import * as z from 'zod';
import { ValidationError } from '#shared/errors';
import type { Lead } from '#shared/lead/model';
import {
  type CreateOutcome,
  type LeadListQuery,
  type LeadPage,
  type LeadRepository,
  type PendingFetch,
  type PendingFetchRepository,
  PersonKeyConflictError,
  type PersonKeyEntry,
  type PersonKeyWrite,
  type QuarantineEntry,
  type QuarantineRepository,
} from '#shared/store/lead-repository';
import { LEAD_ENTITY, leadKeys, PERSON_KEY_ENTITY, personKeyKeys } from '#shared/store/tables';

const KEY_ATTRIBUTES = ['pk', 'sk', 'entity', 'gsi1pk', 'gsi1sk', 'expiresAt'] as const;

interface TableOptions {
  client: DynamoDBDocumentClient;
  tableName: string;
}

/** Months (`yyyy-mm`) from the month of `from` to the month of `to`, both local dates. */
export function monthsBetween(from: string, to: string): string[] {
  const months: string[] = [];
  let year = Number(from.slice(0, 4));
  let month = Number(from.slice(5, 7));
  const last = to.slice(0, 7);
  for (;;) {
    const current = `${year}-${String(month).padStart(2, '0')}`;
    months.push(current);
    if (current >= last) {
      return months;
    }
    month += 1;
    if (month > 12) {
      month = 1;
      year += 1;
    }
  }
}

const cursorSchema = z.object({
  month: z.number().int().nonnegative(),
  key: z.record(z.string(), z.unknown()).optional(),
});
type Cursor = z.infer<typeof cursorSchema>;

function encodeCursor(cursor: Cursor): string {
  return Buffer.from(JSON.stringify(cursor), 'utf8').toString('base64url');
}

function decodeCursor(text: string): Cursor {
  try {
    return cursorSchema.parse(JSON.parse(Buffer.from(text, 'base64url').toString('utf8')));
  } catch (error) {
    throw new ValidationError('cursor is not a cursor returned by this API', { cause: error });
  }
}

/** Whether a decoded cursor points into one of the query's months of the caller's tenant, within its dates. */
function cursorFits(cursor: Cursor, months: string[], query: LeadListQuery): boolean {
  const month = months[cursor.month];
  if (month === undefined) {
    return false;
  }
  if (cursor.key === undefined) {
    return true;
  }
  const sortKey = cursor.key.gsi1sk;
  return (
    cursor.key.gsi1pk === leadKeys.gsi1pk(query.tenantId, month) &&
    typeof sortKey === 'string' &&
    sortKey >= query.from &&
    sortKey <= `${query.to}#\uffff`
  );
}

function leadFromItem(item: Record<string, unknown>): Lead {
  const lead: Record<string, unknown> = { ...item };
  for (const attribute of KEY_ATTRIBUTES) {
    delete lead[attribute];
  }
  return lead as unknown as Lead;
}

const personKeyItemSchema = z.object({
  keyHash: z.string().min(1),
  firstLeadId: z.string().min(1),
  firstDatedAt: z.string().min(1),
  personId: z.string().min(1),
});

/** BatchGetItem reads at most 100 keys per request. */
const BATCH_GET_LIMIT = 100;

export class DynamoLeadRepository implements LeadRepository {
  constructor(private readonly options: TableOptions) {}

  async createIfAbsent(lead: Lead, personKeys: readonly PersonKeyWrite[] = []): Promise<CreateOutcome> {
    const leadPut = {
      TableName: this.options.tableName,
      Item: {
        ...lead,
        pk: leadKeys.pk(lead.tenantId, lead.leadId),
        sk: leadKeys.sk,
        entity: LEAD_ENTITY,
        gsi1pk: leadKeys.gsi1pk(lead.tenantId, lead.localDate.slice(0, 7)),
        gsi1sk: leadKeys.gsi1sk(lead.localDate, lead.datedAt, lead.leadId),
      },
      ConditionExpression: 'attribute_not_exists(pk)',
    };
    if (personKeys.length === 0) {
      try {
        await this.options.client.send(new PutCommand(leadPut));
        return 'created';
      } catch (error) {
        if (error instanceof ConditionalCheckFailedException) {
          return 'duplicate';
        }
        throw error;
      }
    }

    try {
      await this.options.client.send(
        new TransactWriteCommand({
          TransactItems: [
            { Put: leadPut },
            ...personKeys.map((write) => ({ Put: this.personKeyPut(lead.tenantId, write) })),
          ],
        }),
      );
      return 'created';
    } catch (error) {
      if (!(error instanceof TransactionCanceledException)) {
        throw error;
      }
      // Reasons come in request order, so the first one is the lead's own put.
      const [leadReason, ...keyReasons] = error.CancellationReasons ?? [];
      if (leadReason?.Code === 'ConditionalCheckFailed') {
        return 'duplicate';
      }
      if (
        keyReasons.some((reason) => reason.Code === 'ConditionalCheckFailed' || reason.Code === 'TransactionConflict')
      ) {
        throw new PersonKeyConflictError(`A person-key entry of lead ${lead.leadId} changed concurrently`, {
          cause: error,
        });
      }
      throw error;
    }
  }

  async getPersonKeys(tenantId: string, keyHashes: readonly string[]): Promise<PersonKeyEntry[]> {
    const entries: PersonKeyEntry[] = [];
    const unique = [...new Set(keyHashes)];
    for (let start = 0; start < unique.length; start += BATCH_GET_LIMIT) {
      let keys: Record<string, unknown>[] | undefined = unique
        .slice(start, start + BATCH_GET_LIMIT)
        .map((keyHash) => ({ pk: personKeyKeys.pk(tenantId, keyHash), sk: personKeyKeys.sk }));
      while (keys && keys.length > 0) {
        const output: BatchGetCommandOutput = await this.options.client.send(
          new BatchGetCommand({ RequestItems: { [this.options.tableName]: { Keys: keys, ConsistentRead: true } } }),
        );
        for (const item of output.Responses?.[this.options.tableName] ?? []) {
          entries.push(personKeyItemSchema.parse(item));
        }
        keys = output.UnprocessedKeys?.[this.options.tableName]?.Keys;
      }
    }
    return entries;
  }

  private personKeyPut(tenantId: string, write: PersonKeyWrite) {
    const { entry, expectedFirstLeadId } = write;
    return {
      TableName: this.options.tableName,
      Item: {
        pk: personKeyKeys.pk(tenantId, entry.keyHash),
        sk: personKeyKeys.sk,
        entity: PERSON_KEY_ENTITY,
        ...entry,
        expiresAt: write.expiresAt,
      },
      ...(expectedFirstLeadId === null
        ? { ConditionExpression: 'attribute_not_exists(pk)' }
        : {
            ConditionExpression: 'firstLeadId = :expected',
            ExpressionAttributeValues: { ':expected': expectedFirstLeadId },
          }),
    };
  }

  async get(tenantId: string, leadId: string): Promise<Lead | undefined> {
    const output = await this.options.client.send(
      new GetCommand({
        TableName: this.options.tableName,
        Key: { pk: leadKeys.pk(tenantId, leadId), sk: leadKeys.sk },
        ConsistentRead: true,
      }),
    );
    return output.Item ? leadFromItem(output.Item) : undefined;
  }

  async list(query: LeadListQuery): Promise<LeadPage> {
    const months = monthsBetween(query.from, query.to);
    let cursor: Cursor = query.cursor ? decodeCursor(query.cursor) : { month: 0 };
    if (query.cursor && !cursorFits(cursor, months, query)) {
      // A cursor from another query (other tenant, other dates) would make DynamoDB reject the start key.
      throw new ValidationError('cursor does not belong to this query; repeat the query without it');
    }
    const items: Lead[] = [];
    while (cursor.month < months.length) {
      const month = months[cursor.month] as string;
      const input: QueryCommandInput = {
        TableName: this.options.tableName,
        IndexName: 'gsi1',
        KeyConditionExpression: 'gsi1pk = :pk AND gsi1sk BETWEEN :from AND :to',
        ExpressionAttributeValues: {
          ':pk': leadKeys.gsi1pk(query.tenantId, month),
          ':from': query.from,
          ':to': `${query.to}#\uffff`,
        },
        Limit: query.limit - items.length,
        ...(cursor.key ? { ExclusiveStartKey: cursor.key } : {}),
      };
      const output = await this.options.client.send(new QueryCommand(input));
      for (const item of output.Items ?? []) {
        const lead = leadFromItem(item);
        if (this.isListed(lead, query)) {
          items.push(lead);
        }
      }
      cursor = output.LastEvaluatedKey
        ? { month: cursor.month, key: output.LastEvaluatedKey }
        : { month: cursor.month + 1 };
      if (items.length >= query.limit) {
        break;
      }
    }
    return cursor.month < months.length ? { items, nextCursor: encodeCursor(cursor) } : { items };
  }

  private isListed(lead: Lead, query: LeadListQuery): boolean {
    if (query.visibleSites !== '*' && (lead.siteId === null || !query.visibleSites.includes(lead.siteId))) {
      return false;
    }
    if (query.site !== undefined && (lead.siteId ?? 'unassigned') !== query.site) {
      return false;
    }
    return query.source === undefined || lead.source === query.source;
  }
}

export class DynamoQuarantineRepository implements QuarantineRepository {
  constructor(private readonly options: TableOptions) {}

  async add(entry: QuarantineEntry): Promise<void> {
    await this.options.client.send(
      new PutCommand({
        TableName: this.options.tableName,
        Item: {
          pk: `QUARANTINE#${entry.tenantId}`,
          sk: entry.quarantineId,
          entity: 'quarantine',
          ...entry,
          body: Buffer.from(entry.body),
        },
      }),
    );
  }

  async list(tenantId: string): Promise<Omit<QuarantineEntry, 'body'>[]> {
    const entries: Omit<QuarantineEntry, 'body'>[] = [];
    let startKey: Record<string, unknown> | undefined;
    do {
      const output = await this.options.client.send(
        new QueryCommand({
          TableName: this.options.tableName,
          KeyConditionExpression: 'pk = :pk',
          ExpressionAttributeValues: { ':pk': `QUARANTINE#${tenantId}` },
          ProjectionExpression:
            'quarantineId, tenantId, integrationId, receivedAt, contentType, authenticated, reasonCode, reasonMessage, ' +
            'replayedAt, replayedLeadIds',
          ExclusiveStartKey: startKey,
        }),
      );
      entries.push(...((output.Items ?? []) as Omit<QuarantineEntry, 'body'>[]));
      startKey = output.LastEvaluatedKey;
    } while (startKey);
    return entries;
  }

  async get(tenantId: string, quarantineId: string): Promise<QuarantineEntry | undefined> {
    const output = await this.options.client.send(
      new GetCommand({ TableName: this.options.tableName, Key: { pk: `QUARANTINE#${tenantId}`, sk: quarantineId } }),
    );
    if (!output.Item) {
      return undefined;
    }
    const { pk: _pk, sk: _sk, entity: _entity, ...entry } = output.Item;
    return { ...(entry as QuarantineEntry), body: new Uint8Array(entry.body as Uint8Array) };
  }

  async markReplayed(
    tenantId: string,
    quarantineId: string,
    replay: { replayedAt: string; leadIds: string[] },
  ): Promise<void> {
    await this.options.client.send(
      new UpdateCommand({
        TableName: this.options.tableName,
        Key: { pk: `QUARANTINE#${tenantId}`, sk: quarantineId },
        UpdateExpression: 'SET replayedAt = :replayedAt, replayedLeadIds = :leadIds',
        ConditionExpression: 'attribute_exists(pk)',
        ExpressionAttributeValues: { ':replayedAt': replay.replayedAt, ':leadIds': replay.leadIds },
      }),
    );
  }
}

export class DynamoPendingFetchRepository implements PendingFetchRepository {
  constructor(private readonly options: TableOptions) {}

  async add(pending: PendingFetch): Promise<void> {
    await this.options.client.send(
      new PutCommand({
        TableName: this.options.tableName,
        Item: {
          pk: `PENDING#${pending.tenantId}`,
          sk: `${pending.integrationId}#${pending.leadgenId}`,
          entity: 'pending-fetch',
          ...pending,
        },
      }),
    );
  }

  async list(tenantId: string): Promise<PendingFetch[]> {
    const pending: PendingFetch[] = [];
    let startKey: Record<string, unknown> | undefined;
    do {
      const output = await this.options.client.send(
        new QueryCommand({
          TableName: this.options.tableName,
          KeyConditionExpression: 'pk = :pk',
          ExpressionAttributeValues: { ':pk': `PENDING#${tenantId}` },
          ExclusiveStartKey: startKey,
        }),
      );
      for (const { pk: _pk, sk: _sk, entity: _entity, ...item } of output.Items ?? []) {
        const stored = item as Omit<PendingFetch, 'attempts' | 'lastFailedAt'> & Partial<PendingFetch>;
        // Items written before attempts were counted have neither field; their one failure is the first.
        pending.push({
          ...stored,
          attempts: stored.attempts ?? 1,
          lastFailedAt: stored.lastFailedAt ?? stored.firstFailedAt,
        });
      }
      startKey = output.LastEvaluatedKey;
    } while (startKey);
    return pending;
  }

  async remove(tenantId: string, integrationId: string, leadgenId: string): Promise<void> {
    await this.options.client.send(
      new DeleteCommand({
        TableName: this.options.tableName,
        Key: { pk: `PENDING#${tenantId}`, sk: `${integrationId}#${leadgenId}` },
      }),
    );
  }
}
