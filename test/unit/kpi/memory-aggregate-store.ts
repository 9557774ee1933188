/** In-memory aggregate store for tests of the nightly job and of KPI reads. */
import type { AggregateRun, AggregateStore, DailyCell, KpiBasis, RollupGrain } from '#shared/kpi/aggregates';
import { eachDay } from '#shared/kpi/dates';
import { rollUpCells } from '#shared/kpi/rollup';

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

  /** Rolls up the stored days on each read, as the DynamoDB store does on each write. */
  async readRollups(
    tenantId: string,
    basis: KpiBasis,
    grain: RollupGrain,
    fromMonth: string,
    toMonth: string,
  ): Promise<DailyCell[]> {
    const cells = [...this.days]
      .filter(([key]) => {
        const [cellTenant, date = ''] = key.split('/');
        return cellTenant === tenantId && date.slice(0, 7) >= fromMonth && date.slice(0, 7) <= toMonth;
      })
      .flatMap(([, dayCells]) => dayCells.filter((cell) => cell.basis === basis));
    return rollUpCells(grain, cells);
  }
}
