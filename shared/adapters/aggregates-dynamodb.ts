/**
 * Aggregate store on the DynamoDB aggregates table: per tenant, the blocks of KPI cells of each day, month and
 * daily series at every stored grain (shared/kpi/blocks.ts), so that a report reads only small blocks.
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
  type DailyCell,
  KPI_BASES,
  type KpiBasis,
} from '#shared/kpi/aggregates';
import { type BlockRequest, blocksOfMonth, FULL_GRAIN, type StoredBlock } from '#shared/kpi/blocks';
import { decodeTable, type EncodedCells, encodeTable } from '#shared/kpi/cell-codec';
import { type CellTable, cellsOfTable, concatTables, selectTableRows, tableOfCells } from '#shared/kpi/cell-table';
import { eachDay } from '#shared/kpi/dates';
import { AggregatesWriteError } from '#shared/kpi/errors';
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

const itemSchema = z.object({
  sk: z.string(),
  header: z.string(),
  body: z.instanceof(Uint8Array),
});
type StoredItem = z.infer<typeof itemSchema>;

/** BatchWriteItem calls in flight at once while a run publishes. */
const CONCURRENT_BATCHES = 8;

const LEVEL_PREFIX = { day: 'D', month: 'M', series: 'S' } as const;

const keys = {
  pk: (tenantId: string) => `AGG#${tenantId}`,
  /**
   * Sort key of a block's items without the chunk number: `D#<basis>#<grain>#<date>` for a day,
   * `M#<basis>#<grain>#<month>` for a month, `S#<basis>#<grain>#<month>` for a series, and
   * `S#<basis>#<dimension>=<value>#<month>` for the series of one value (the value URI-encoded, so it has no `#`).
   * A grain's periods are contiguous, so one query reads a range of them.
   */
  block: (level: StoredBlock['level'], basis: KpiBasis, grain: string, period: string, value?: string) =>
    `${LEVEL_PREFIX[level]}#${basis}#${value === undefined ? grain : `${grain}=${encodeURIComponent(value)}`}#${period}`,
};

function chunkSuffix(chunk: number): string {
  return String(chunk).padStart(2, '0');
}

type WriteRequest = NonNullable<BatchWriteCommandInput['RequestItems']>[string][number];

/**
 * Stores the blocks of `blocksOfMonth` as items, one per block, or several chunks (`#01`, `#02`, ...) when a
 * block encodes to more than 350 KB. A run replaces the day blocks of its days, and the month and series blocks
 * of every month it touches, which it recomputes from the stored full cells of the month's other days.
 *
 * NOTE: `replaceDays` is atomic per item, not per range. A failure part-way leaves some blocks from the new run
 * and the rest from the previous one. Every item records its `runId`, and the next successful run rewrites the
 * whole range and its months. Items of the layout before grains (sort keys `DAY#` and `ROLLUP#`) are neither read
 * nor deleted, so a nightly run over the retained range must rebuild the figures in this layout.
 */
export class DynamoDbAggregateStore implements AggregateStore {
  private readonly client: DynamoDBDocumentClient;
  private readonly tableName: string;

  constructor(options: DynamoDbAggregateStoreOptions) {
    this.client = options.client;
    this.tableName = options.tableName;
  }

  async replaceDays(tenantId: string, from: string, to: string, cells: DailyCell[], run: AggregateRun): Promise<void> {
    const days = new Set(eachDay(from, to));
    const cellsByMonth = new Map<string, DailyCell[]>();
    for (const cell of cells) {
      if (!days.has(cell.date)) {
        throw new RangeError(`Cell date ${cell.date} is outside the replaced range ${from}..${to}`);
      }
      const month = cell.date.slice(0, 7);
      const monthCells = cellsByMonth.get(month) ?? [];
      monthCells.push(cell);
      cellsByMonth.set(month, monthCells);
    }

    const months = monthsCovering(from, to);
    const existing = await this.listKeys(tenantId);
    const written = new Set<string>();
    // One month's writes run while the next month's blocks are computed; at most one month waits in memory.
    let writing: Promise<void> = Promise.resolve();
    for (const month of monthsOf(months.from, months.to)) {
      // Month and series blocks sum the whole month, so the stored days outside the range are read back.
      const monthDays = eachDay(`${month}-01`, monthsCovering(`${month}-01`, `${month}-01`).to);
      const outside = monthDays.filter((day) => !days.has(day));
      const stored = outside.length === 0 ? [] : await this.readFullDays(tenantId, outside);
      const monthCells = cellsByMonth.get(month) ?? [];
      const items = KPI_BASES.flatMap((basis) => {
        const table = concatTables(basis, [
          tableOfCells(
            basis,
            monthCells.filter((cell) => cell.basis === basis),
          ),
          ...stored.filter((storedTable) => storedTable.basis === basis),
        ]);
        return blocksOfMonth(month, table, days).flatMap((block) => this.blockItems(tenantId, block, run));
      });
      for (const item of items) {
        written.add(item.sk as string);
      }
      await writing;
      writing = this.writeRequests(items.map((item) => ({ PutRequest: { Item: item } })));
      // Marks a failure as handled until the next `await writing` rethrows it, so it never goes unhandled.
      writing.catch(() => undefined);
    }
    await writing;

    const stale = existing.filter((sk) => !written.has(sk) && isReplaced(sk, days, months.from, months.to));
    await this.writeRequests(stale.map((sk) => ({ DeleteRequest: { Key: { pk: keys.pk(tenantId), sk } } })));
  }

