/** Aggregate store on the DynamoDB aggregates table: one item per tenant, day and KPI basis. */
import { setTimeout as sleep } from 'node:timers/promises';
import {
  BatchWriteCommand,
  type BatchWriteCommandInput,
  type DynamoDBDocumentClient,
  QueryCommand,
} from '@aws-sdk/lib-dynamodb';
import * as z from 'zod';
import { DependencyUnavailableError } from '#shared/errors';
import {
  type AggregateRun,
  type AggregateStore,
  CELL_MEASURES,
  type DailyCell,
  emptyMeasures,
  KPI_BASES,
  type KpiBasis,
  type MinuteHistogram,
} from '#shared/kpi/aggregates';
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
 * Upper bound for the cells of one day and basis, below DynamoDB's 400 KB item limit with room for the other
 * attributes. As an estimate, a cell with ids of 10 to 20 characters, 19 measures and short histograms takes
 * about 200 bytes. So 30 sites × 15 sources × 3 categories (1,350 cells) take about 270 KB.
 */
const MAX_CELLS_BYTES = 380_000;

/**
 * Cells are stored as tuples rather than as maps, so attribute names are not repeated per cell:
 * `[siteId, source, channel, campaignId, category, ...measures in CELL_MEASURES order, businessHistogram,
 * rawHistogram]`, each histogram flattened to `[minutes, leads, minutes, leads, ...]`.
 * Items written before lifecycle KPIs hold `[siteId, source, channel, campaignId, category, leads]` tuples
 * under sk `DAY#<date>`; they read as cohort cells with only `leads` set.
 */
const keyTupleSchema = z.tuple([z.string(), z.string(), z.string(), z.string(), z.string()]);
const legacyCellTupleSchema = z.tuple([...keyTupleSchema.def.items, z.number()]);
const cellTupleSchema = z.tuple([
  ...keyTupleSchema.def.items,
  ...CELL_MEASURES.map(() => z.number()),
  z.array(z.number()),
  z.array(z.number()),
]);

const dayItemSchema = z.object({
  date: z.string(),
  basis: z.enum(KPI_BASES).default('cohort'),
  cells: z.array(z.union([cellTupleSchema, legacyCellTupleSchema])),
});

const keys = {
  pk: (tenantId: string) => `AGG#${tenantId}`,
  sk: (date: string, basis: KpiBasis) => `DAY#${date}#${basis}`,
  /** Key of the items written before the basis was part of the key; `replaceDays` deletes them. */
  legacySk: (date: string) => `DAY#${date}`,
};

type WriteRequest = NonNullable<BatchWriteCommandInput['RequestItems']>[string][number];

/**
 * Stores each day's cells in one item per basis (pk `AGG#<tenantId>`, sk `DAY#<yyyy-mm-dd>#<basis>`), so
 * replacing a day is two puts and reading a month is one query.
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
    const days = eachDay(from, to);
    const cellsByDay = new Map<string, DailyCell[]>(
      days.flatMap((day) => KPI_BASES.map((basis) => [`${day}#${basis}`, []] as [string, DailyCell[]])),
    );
    for (const cell of cells) {
      const dayCells = cellsByDay.get(`${cell.date}#${cell.basis}`);
      if (!dayCells) {
        throw new RangeError(`Cell date ${cell.date} is outside the replaced range ${from}..${to}`);
      }
      dayCells.push(cell);
    }

    const requests: WriteRequest[] = days.flatMap((date) => [
      ...KPI_BASES.map((basis) => ({
        PutRequest: { Item: this.dayItem(tenantId, date, basis, cellsByDay.get(`${date}#${basis}`) ?? [], run) },
      })),
      { DeleteRequest: { Key: { pk: keys.pk(tenantId), sk: keys.legacySk(date) } } },
    ]);
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
          // `~` sorts after both basis names, so the upper bound includes every item of the last day.
          ExpressionAttributeValues: {
            ':pk': keys.pk(tenantId),
            ':from': keys.legacySk(from),
            ':to': `${keys.legacySk(to)}#~`,
          },
          ExclusiveStartKey: exclusiveStartKey,
        }),
      );
      for (const item of page.Items ?? []) {
        const day = dayItemSchema.parse(item);
        for (const tuple of day.cells) {
          cells.push(cellFromTuple(day.date, day.basis, tuple));
        }
      }
      exclusiveStartKey = page.LastEvaluatedKey;
    } while (exclusiveStartKey);

    return cells;
  }

  private dayItem(tenantId: string, date: string, basis: KpiBasis, cells: DailyCell[], run: AggregateRun) {
    const tuples = cells.map((cell) => [
      cell.siteId,
      cell.source,
      cell.channel,
      cell.campaignId,
      cell.category,
      ...CELL_MEASURES.map((measure) => cell[measure]),
      cell.ttfcBusinessHistogram.flat(),
      cell.ttfcRawHistogram.flat(),
    ]);
    // JSON length is a close upper estimate of the DynamoDB size of a list of strings and numbers.
    const bytes = Buffer.byteLength(JSON.stringify(tuples));
    if (bytes > MAX_CELLS_BYTES) {
      throw new AggregatesWriteError(
        `Aggregates of tenant ${tenantId} for ${date} (${basis}) are too large for one item: ${cells.length} cells, about ${bytes} bytes`,
      );
    }
    return {
      pk: keys.pk(tenantId),
      sk: keys.sk(date, basis),
      tenantId,
      date,
      basis,
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

function cellFromTuple(
  date: string,
  basis: KpiBasis,
  tuple: z.infer<typeof cellTupleSchema> | z.infer<typeof legacyCellTupleSchema>,
): DailyCell {
  const [siteId, source, channel, campaignId, category] = tuple;
  const key = { basis, date, siteId, source, channel, campaignId, category };
  if (tuple.length === legacyCellTupleSchema.def.items.length) {
    return { ...key, ...emptyMeasures(), leads: tuple[5] as number, ttfcBusinessHistogram: [], ttfcRawHistogram: [] };
  }
  const values = tuple.slice(5) as unknown[];
  const measures = emptyMeasures();
  CELL_MEASURES.forEach((measure, index) => {
    measures[measure] = values[index] as number;
  });
  return {
    ...key,
    ...measures,
    ttfcBusinessHistogram: unflatten(values[CELL_MEASURES.length] as number[]),
    ttfcRawHistogram: unflatten(values[CELL_MEASURES.length + 1] as number[]),
  };
}

function unflatten(values: number[]): MinuteHistogram {
  const histogram: MinuteHistogram = [];
  for (let index = 0; index + 1 < values.length; index += 2) {
    histogram.push([values[index] as number, values[index + 1] as number]);
  }
  return histogram;
}
