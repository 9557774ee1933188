/**
 * Figure 3: the nightly KPI job over a compacted lake of about 100,000 leads. Times the daily-leads query
 * through `DuckDbQueryEngine` alone, then `runNightly` end to end (listing partitions to compact, the query,
 * and publishing the cells to the aggregates table on DynamoDB Local).
 */
import { DynamoDbAggregateStore } from '#shared/adapters/aggregates-dynamodb';
import { DuckDbQueryEngine } from '#shared/adapters/query-engine-duckdb';
import { addDays } from '#shared/kpi/dates';
import { runNightly } from '#shared/kpi/nightly';
import { DAILY_LEADS_SQL } from '#shared/kpi/sql';
import { systemClock } from '#shared/ports/clock';
import { assertSameCells, cellsFromRows, totalLeads } from './cells';
import { BENCH_TENANT } from './dataset';
import type { BenchEnvironment } from './environment';
import type { CompactedLake } from './lake';
import type { Figure } from './results';
import { median, round, timed } from './stats';

export interface KpiRange {
  from: string;
  to: string;
}

export async function benchNightly(
  env: BenchEnvironment,
  lake: CompactedLake,
  range: KpiRange,
  expected: ReadonlyMap<string, number>,
  runs: number,
): Promise<Figure[]> {
  const engine = new DuckDbQueryEngine({ lakeRoot: lake.root });
  const params = [BENCH_TENANT, addDays(range.from, -1), range.from, range.to];

  const querySeconds: number[] = [];
  for (let run = 0; run < runs; run += 1) {
    const { result: rows, ms } = await timed(() => engine.query(DAILY_LEADS_SQL, params));
    assertSameCells('DuckDbQueryEngine result', cellsFromRows(rows), expected);
    querySeconds.push(ms / 1000);
  }

  const aggregates = new DynamoDbAggregateStore({ client: env.documentClient, tableName: env.aggregatesTable });
  const deps = { engine, aggregates, lake: lake.store, clock: systemClock };
  const nightlySeconds: number[] = [];
  let publishedCells = 0;
  for (let run = 0; run < runs; run += 1) {
    const { result, ms } = await timed(() => runNightly(deps, { tenantId: BENCH_TENANT, ...range }));
    if (result.leads !== totalLeads(expected) || result.failedCompactions > 0) {
      throw new Error(
        `runNightly counted ${result.leads} leads with ${result.failedCompactions} failed compactions; ` +
          `expected ${totalLeads(expected)} leads`,
      );
    }
    nightlySeconds.push(ms / 1000);
    publishedCells = result.cells;
  }
  // Cohort cells date leads by their local date, as DAILY_LEADS_SQL does; activity cells date lead events.
  const stored = (await aggregates.readDays(BENCH_TENANT, range.from, range.to)).filter(
    (cell) => cell.basis === 'cohort' && cell.leads > 0,
  );
  const storedCells = new Map(
    stored.map((cell) => [
      [cell.date, cell.siteId, cell.source, cell.channel, cell.campaignId, cell.category].join('|'),
      cell.leads,
    ]),
  );
  assertSameCells('Cohort cells stored by runNightly', storedCells, expected);

  return [
    {
      key: 'nightlyQuerySecondsMedian',
      label: `DuckDbQueryEngine.query(DAILY_LEADS_SQL), median of ${runs}`,
      value: round(median(querySeconds), 3),
      unit: 's',
    },
    {
      key: 'nightlyRunSecondsMedian',
      label: `runNightly end to end, median of ${runs}`,
      value: round(median(nightlySeconds), 3),
      unit: 's',
    },
    { key: 'nightlyLakeRows', label: 'Lake rows (lead changes)', value: lake.rows, unit: 'rows' },
    { key: 'nightlyLakePartitions', label: 'Daily partitions', value: lake.keysByDt.size, unit: 'partitions' },
    { key: 'nightlyKpiCells', label: 'KPI cells published (all bases)', value: publishedCells, unit: 'cells' },
    { key: 'nightlyKpiLeads', label: 'Leads counted', value: totalLeads(expected), unit: 'leads' },
  ];
}
