import { describe, expect, it } from 'vitest';
import { ValidationError } from '#shared/errors';
import type { DailyCell } from '#shared/kpi/aggregates';
import { QueryCancelledError, QueryFailedError } from '#shared/kpi/errors';
import { defaultNightlyRange, type NightlyDeps, runNightly } from '#shared/kpi/nightly';
import { columnsOfRows, type QueryColumns, type QueryEngine, type QueryRow } from '#shared/kpi/query-engine';
import { NIGHTLY_KPI_SQL } from '#shared/kpi/sql';
import type { ObjectStore } from '#shared/ports/object-store';
import { aDailyCell } from '#test/unit/kpi/cells';
import { MemoryAggregateStore } from '#test/unit/kpi/memory-aggregate-store';

const emptyLake: ObjectStore = {
  put: async () => {},
  get: async () => undefined,
  list: async () => [],
  delete: async () => {},
  locationOf: (key) => `/lake/${key}`,
};

/** Returns `outcome` for the nightly query, or throws it, and records each call. */
class RecordingEngine implements QueryEngine {
  readonly calls: { sql: string; params: string[] }[] = [];
  constructor(private readonly outcome: QueryRow[] | Error) {}

  async query(sql: string, params: string[]): Promise<QueryRow[]> {
    this.calls.push({ sql, params });
    if (this.outcome instanceof Error) {
      throw this.outcome;
    }
    return this.outcome;
  }

  async queryColumns(sql: string, params: string[]): Promise<QueryColumns> {
    return columnsOfRows(await this.query(sql, params));
  }
}

const MEASURE_COLUMNS = [
  'leads',
  'prospects',
  'contacted',
  'handled',
  'handled_in_time',
  'ttfc_business_count',
  'ttfc_business_sum',
  'ttfc_raw_count',
  'ttfc_raw_sum',
  'appointments',
  'appointments_due',
  'shows',
  'test_drives',
  'offers',
  'sales',
  'sales_within_30_days',
  'sales_within_90_days',
  'revenue_cents',
  'gross_margin_cents',
  'calls',
  'emails',
  'sms_messages',
  'visits',
];

const CELL_KEY = {
  site_id: 'amiens-nord',
  source: 'google-ads',
  channel: 'lead-form',
  campaign_id: 'cmp-1',
  category: 'VN',
  salesperson_id: '',
};

const rowFactory = (overrides: Partial<QueryRow> = {}): QueryRow => ({
  row_type: 'cell',
  basis: 'cohort',
  local_date: '2026-10-25',
  ...CELL_KEY,
  ...Object.fromEntries(MEASURE_COLUMNS.map((column) => [column, 0])),
  leads: 2,
  ...overrides,
});

const contactRowFactory = (overrides: Partial<QueryRow>): QueryRow => ({
  row_type: 'contacts',
  basis: 'activity',
  utc_day: 20_751,
  ...CELL_KEY,
  calls: 0,
  emails: 0,
  sms_messages: 0,
  visits: 0,
  ...overrides,
});

const waitRowFactory = (overrides: Partial<QueryRow>): QueryRow => ({
  row_type: 'waits',
  local_date: '2026-10-25',
  activity_date: null,
  ...CELL_KEY,
  ttfc_business_min: null,
  ttfc_raw_min: null,
  leads: 1,
  ...overrides,
});

const previousCell: DailyCell = aDailyCell({ date: '2026-10-25', leads: 7 });

const clock = () => new Date('2026-10-27T01:00:00.000Z');

const depsWith = (engine: QueryEngine, aggregates = new MemoryAggregateStore()): NightlyDeps => ({
  engine,
  aggregates,
  lake: emptyLake,
  clock,
});

