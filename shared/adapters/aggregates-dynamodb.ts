/** Aggregate store on the DynamoDB aggregates table: one item per tenant and day. */
import { setTimeout as sleep } from 'node:timers/promises';
import {
  BatchWriteCommand,
  type BatchWriteCommandInput,
  type DynamoDBDocumentClient,
  QueryCommand,
} from '@aws-sdk/lib-dynamodb';
import { z } from 'zod';
import { DependencyUnavailableError } from '#shared/errors';
import type { AggregateRun, AggregateStore, DailyCell } from '#shared/kpi/aggregates';
import { eachDay } from '#shared/kpi/dates';
import { AggregatesWriteError } from '#shared/kpi/errors';

export interface DynamoDbAggregateStoreOptions {
  client: DynamoDBDocumentClient;
  tableName: string;
}

/** BatchWriteItem accepts at most 25 requests per call. */
const BATCH_SIZE = 25;
const MAX_BATCH_ATTEMPTS = 8;
/**
 * Upper bound for the cells of one day, below DynamoDB's 400 KB item limit with room for the other attributes.
 * As an estimate, a cell with ids of 10 to 20 characters takes about 70 bytes. So 30 sites × 15 sources ×
 * 3 categories (1,350 cells) take about 95 KB, and the limit allows about four campaigns per such cell.
 */
const MAX_CELLS_BYTES = 380_000;

/**
 * Cells are stored as tuples `[siteId, source, channel, campaignId, category, leads]` rather than as maps,
 * so attribute names are not repeated per cell.
 */
const cellTupleSchema = z.tuple([z.string(), z.string(), z.string(), z.string(), z.string(), z.number()]);

const dayItemSchema = z.object({
  date: z.string(),
  cells: z.array(cellTupleSchema),
});

const keys = {
  pk: (tenantId: string) => `AGG#${tenantId}`,
  sk: (date: string) => `DAY#${date}`,
};

type WriteRequest = NonNullable<BatchWriteCommandInput['RequestItems']>[string][number];

/**
 * Stores each day's cells in one item (pk `AGG#<tenantId>`, sk `DAY#<yyyy-mm-dd>`), so replacing a day is a
 * single put and reading a month is one query.
 *
 * NOTE: `replaceDays` is atomic per day, not per range. A failure part-way leaves some days from the new run
 * and the rest from the previous one, each day consistent. Every item records its `runId`, and the next
 * successful run rewrites the whole range.
 */
export class DynamoDbAggregateStore implements AggregateStore {
  private readonly client: DynamoDBDocumentClient;
  private readonly tableName: string;

  constructor(options: DynamoDbAggregateStoreOptions) {
    this.client = options.client;
    this.tableName = options.tableName;
  }

  async replaceDays(tenantId: string, from: string, to: string, cells: DailyCell[], run: AggregateRun): Promise<void> {
    const cellsByDay = new Map<string, DailyCell[]>(eachDay(from, to).map((day) => [day, []]));
    for (const cell of cells) {
      const dayCells = cellsByDay.get(cell.date);
      if (!dayCells) {
        throw new RangeError(`Cell date ${cell.date} is outside the replaced range ${from}..${to}`);
      }
      dayCells.push(cell);
    }

    const requests: WriteRequest[] = [...cellsByDay].map(([date, dayCells]) => ({
      PutRequest: { Item: this.dayItem(tenantId, date, dayCells, run) },
    }));
    for (let start = 0; start < requests.length; start += BATCH_SIZE) {
      await this.writeBatch(requests.slice(start, start + BATCH_SIZE));
    }
  }

  async readDays(tenantId: string, from: string, to: string): Promise<DailyCell[]> {
    const cells: DailyCell[] = [];
    let exclusiveStartKey: Record<string, unknown> | undefined;

    do {
      const page = await this.client.send(
        new QueryCommand({
          TableName: this.tableName,
          KeyConditionExpression: 'pk = :pk AND sk BETWEEN :from AND :to',
          ExpressionAttributeValues: { ':pk': keys.pk(tenantId), ':from': keys.sk(from), ':to': keys.sk(to) },
          ExclusiveStartKey: exclusiveStartKey,
        }),
      );
      for (const item of page.Items ?? []) {
        const day = dayItemSchema.parse(item);
        for (const [siteId, source, channel, campaignId, category, leads] of day.cells) {
          cells.push({ date: day.date, siteId, source, channel, campaignId, category, leads });
        }
      }
      exclusiveStartKey = page.LastEvaluatedKey;
    } while (exclusiveStartKey);

    return cells;
  }

  private dayItem(tenantId: string, date: string, cells: DailyCell[], run: AggregateRun) {
    const tuples = cells.map((cell) => [
      cell.siteId,
      cell.source,
      cell.channel,
      cell.campaignId,
      cell.category,
      cell.leads,
    ]);
    // JSON length is a close upper estimate of the DynamoDB size of a list of strings and numbers.
    const bytes = Buffer.byteLength(JSON.stringify(tuples));
    if (bytes > MAX_CELLS_BYTES) {
      throw new AggregatesWriteError(
        `Aggregates of tenant ${tenantId} for ${date} are too large for one item: ${cells.length} cells, about ${bytes} bytes`,
      );
    }
    return {
      pk: keys.pk(tenantId),
      sk: keys.sk(date),
      tenantId,
      date,
      cells: tuples,
      runId: run.runId,
      finishedAt: run.finishedAt,
    };
  }

  private async writeBatch(requests: WriteRequest[]): Promise<void> {
    let pending = requests;
    for (let attempt = 1; pending.length > 0; attempt += 1) {
      if (attempt > MAX_BATCH_ATTEMPTS) {
        throw new DependencyUnavailableError(
          `Aggregates table kept ${pending.length} writes unprocessed after ${MAX_BATCH_ATTEMPTS} attempts`,
        );
      }
      if (attempt > 1) {
        // Unprocessed items mean throttling; back off exponentially (50 ms, 100 ms, ... up to 3.2 s).
        await sleep(50 * 2 ** (attempt - 2));
      }
      const output = await this.client.send(new BatchWriteCommand({ RequestItems: { [this.tableName]: pending } }));
      pending = output.UnprocessedItems?.[this.tableName] ?? [];
    }
  }
}