  async readDays(tenantId: string, from: string, to: string): Promise<DailyCell[]> {
    const [activity, cohort] = await Promise.all(
      (['activity', 'cohort'] as const).map((basis) =>
        this.readBlocks(tenantId, { basis, level: 'day', grain: FULL_GRAIN, from, to }),
      ),
    );
    const cells = [...(activity ?? []), ...(cohort ?? [])].flatMap((table) => cellsOfTable(table));
    // Date first, then basis in name order, as the days were stored before bases had their own items.
    return cells.sort(
      (left, right) => compareStrings(left.date, right.date) || compareStrings(left.basis, right.basis),
    );
  }

  async readBlocks(tenantId: string, request: BlockRequest): Promise<CellTable[]> {
    const prefix = (period: string) => keys.block(request.level, request.basis, request.grain, period, request.value);
    const items = await this.queryItems(tenantId, prefix(request.from), `${prefix(request.to)}#~`);
    return items.map((item) => decodeTable(request.basis, { header: item.header, body: item.body }));
  }

  /** Reads the stored full cells of some days, as tables of each basis. */
  private async readFullDays(tenantId: string, days: readonly string[]): Promise<CellTable[]> {
    const wanted = new Set(days);
    // Dates as yyyy-mm-dd sort as strings.
    const sorted = [...days].sort();
    const from = sorted[0] as string;
    const to = sorted.at(-1) as string;
    const tables = await Promise.all(
      KPI_BASES.map(async (basis) => {
        const prefix = (period: string) => keys.block('day', basis, FULL_GRAIN, period);
        const items = await this.queryItems(tenantId, prefix(from), `${prefix(to)}#~`);
        return items
          .filter((item) => wanted.has(item.sk.split('#')[3] ?? ''))
          .map((item) => decodeTable(basis, { header: item.header, body: item.body }));
      }),
    );
    return tables.flat();
  }

  /** Items of one block, split into as many chunks as the item size limit requires. */
  private blockItems(tenantId: string, block: StoredBlock, run: AggregateRun): Record<string, unknown>[] {
    const chunks = encodeInChunks(block.table);
    if (chunks.length > MAX_CHUNKS) {
      throw new AggregatesWriteError(
        `Aggregates of tenant ${tenantId} for ${block.level} ${block.period} (${block.grain} ${block.basis}) need ${chunks.length} items, at most ${MAX_CHUNKS} allowed`,
      );
    }
    const sk = keys.block(block.level, block.basis, block.grain, block.period, block.value);
    return chunks.map((encoded, index) => ({
      pk: keys.pk(tenantId),
      sk: `${sk}#${chunkSuffix(index + 1)}`,
      tenantId,
      header: encoded.header,
      body: encoded.body,
      runId: run.runId,
      finishedAt: run.finishedAt,
    }));
  }

  /** Sends write requests in batches of 25, several batches at a time. */
  private async writeRequests(requests: WriteRequest[]): Promise<void> {
    const batches: WriteRequest[][] = [];
    for (let start = 0; start < requests.length; start += BATCH_SIZE) {
      batches.push(requests.slice(start, start + BATCH_SIZE));
    }
    let next = 0;
    const worker = async () => {
      while (next < batches.length) {
        const batch = batches[next] as WriteRequest[];
        next += 1;
        await this.writeBatch(batch);
      }
    };
    await Promise.all(Array.from({ length: Math.min(CONCURRENT_BATCHES, batches.length) }, worker));
  }

  /** Lists every sort key of the tenant's aggregates. */
  private async listKeys(tenantId: string): Promise<string[]> {
    const found: string[] = [];
    let exclusiveStartKey: Record<string, unknown> | undefined;
    do {
      const page = await this.client.send(
        new QueryCommand({
          TableName: this.tableName,
          KeyConditionExpression: 'pk = :pk',
          ExpressionAttributeValues: { ':pk': keys.pk(tenantId) },
          ProjectionExpression: 'sk',
          ExclusiveStartKey: exclusiveStartKey,
        }),
      );
      for (const item of page.Items ?? []) {
        found.push(String(item.sk));
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
          // `~` sorts after the chunk numbers, so the upper bound includes every item of the last period.
          ExpressionAttributeValues: { ':pk': keys.pk(tenantId), ':from': fromSk, ':to': toSk },
          ProjectionExpression: 'sk, header, body',
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

/**
 * Checks whether a stored item belongs to what a run replaces: a day block of one of its days, or a month or series
 * block of one of its months. Items of the layout before grains do not match.
 */
function isReplaced(sk: string, days: ReadonlySet<string>, fromMonth: string, toMonth: string): boolean {
  const parts = sk.split('#');
  if (parts.length !== 5) {
    return false;
  }
  const [level, , , period = ''] = parts;
  if (level === LEVEL_PREFIX.day) {
    return days.has(period);
  }
  if (level === LEVEL_PREFIX.month || level === LEVEL_PREFIX.series) {
    return period >= fromMonth.slice(0, 7) && period <= toMonth.slice(0, 7);
  }
  return false;
}

function compareStrings(left: string, right: string): number {
  if (left < right) {
    return -1;
  }
  return left > right ? 1 : 0;
}

/** Encodes a table as one block, or halves it until every chunk fits in an item. An empty table is one block. */
function encodeInChunks(table: CellTable): EncodedCells[] {
  const encoded = encodeTable(table);
  if (encoded.body.byteLength + encoded.header.length <= MAX_BLOCK_BYTES || table.rows <= 1) {
    return [encoded];
  }
  const middle = Math.ceil(table.rows / 2);
  const rows = Array.from({ length: table.rows }, (_, row) => row);
  return [
    ...encodeInChunks(selectTableRows(table, rows.slice(0, middle))),
    ...encodeInChunks(selectTableRows(table, rows.slice(middle))),
  ];
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
