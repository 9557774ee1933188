/** In-memory target store for KPI tests. */
import type { TargetRow, TargetStore } from '#shared/kpi/targets';

export class MemoryTargetStore implements TargetStore {
  /** Rows by `<tenantId>/<yyyy-mm>`. */
  readonly months = new Map<string, TargetRow[]>();

  async replaceMonths(tenantId: string, rowsByMonth: Map<string, TargetRow[]>): Promise<void> {
    for (const [month, rows] of rowsByMonth) {
      this.months.set(`${tenantId}/${month}`, rows);
    }
  }

  async readMonths(tenantId: string, fromMonth: string, toMonth: string): Promise<TargetRow[]> {
    return [...this.months]
      .filter(([key]) => key.startsWith(`${tenantId}/`) && key.slice(-7) >= fromMonth && key.slice(-7) <= toMonth)
      .flatMap(([, rows]) => rows);
  }
}
