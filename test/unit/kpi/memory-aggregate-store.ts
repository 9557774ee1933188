/** In-memory aggregate store for tests of the nightly job and of KPI reads. */
import type { AggregateRun, AggregateStore, DailyCell } from '#shared/kpi/aggregates';
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
}