describe('runNightly', () => {
  it('queries from the day before the range and replaces the cells', async () => {
    const engine = new RecordingEngine([
      rowFactory(),
      rowFactory({ site_id: 'unassigned', campaign_id: '', leads: 1 }),
    ]);
    const aggregates = new MemoryAggregateStore();

    const result = await runNightly(depsWith(engine, aggregates), {
      tenantId: 'demo',
      from: '2026-10-25',
      to: '2026-10-26',
    });

    // Partitions from 31 days before the range; appointments up to yesterday in Paris are due.
    // 2026-10-25 is day 20,751 since 1970-01-01.
    expect(engine.calls).toEqual([
      {
        sql: NIGHTLY_KPI_SQL,
        params: [
          ...['demo', '2026-09-24', 'demo', '2026-09-24'],
          '2026-10-26',
          ...['2026-10-25', '2026-10-26'],
          ...['2026-10-25', '2026-10-26'],
          ...['20751', '20752'],
          ...['2026-10-25', '2026-10-26', '2026-10-25', '2026-10-26'],
        ],
      },
    ]);
    expect(await aggregates.readDays('demo', '2026-10-25', '2026-10-26')).toEqual([
      { ...previousCell, leads: 2 },
      { ...previousCell, siteId: 'unassigned', campaignId: '', leads: 1 },
    ]);
    expect(aggregates.days.get('demo/2026-10-26')).toEqual([]);
    expect(result).toEqual({
      tenantId: 'demo',
      from: '2026-10-25',
      to: '2026-10-26',
      runId: expect.any(String),
      cells: 2,
      leads: 3,
      compactedPartitions: 0,
      failedCompactions: 0,
      durationsMs: { compaction: 0, query: 0, publish: 0, total: 0 },
    });
    expect(aggregates.runs).toEqual([{ runId: result.runId, finishedAt: '2026-10-27T01:00:00.000Z' }]);
  });

  it('attaches wait distributions to their cells and keeps the activity cells apart', async () => {
    const engine = new RecordingEngine([
      rowFactory({ handled: 2, ttfc_business_count: 2, ttfc_raw_count: 2 }),
      rowFactory({ basis: 'activity', leads: 0, sales: 1 }),
      waitRowFactory({ ttfc_business_min: 30, ttfc_raw_min: 2_310 }),
      waitRowFactory({ ttfc_business_min: 5, ttfc_raw_min: 2_310, activity_date: '2026-10-25' }),
      // A wait whose activity day falls after the range counts in its cohort cell only.
      waitRowFactory({ ttfc_business_min: 5, activity_date: '2026-10-26' }),
    ]);
    const aggregates = new MemoryAggregateStore();

    await runNightly(depsWith(engine, aggregates), { tenantId: 'demo', from: '2026-10-25', to: '2026-10-25' });

    expect(await aggregates.readDays('demo', '2026-10-25', '2026-10-25')).toEqual([
      {
        ...previousCell,
        basis: 'activity',
        leads: 0,
        sales: 1,
        ttfcBusinessHistogram: [[5, 1]],
        ttfcRawHistogram: [[2_310, 1]],
      },
      {
        ...previousCell,
        leads: 2,
        handled: 2,
        ttfcBusinessCount: 2,
        ttfcRawCount: 2,
        ttfcBusinessHistogram: [
          [5, 2],
          [30, 1],
        ],
        ttfcRawHistogram: [[2_310, 2]],
      },
    ]);
  });

  it('adds contacts by channel to the activity cell of their UTC day and salesperson', async () => {
    const engine = new RecordingEngine([
      rowFactory({ basis: 'activity', salesperson_id: 's-1', leads: 1 }),
      contactRowFactory({ salesperson_id: 's-1', calls: 2, sms_messages: 1 }),
      contactRowFactory({ salesperson_id: 's-2', utc_day: 20_752, emails: 1, visits: 1 }),
    ]);
    const aggregates = new MemoryAggregateStore();

    await runNightly(depsWith(engine, aggregates), { tenantId: 'demo', from: '2026-10-25', to: '2026-10-26' });

    expect(await aggregates.readDays('demo', '2026-10-25', '2026-10-26')).toEqual([
      { ...previousCell, basis: 'activity', salespersonId: 's-1', leads: 1, calls: 2, smsMessages: 1 },
      { ...previousCell, basis: 'activity', date: '2026-10-26', salespersonId: 's-2', leads: 0, emails: 1, visits: 1 },
    ]);
  });

  it('rejects a wait row without a matching cell', async () => {
    const engine = new RecordingEngine([waitRowFactory({ ttfc_raw_min: 10 })]);

    await expect(
      runNightly(depsWith(engine), { tenantId: 'demo', from: '2026-10-25', to: '2026-10-25' }),
    ).rejects.toBeInstanceOf(QueryFailedError);
  });

  it('rejects a row of an unknown type', async () => {
    const engine = new RecordingEngine([rowFactory({ row_type: 'totals' })]);

    await expect(
      runNightly(depsWith(engine), { tenantId: 'demo', from: '2026-10-25', to: '2026-10-25' }),
    ).rejects.toThrow('KPI query returned a row of unknown row_type "totals"');
  });

  it.each([
    ['failed', new QueryFailedError('engine fault')],
    ['cancelled', new QueryCancelledError('bytes scanned cutoff')],
  ])('keeps the previous aggregates when the query %s', async (_case, error) => {
    const aggregates = new MemoryAggregateStore();
    await aggregates.replaceDays('demo', '2026-10-25', '2026-10-25', [previousCell], {
      runId: 'previous',
      finishedAt: 'x',
    });

    await expect(
      runNightly(depsWith(new RecordingEngine(error), aggregates), {
        tenantId: 'demo',
        from: '2026-10-25',
        to: '2026-10-25',
      }),
    ).rejects.toBe(error);

    expect(await aggregates.readDays('demo', '2026-10-25', '2026-10-25')).toEqual([previousCell]);
    expect(aggregates.runs).toEqual([{ runId: 'previous', finishedAt: 'x' }]);
  });

  it('keeps the previous aggregates when a row has an unexpected shape', async () => {
    const aggregates = new MemoryAggregateStore();
    await aggregates.replaceDays('demo', '2026-10-25', '2026-10-25', [previousCell], {
      runId: 'previous',
      finishedAt: 'x',
    });
    const engine = new RecordingEngine([rowFactory({ leads: '2' })]);

    await expect(
      runNightly(depsWith(engine, aggregates), { tenantId: 'demo', from: '2026-10-25', to: '2026-10-25' }),
    ).rejects.toBeInstanceOf(QueryFailedError);

    expect(await aggregates.readDays('demo', '2026-10-25', '2026-10-25')).toEqual([previousCell]);
  });

  it.each([
    ['an invalid date', '2026-02-30', '2026-03-01'],
    ['a malformed date', '2026-1-01', '2026-03-01'],
    ['from after to', '2026-03-02', '2026-03-01'],
    ['a range over 400 days', '2025-01-01', '2026-02-05'],
  ])('rejects %s', async (_case, from, to) => {
    const engine = new RecordingEngine([]);

    await expect(runNightly(depsWith(engine), { tenantId: 'demo', from, to })).rejects.toBeInstanceOf(ValidationError);
    expect(engine.calls).toEqual([]);
  });

  it('accepts a range of exactly 400 days', async () => {
    const result = await runNightly(depsWith(new RecordingEngine([])), {
      tenantId: 'demo',
      from: '2025-01-01',
      to: '2026-02-04',
    });

    expect(result.cells).toBe(0);
  });
});

describe('defaultNightlyRange', () => {
  it('ends yesterday in Paris and spans 120 days', () => {
    // 23:30 UTC on 24 October is already 25 October in Paris (UTC+2 before the DST change).
    expect(defaultNightlyRange(() => new Date('2026-10-24T23:30:00Z'))).toEqual({
      from: '2026-06-27',
      to: '2026-10-24',
    });
  });

  it('follows the Paris date after the DST change', () => {
    // 23:30 UTC on 25 October is 00:30 on 26 October in Paris (UTC+1 after the DST change).
    expect(defaultNightlyRange(() => new Date('2026-10-25T23:30:00Z'))).toEqual({
      from: '2026-06-28',
      to: '2026-10-25',
    });
  });

  it('stays on the same Paris day before local midnight', () => {
    // 22:30 UTC on 26 October is 23:30 on 26 October in Paris (UTC+1).
    expect(defaultNightlyRange(() => new Date('2026-10-26T22:30:00Z'))).toEqual({
      from: '2026-06-28',
      to: '2026-10-25',
    });
  });
});
