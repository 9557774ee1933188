/** In-memory spend store for KPI tests. */
import type { SpendRow, SpendStore } from '#shared/kpi/spend';

export class MemorySpendStore implements SpendStore {
  /** Rows by `<tenantId>/<yyyy-mm>`. */
  readonly months = new Map<string, SpendRow[]>();

  async replaceMonths(tenantId: string, rowsByMonth: Map<string, SpendRow[]>): Promise<void> {
    for (const [month, rows] of rowsByMonth) {
      this.months.set(`${tenantId}/${month}`, rows);
    }
  }

  async readMonths(tenantId: string, fromMonth: string, toMonth: string): Promise<SpendRow[]> {
    return [...this.months]
      .filter(([key]) => key.startsWith(`${tenantId}/`))
      .filter(([key]) => key.slice(-7) >= fromMonth && key.slice(-7) <= toMonth)
      .flatMap(([, rows]) => rows);
  }
}
