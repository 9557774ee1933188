/** In-memory aggregate store for tests of the nightly job and of KPI reads. */
import type { AggregateRun, AggregateStore, DailyCell } from '#shared/kpi/aggregates';
import { type BlockRequest, blockMatches, blocksOfMonth } from '#shared/kpi/blocks';
import { type CellTable, tableOfCells } from '#shared/kpi/cell-table';
import { eachDay } from '#shared/kpi/dates';

export class MemoryAggregateStore implements AggregateStore {
  /** Cells by `<tenantId>/<date>`; a stored day with no cell is an empty array. */
  readonly days = new Map<string, DailyCell[]>();
  readonly runs: AggregateRun[] = [];

  async replaceDays(tenantId: string, from: string, to: string, cells: DailyCell[], run: AggregateRun): Promise<void> {
    for (const day of eachDay(from, to)) {
      this.days.set(
        `${tenantId}/${day}`,
        cells.filter((cell) => cell.date === day),
      );
    }
    this.runs.push(run);
  }

  async readDays(tenantId: string, from: string, to: string): Promise<DailyCell[]> {
    return eachDay(from, to).flatMap((day) => this.days.get(`${tenantId}/${day}`) ?? []);
  }

  /** Builds the blocks from the stored days on each read, as the DynamoDB store does on each write. */
  async readBlocks(tenantId: string, request: BlockRequest): Promise<CellTable[]> {
    const cellsByMonth = new Map<string, DailyCell[]>();
    for (const [key, dayCells] of this.days) {
      const [cellTenant, date = ''] = key.split('/');
      if (cellTenant !== tenantId) {
        continue;
      }
      const month = date.slice(0, 7);
      cellsByMonth.set(month, [
        ...(cellsByMonth.get(month) ?? []),
        ...dayCells.filter((cell) => cell.basis === request.basis),
      ]);
    }
    const days = new Set([...this.days.keys()].map((key) => key.split('/')[1] ?? ''));
    return [...cellsByMonth]
      .sort(([left], [right]) => (left < right ? -1 : 1))
      .flatMap(([month, cells]) => blocksOfMonth(month, tableOfCells(request.basis, cells), days))
      .filter((block) => blockMatches(block, request))
      .sort((left, right) => comparePeriods(left.period, right.period))
      .map((block) => block.table);
  }
}

function comparePeriods(left: string, right: string): number {
  if (left === right) {
    return 0;
  }
  return left < right ? -1 : 1;
}
