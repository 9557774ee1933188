import { describe, expect, it } from 'vitest';
import { ValidationError } from '#shared/errors';
import type { DailyCell } from '#shared/kpi/aggregates';
import { QueryCancelledError, QueryFailedError } from '#shared/kpi/errors';
import { defaultNightlyRange, type NightlyDeps, runNightly } from '#shared/kpi/nightly';
import type { QueryEngine, QueryRow } from '#shared/kpi/query-engine';
import { DAILY_LEADS_SQL } from '#shared/kpi/sql';
import type { ObjectStore } from '#shared/ports/object-store';
import { MemoryAggregateStore } from '#test/unit/kpi/memory-aggregate-store';

const emptyLake: ObjectStore = {
  put: async () => {},
  get: async () => undefined,
  list: async () => [],
  delete: async () => {},
  locationOf: (key) => `/lake/${key}`,
};

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
}

const rowFactory = (overrides: Partial<QueryRow> = {}): QueryRow => ({
  local_date: '2026-10-25',
  site_id: 'amiens-nord',
  source: 'google-ads',
  channel: 'lead-form',
  campaign_id: 'cmp-1',
  category: 'VN',
  leads: 2,
  ...overrides,
});

const previousCell: DailyCell = {
  date: '2026-10-25',
  siteId: 'amiens-nord',
  source: 'google-ads',
  channel: 'lead-form',
  campaignId: 'cmp-1',
  category: 'VN',
  leads: 7,
};

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

    expect(engine.calls).toEqual([
      { sql: DAILY_LEADS_SQL, params: ['demo', '2026-10-24', '2026-10-25', '2026-10-26'] },
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
