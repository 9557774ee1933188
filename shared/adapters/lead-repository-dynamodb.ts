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
import type { Lead, NewLead } from '#shared/lead/model';
import { type Clock, systemClock } from '#shared/ports/clock';
import {
  hasPersonalData,
  type PersonalData,
  personalDataSchema,
  splitPersonalData,
} from '#shared/privacy/personal-data';
import { DEFAULT_RETENTION_MONTHS, retentionExpiry } from '#shared/privacy/retention';
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
import {
  COUNTER_ENTITY,
  LEAD_ENTITY,
  LEAD_PERSONAL_ENTITY,
  leadKeys,
  leadNumberCounterKeys,
  PERSON_KEY_ENTITY,
  personKeyKeys,
} from '#shared/store/tables';

const KEY_ATTRIBUTES = ['pk', 'sk', 'entity', 'gsi1pk', 'gsi1sk', 'expiresAt'] as const;

interface TableOptions {
  client: DynamoDBDocumentClient;
  tableName: string;
}

interface LeadRepositoryOptions extends TableOptions {
  /** Months after the lead's date at which its personal data expires; `DEFAULT_RETENTION_MONTHS` when absent. */
  retentionMonths?: number;
  /** Decides which personal-data items have expired; the system clock when absent. */
  clock?: Clock;
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

/**
 * Builds the lead from its item and, when present, its personal-data item. Without one (erased, expired, or a
 * lead with no contact at all) the lead keeps the empty personal fields stored on its own item.
 */
function leadFromItem(item: Record<string, unknown>, personal?: PersonalData): Lead {
  const lead: Record<string, unknown> = { ...item, ...personal };
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

const counterSchema = z.object({ value: z.number().int().positive() });

/** BatchGetItem reads at most 100 keys per request. */
const BATCH_GET_LIMIT = 100;

/**
 * Leads in the lead table. The personal fields of a lead live in a separate item (sk `PERSONAL`) that expires
 * through DynamoDB's time to live, while the lead item with the anonymous facts stays; reads merge the two.
 */
export class DynamoLeadRepository implements LeadRepository {
  private readonly retentionMonths: number;
  private readonly clock: Clock;

  constructor(private readonly options: LeadRepositoryOptions) {
    this.retentionMonths = options.retentionMonths ?? DEFAULT_RETENTION_MONTHS;
    this.clock = options.clock ?? systemClock;
  }

  async createIfAbsent(lead: NewLead, personKeys: readonly PersonKeyWrite[] = []): Promise<CreateOutcome> {
    const leadNumber = await this.nextLeadNumber(lead.tenantId);
    const { facts, personal } = splitPersonalData(lead);
    const leadPut = {
      TableName: this.options.tableName,
      Item: {
        ...facts,
        leadNumber,
        version: 1,
        pk: leadKeys.pk(lead.tenantId, lead.leadId),
        sk: leadKeys.sk,
        entity: LEAD_ENTITY,
        gsi1pk: leadKeys.gsi1pk(lead.tenantId, lead.localDate.slice(0, 7)),
        gsi1sk: leadKeys.gsi1sk(lead.localDate, lead.datedAt, lead.leadId),
      },
      ConditionExpression: 'attribute_not_exists(pk)',
    };
    const otherWrites = [
      ...(hasPersonalData(personal) ? [{ Put: this.personalDataPut(lead, personal) }] : []),
      ...personKeys.map((write) => ({ Put: this.personKeyPut(lead.tenantId, write) })),
    ];
    if (otherWrites.length === 0) {
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
          TransactItems: [{ Put: leadPut }, ...otherWrites],
        }),
      );
      return 'created';
    } catch (error) {
      if (!(error instanceof TransactionCanceledException)) {
        throw error;
      }
      // Reasons come in request order, so the first one is the lead's own put. The personal-data put has no
      // condition, so a conflict on it is as transient as one on a person key and is retried the same way.
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

  /**
   * Draws the tenant's next lead number with an atomic counter. Drawing before the conditional put means a
   * duplicate delivery burns a number; the alternative, reading the lead first, would cost a read on every
   * delivery to save a gap that nobody relies on.
   */
  private async nextLeadNumber(tenantId: string): Promise<number> {
    const output = await this.options.client.send(
      new UpdateCommand({
        TableName: this.options.tableName,
        Key: { pk: leadNumberCounterKeys.pk(tenantId), sk: leadNumberCounterKeys.sk },
        UpdateExpression: 'SET entity = :entity ADD #value :one',
        ExpressionAttributeNames: { '#value': 'value' },
        ExpressionAttributeValues: { ':entity': COUNTER_ENTITY, ':one': 1 },
        ReturnValues: 'UPDATED_NEW',
      }),
    );
    return counterSchema.parse(output.Attributes).value;
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

  /** The personal-data item of a new lead, expiring `retentionMonths` after the lead's date. */
  private personalDataPut(lead: NewLead, personal: PersonalData) {
    return {
      TableName: this.options.tableName,
      Item: {
        pk: leadKeys.pk(lead.tenantId, lead.leadId),
        sk: leadKeys.personalSk,
        entity: LEAD_PERSONAL_ENTITY,
        tenantId: lead.tenantId,
        leadId: lead.leadId,
        ...personal,
        expiresAt: retentionExpiry(lead.datedAt, this.retentionMonths),
      },
    };
  }

  async get(tenantId: string, leadId: string): Promise<Lead | undefined> {
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
    return leadFromItem(leadOutput.Item, this.livePersonalData(personalOutput.Item));
  }

  /**
   * Returns the personal data of an item unless it has expired. DynamoDB deletes expired items some time
   * after `expiresAt` (typically within a few days), so reads must not rely on the deletion.
   */
  private livePersonalData(item: Record<string, unknown> | undefined): PersonalData | undefined {
    if (item === undefined) {
      return undefined;
    }
    const nowSeconds = Math.floor(this.clock().getTime() / 1000);
    if (typeof item.expiresAt === 'number' && item.expiresAt <= nowSeconds) {
      return undefined;
    }
    return personalDataSchema.parse(item);
  }

  /** Adds the live personal data to leads read from the index, in one BatchGetItem per 100 leads. */
  private async withPersonalData(items: Record<string, unknown>[]): Promise<Lead[]> {
    const personalByPk = new Map<string, Record<string, unknown>>();
    for (let start = 0; start < items.length; start += BATCH_GET_LIMIT) {
      let keys: Record<string, unknown>[] | undefined = items
        .slice(start, start + BATCH_GET_LIMIT)
        .map((item) => ({ pk: item.pk, sk: leadKeys.personalSk }));
      while (keys && keys.length > 0) {
        const output: BatchGetCommandOutput = await this.options.client.send(
          new BatchGetCommand({ RequestItems: { [this.options.tableName]: { Keys: keys } } }),
        );
        for (const personal of output.Responses?.[this.options.tableName] ?? []) {
          personalByPk.set(String(personal.pk), personal);
        }
        keys = output.UnprocessedKeys?.[this.options.tableName]?.Keys;
      }
    }
    return items.map((item) => leadFromItem(item, this.livePersonalData(personalByPk.get(String(item.pk)))));
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
      const listed = (output.Items ?? []).filter((item) => this.isListed(leadFromItem(item), query));
      items.push(...(await this.withPersonalData(listed)));
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
