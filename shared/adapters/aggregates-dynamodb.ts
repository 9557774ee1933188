/**
 * Aggregate store on the DynamoDB aggregates table: per tenant, the daily cells of each day and basis, and
 * month rollups that let a 13-month report read about 13 items per basis.
 */
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
  type RollupGrain,
} from '#shared/kpi/aggregates';
import { decodeCells, type EncodedCells, encodeCells } from '#shared/kpi/cell-codec';
import { eachDay } from '#shared/kpi/dates';
import { AggregatesWriteError } from '#shared/kpi/errors';
import { rollUpCells } from '#shared/kpi/rollup';
import { monthsCovering } from '#shared/kpi/spend';

export interface DynamoDbAggregateStoreOptions {
  client: DynamoDBDocumentClient;
  tableName: string;
}

/** BatchWriteItem accepts at most 25 requests per call. */
const BATCH_SIZE = 25;
const MAX_BATCH_ATTEMPTS = 8;
/**
 * Upper bound of the encoded cells of one item, below DynamoDB's 400 KB item limit with room for the key and
 * the other attributes. A block above it is split into chunks of consecutive cells.
 */
const MAX_BLOCK_BYTES = 350_000;
/** Chunks of one day or month; far more than 30 sites need (a day of 1,500 cells encodes to about 20 KB). */
const MAX_CHUNKS = 99;
const ROLLUP_GRAINS: readonly RollupGrain[] = ['month', 'day-site'];

/**
 * Items written before the columnar encoding hold cells as tuples under `cells`:
 * `[siteId, source, channel, campaignId, category, ...measures, businessHistogram, rawHistogram]` with the
 * 19 measures of that time, or `[siteId, source, channel, campaignId, category, leads]` under sk `DAY#<date>`
 * from before lifecycle KPIs. They read as cells with no salesperson and the later measures at zero.
 */
const LEGACY_MEASURES = CELL_MEASURES.slice(0, 19);
const keyTupleSchema = z.tuple([z.string(), z.string(), z.string(), z.string(), z.string()]);
const leadsOnlyTupleSchema = z.tuple([...keyTupleSchema.def.items, z.number()]);
const tupleSchema = z.tuple([
  ...keyTupleSchema.def.items,
  ...LEGACY_MEASURES.map(() => z.number()),
  z.array(z.number()),
  z.array(z.number()),
]);

const itemSchema = z.object({
  sk: z.string(),
  date: z.string().optional(),
  basis: z.enum(KPI_BASES).default('cohort'),
  header: z.string().optional(),
  body: z.instanceof(Uint8Array).optional(),
  cells: z.array(z.union([tupleSchema, leadsOnlyTupleSchema])).optional(),
});
type StoredItem = z.infer<typeof itemSchema>;

const keys = {
  pk: (tenantId: string) => `AGG#${tenantId}`,
  /** Prefix of a day's items of every basis; the items written before chunks and bases have it as their sk. */
  day: (date: string) => `DAY#${date}`,
  dayChunk: (date: string, basis: KpiBasis, chunk: number) => `DAY#${date}#${basis}#${chunkSuffix(chunk)}`,
  rollup: (grain: RollupGrain, basis: KpiBasis, month: string) => `ROLLUP#${grain}#${basis}#${month}`,
  rollupChunk: (grain: RollupGrain, basis: KpiBasis, month: string, chunk: number) =>
    `ROLLUP#${grain}#${basis}#${month}#${chunkSuffix(chunk)}`,
};

function chunkSuffix(chunk: number): string {
  return String(chunk).padStart(2, '0');
}

type WriteRequest = NonNullable<BatchWriteCommandInput['RequestItems']>[string][number];

