import { describe, expect, it } from 'vitest';
import { ValidationError } from '#shared/errors';
import type { DailyCell } from '#shared/kpi/aggregates';
import { QueryCancelledError, QueryFailedError } from '#shared/kpi/errors';
import { defaultNightlyRange, type NightlyDeps, runNightly } from '#shared/kpi/nightly';
import type { QueryEngine, QueryRow } from '#shared/kpi/query-engine';
import { DAILY_ACTIVITY_SQL, DAILY_COHORT_SQL, DAILY_CONTACTS_SQL, TTFC_DISTRIBUTION_SQL } from '#shared/kpi/sql';
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

/** Returns `outcome` for the cohort query (or throws it) and `others` for the activity and distribution queries. */
class RecordingEngine implements QueryEngine {
  readonly calls: { sql: string; params: string[] }[] = [];
  constructor(
    private readonly outcome: QueryRow[] | Error,
    private readonly others: { activity?: QueryRow[]; contacts?: QueryRow[]; distribution?: QueryRow[] } = {},
  ) {}

  async query(sql: string, params: string[]): Promise<QueryRow[]> {
    this.calls.push({ sql, params });
    if (this.outcome instanceof Error) {
      throw this.outcome;
    }
    if (sql === DAILY_ACTIVITY_SQL) {
      return this.others.activity ?? [];
    }
    if (sql === DAILY_CONTACTS_SQL) {
      return this.others.contacts ?? [];
    }
    return sql === TTFC_DISTRIBUTION_SQL ? (this.others.distribution ?? []) : this.outcome;
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

const rowFactory = (overrides: Partial<QueryRow> = {}): QueryRow => ({
  basis: 'cohort',
  local_date: '2026-10-25',
  site_id: 'amiens-nord',
  source: 'google-ads',
  channel: 'lead-form',
  campaign_id: 'cmp-1',
  category: 'VN',
  salesperson_id: '',
  ...Object.fromEntries(MEASURE_COLUMNS.map((column) => [column, 0])),
  leads: 2,
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
    expect(engine.calls).toEqual([
      {
        sql: DAILY_COHORT_SQL,
        params: ['demo', '2026-09-24', 'demo', '2026-09-24', '2026-10-26', '2026-10-25', '2026-10-26'],
      },
      { sql: DAILY_ACTIVITY_SQL, params: ['demo', '2026-09-24', '2026-10-25', '2026-10-26'] },
      // 2026-10-25 is day 20,751 since 1970-01-01.
      { sql: DAILY_CONTACTS_SQL, params: ['demo', '2026-09-24', 'demo', '2026-09-24', '20751', '20752'] },
      { sql: TTFC_DISTRIBUTION_SQL, params: ['demo', '2026-09-24', '2026-10-25', '2026-10-26'] },
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
    const engine = new RecordingEngine([rowFactory({ handled: 2, ttfc_business_count: 2, ttfc_raw_count: 2 })], {
      activity: [rowFactory({ basis: 'activity', leads: 0, sales: 1 })],
      distribution: [
        { ...rowFactory(), measure: 'business', minutes: 5, leads: 1 },
        { ...rowFactory(), measure: 'business', minutes: 30, leads: 1 },
        { ...rowFactory(), measure: 'raw', minutes: 2_310, leads: 2 },
      ],
    });
    const aggregates = new MemoryAggregateStore();

    await runNightly(depsWith(engine, aggregates), { tenantId: 'demo', from: '2026-10-25', to: '2026-10-25' });

    expect(await aggregates.readDays('demo', '2026-10-25', '2026-10-25')).toEqual([
      {
        ...previousCell,
        leads: 2,
        handled: 2,
        ttfcBusinessCount: 2,
        ttfcRawCount: 2,
        ttfcBusinessHistogram: [
          [5, 1],
          [30, 1],
        ],
        ttfcRawHistogram: [[2_310, 2]],
      },
      { ...previousCell, basis: 'activity', leads: 0, sales: 1 },
    ]);
  });

  it('adds contacts by channel to the activity cell of their UTC day and salesperson', async () => {
    const contactRow = (overrides: Partial<QueryRow>): QueryRow => {
      const { local_date: _date, ...key } = rowFactory({ basis: 'activity' });
      return { ...key, utc_day: 20_751, calls: 0, emails: 0, sms_messages: 0, visits: 0, ...overrides };
    };
    const engine = new RecordingEngine([], {
      activity: [rowFactory({ basis: 'activity', salesperson_id: 's-1', leads: 1 })],
      contacts: [
        contactRow({ salesperson_id: 's-1', calls: 2, sms_messages: 1 }),
        contactRow({ salesperson_id: 's-2', utc_day: 20_752, emails: 1, visits: 1 }),
      ],
    });
    const aggregates = new MemoryAggregateStore();

    await runNightly(depsWith(engine, aggregates), { tenantId: 'demo', from: '2026-10-25', to: '2026-10-26' });

    expect(await aggregates.readDays('demo', '2026-10-25', '2026-10-26')).toEqual([
      { ...previousCell, basis: 'activity', salespersonId: 's-1', leads: 1, calls: 2, smsMessages: 1 },
      { ...previousCell, basis: 'activity', date: '2026-10-26', salespersonId: 's-2', leads: 0, emails: 1, visits: 1 },
    ]);
  });

  it('rejects a distribution row without a matching cell', async () => {
    const engine = new RecordingEngine([], {
      distribution: [{ ...rowFactory(), measure: 'raw', minutes: 10, leads: 1 }],
    });

    await expect(
      runNightly(depsWith(engine), { tenantId: 'demo', from: '2026-10-25', to: '2026-10-25' }),
    ).rejects.toBeInstanceOf(QueryFailedError);
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