/**
 * Stores each day's cells per basis (sk `DAY#<yyyy-mm-dd>#<basis>#<chunk>`) and, for each month a run
 * touches, two rollups per basis (sk `ROLLUP#<grain>#<basis>#<yyyy-mm>#<chunk>`): `month` sums each cell key
 * over the month, `day-site` sums each day and site over the other keys. Cells are encoded by
 * `encodeCells`, and a block larger than 350 KB is split into chunks.
 *
 * NOTE: `replaceDays` is atomic per item, not per range. A failure part-way leaves some days or rollups from
 * the new run and the rest from the previous one. Every item records its `runId`, and the next successful
 * run rewrites the whole range and its months.
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

    const dayItems = days.flatMap((date) =>
      KPI_BASES.flatMap((basis) =>
        this.blockItems(tenantId, `${date} (${basis})`, cellsByDay.get(`${date}#${basis}`) ?? [], run, (chunk) => ({
          sk: keys.dayChunk(date, basis, chunk),
          date,
          basis,
        })),
      ),
    );
    const existingDays = await this.listKeys(tenantId, keys.day(from), `${keys.day(to)}#~`);
    await this.replaceItems(tenantId, dayItems, existingDays);

    // Rollups are rebuilt from the stored days of each whole month, including days outside the range.
    const months = monthsCovering(from, to);
    const monthCells = await this.readDays(tenantId, months.from, months.to);
    const rollupItems = ROLLUP_GRAINS.flatMap((grain) =>
      KPI_BASES.flatMap((basis) =>
        monthsOf(months.from, months.to).flatMap((month) => {
          const block = rollUpCells(
            grain,
            monthCells.filter((cell) => cell.basis === basis && cell.date.startsWith(month)),
          );
          return this.blockItems(tenantId, `${month} (${grain} ${basis})`, block, run, (chunk) => ({
            sk: keys.rollupChunk(grain, basis, month, chunk),
            month,
            basis,
          }));
        }),
      ),
    );
    const existingRollups = await this.listKeys(
      tenantId,
      'ROLLUP#',
      'ROLLUP#~',
      (sk) => sk.slice(-10, -3) >= months.from.slice(0, 7) && sk.slice(-10, -3) <= months.to.slice(0, 7),
    );
    await this.replaceItems(tenantId, rollupItems, existingRollups);
  }

  async readDays(tenantId: string, from: string, to: string): Promise<DailyCell[]> {
    const items = await this.queryItems(tenantId, keys.day(from), `${keys.day(to)}#~`);
    return items.flatMap((item) => cellsOfItem(item));
  }

  async readRollups(
    tenantId: string,
    basis: KpiBasis,
    grain: RollupGrain,
    fromMonth: string,
    toMonth: string,
  ): Promise<DailyCell[]> {
    const items = await this.queryItems(
      tenantId,
      keys.rollup(grain, basis, fromMonth),
      `${keys.rollup(grain, basis, toMonth)}#~`,
    );
    return items.flatMap((item) => cellsOfItem(item));
  }

  /** Items of one block of cells, split into as many chunks as the item size limit requires. */
  private blockItems(
    tenantId: string,
    what: string,
    cells: DailyCell[],
    run: AggregateRun,
    keyOf: (chunk: number) => Record<string, string>,
  ): Record<string, unknown>[] {
    const chunks = encodeInChunks(cells);
    if (chunks.length > MAX_CHUNKS) {
      throw new AggregatesWriteError(
        `Aggregates of tenant ${tenantId} for ${what} need ${chunks.length} items, at most ${MAX_CHUNKS} allowed`,
      );
    }
    return chunks.map((encoded, index) => ({
      pk: keys.pk(tenantId),
      ...keyOf(index + 1),
      tenantId,
      header: encoded.header,
      body: encoded.body,
      runId: run.runId,
      finishedAt: run.finishedAt,
    }));
  }

  /** Puts `items` and deletes every key of `existing` that none of them replaces. */
  private async replaceItems(tenantId: string, items: Record<string, unknown>[], existing: string[]): Promise<void> {
    const written = new Set(items.map((item) => item.sk as string));
    const requests: WriteRequest[] = [
      ...items.map((item) => ({ PutRequest: { Item: item } })),
      ...existing
        .filter((sk) => !written.has(sk))
        .map((sk) => ({ DeleteRequest: { Key: { pk: keys.pk(tenantId), sk } } })),
    ];
    for (let start = 0; start < requests.length; start += BATCH_SIZE) {
      await this.writeBatch(requests.slice(start, start + BATCH_SIZE));
    }
  }

  private async listKeys(
    tenantId: string,
    fromSk: string,
    toSk: string,
    keep: (sk: string) => boolean = () => true,
  ): Promise<string[]> {
    const found: string[] = [];
    let exclusiveStartKey: Record<string, unknown> | undefined;
    do {
      const page = await this.client.send(
        new QueryCommand({
          TableName: this.tableName,
          KeyConditionExpression: 'pk = :pk AND sk BETWEEN :from AND :to',
          ExpressionAttributeValues: { ':pk': keys.pk(tenantId), ':from': fromSk, ':to': toSk },
          ProjectionExpression: 'sk',
          ExclusiveStartKey: exclusiveStartKey,
        }),
      );
      for (const item of page.Items ?? []) {
        const sk = String(item.sk);
        if (keep(sk)) {
          found.push(sk);
        }
      }
      exclusiveStartKey = page.LastEvaluatedKey;
    } while (exclusiveStartKey);
    return found;
  }

  private async queryItems(tenantId: string, fromSk: string, toSk: string): Promise<StoredItem[]> {
    const items: StoredItem[] = [];
    let exclusiveStartKey: Record<string, unknown> | undefined;
    do {
      const page = await this.client.send(
        new QueryCommand({
          TableName: this.tableName,
          KeyConditionExpression: 'pk = :pk AND sk BETWEEN :from AND :to',
          // `~` sorts after the basis names and chunk numbers, so the upper bound includes every item of the last day or month.
          ExpressionAttributeValues: { ':pk': keys.pk(tenantId), ':from': fromSk, ':to': toSk },
          ExclusiveStartKey: exclusiveStartKey,
        }),
      );
      for (const item of page.Items ?? []) {
        items.push(itemSchema.parse(item));
      }
      exclusiveStartKey = page.LastEvaluatedKey;
    } while (exclusiveStartKey);
    return items;
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

/** Encodes cells as one block, or halves them until every chunk fits in an item. An empty list is one empty block. */
function encodeInChunks(cells: DailyCell[]): EncodedCells[] {
  const encoded = encodeCells(cells);
  if (encoded.body.byteLength + encoded.header.length <= MAX_BLOCK_BYTES || cells.length <= 1) {
    return [encoded];
  }
  const middle = Math.ceil(cells.length / 2);
  return [...encodeInChunks(cells.slice(0, middle)), ...encodeInChunks(cells.slice(middle))];
}

/** Months (`yyyy-mm`) from the month of `from` to the month of `to`. */
function monthsOf(from: string, to: string): string[] {
  const months: string[] = [];
  for (let month = from.slice(0, 7); month <= to.slice(0, 7); ) {
    months.push(month);
    const [year, monthNumber] = month.split('-').map(Number) as [number, number];
    month = monthNumber === 12 ? `${year + 1}-01` : `${year}-${String(monthNumber + 1).padStart(2, '0')}`;
  }
  return months;
}

function cellsOfItem(item: StoredItem): DailyCell[] {
  if (item.header !== undefined && item.body !== undefined) {
    return decodeCells(item.basis, { header: item.header, body: item.body });
  }
  if (item.date === undefined) {
    throw new Error(`Aggregates item ${item.sk} has neither encoded cells nor a date`);
  }
  const date = item.date;
  return (item.cells ?? []).map((tuple) => cellFromTuple(date, item.basis, tuple));
}

function cellFromTuple(
  date: string,
  basis: KpiBasis,
  tuple: z.infer<typeof tupleSchema> | z.infer<typeof leadsOnlyTupleSchema>,
): DailyCell {
  const [siteId, source, channel, campaignId, category] = tuple;
  const key = { basis, date, siteId, source, channel, campaignId, category, salespersonId: '' };
  if (tuple.length === leadsOnlyTupleSchema.def.items.length) {
    return { ...key, ...emptyMeasures(), leads: tuple[5] as number, ttfcBusinessHistogram: [], ttfcRawHistogram: [] };
  }
  const values = tuple.slice(5) as unknown[];
  const measures = emptyMeasures();
  LEGACY_MEASURES.forEach((measure, index) => {
    measures[measure] = values[index] as number;
  });
  return {
    ...key,
    ...measures,
    ttfcBusinessHistogram: unflatten(values[LEGACY_MEASURES.length] as number[]),
    ttfcRawHistogram: unflatten(values[LEGACY_MEASURES.length + 1] as number[]),
  };
}

function unflatten(values: number[]): MinuteHistogram {
  const histogram: MinuteHistogram = [];
  for (let index = 0; index + 1 < values.length; index += 2) {
    histogram.push([values[index] as number, values[index + 1] as number]);
  }
  return histogram;
}
