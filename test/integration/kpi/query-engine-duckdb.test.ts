import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DuckDbQueryEngine } from '#shared/adapters/query-engine-duckdb';
import { QueryFailedError } from '#shared/kpi/errors';
import { DAILY_LEADS_SQL } from '#shared/kpi/sql';
import { lakeRowFactory, writeLakePartition } from '#test/integration/kpi/lake-files';

const cell = (
  localDate: string,
  overrides: Partial<{ site_id: string; source: string; channel: string; campaign_id: string; category: string }>,
  leads: number,
) => ({
  local_date: localDate,
  site_id: 'amiens-nord',
  source: 'google-ads',
  channel: 'lead-form',
  campaign_id: 'cmp-1',
  category: 'VN',
  ...overrides,
  leads,
});

describe('DuckDbQueryEngine', () => {
  let lakeRoot: string;

  beforeEach(() => {
    lakeRoot = mkdtempSync(join(tmpdir(), "kpi-lake-o'neil-"));
  });

  afterEach(() => {
    rmSync(lakeRoot, { recursive: true, force: true });
  });

  it('returns no rows from an empty lake', async () => {
    const engine = new DuckDbQueryEngine({ lakeRoot });

    const rows = await engine.query(DAILY_LEADS_SQL, ['demo', '2026-10-01', '2026-10-02', '2026-10-31']);

    expect(rows).toEqual([]);
  });

  it('counts the latest state of each lead per cell', async () => {
    // Range 2026-10-24..2026-10-26 around the Paris DST change (2026-10-25); partitions scanned from 2026-10-23.
    writeLakePartition(lakeRoot, 'demo', '2026-10-22', [
      // Outside the scanned partitions: must not count even though its local date is in range.
      lakeRowFactory({ lead_id: 'too-early-partition', local_date: '2026-10-24' }),
    ]);
    writeLakePartition(lakeRoot, 'demo', '2026-10-23', [
      // Local date one day before the range: excluded.
      lakeRowFactory({ lead_id: 'before-range', local_date: '2026-10-23' }),
      // First day of the range, stored in the partition before it (UTC date before the local date).
      lakeRowFactory({ lead_id: 'first-day', local_date: '2026-10-24' }),
      lakeRowFactory({ lead_id: 'moved', local_date: '2026-10-24', site_id: null, campaign_id: null }),
    ]);
    writeLakePartition(lakeRoot, 'demo', '2026-10-24', [
      // Routed to a site and campaign by a later change: counts once, in its latest state.
      lakeRowFactory({ lead_id: 'moved', event_name: 'MODIFY', local_date: '2026-10-24', site_id: 'abbeville' }),
      lakeRowFactory({ lead_id: 'unrouted', local_date: '2026-10-24', site_id: null, campaign_id: null }),
      lakeRowFactory({ lead_id: 'test-lead', local_date: '2026-10-24', is_test: true }),
      lakeRowFactory({ lead_id: 'deleted', local_date: '2026-10-24' }),
    ]);
    writeLakePartition(lakeRoot, 'demo', '2026-10-25', [
      lakeRowFactory({ lead_id: 'dst-day-1', local_date: '2026-10-25', source: 'meta-ads', category: 'VO' }),
      lakeRowFactory({ lead_id: 'dst-day-2', local_date: '2026-10-25', source: 'meta-ads', category: 'VO' }),
      lakeRowFactory({ lead_id: 'deleted', event_name: 'REMOVE', local_date: '2026-10-24', is_deleted: true }),
    ]);
    writeLakePartition(lakeRoot, 'demo', '2026-10-26', [
      lakeRowFactory({ lead_id: 'last-day', local_date: '2026-10-26', category: 'APV' }),
      // Local date one day after the range: excluded.
      lakeRowFactory({ lead_id: 'after-range', local_date: '2026-10-27' }),
    ]);
    writeLakePartition(lakeRoot, 'other', '2026-10-24', [
      lakeRowFactory({ lead_id: 'other-tenant', tenant_id: 'other', local_date: '2026-10-24' }),
    ]);
    const engine = new DuckDbQueryEngine({ lakeRoot });

    const rows = await engine.query(DAILY_LEADS_SQL, ['demo', '2026-10-23', '2026-10-24', '2026-10-26']);

    expect(rows).toEqual([
      cell('2026-10-24', { site_id: 'abbeville' }, 1),
      cell('2026-10-24', {}, 1),
      cell('2026-10-24', { site_id: 'unassigned', campaign_id: '' }, 1),
      cell('2026-10-25', { source: 'meta-ads', category: 'VO' }, 2),
      cell('2026-10-26', { category: 'APV' }, 1),
    ]);
  });

  it('reads files whose columns differ by name', async () => {
    writeLakePartition(lakeRoot, 'demo', '2026-10-24', [lakeRowFactory({ lead_id: 'a', local_date: '2026-10-24' })]);
    writeLakePartition(lakeRoot, 'demo', '2026-10-24', [lakeRowFactory({ lead_id: 'b', local_date: '2026-10-24' })], {
      file: 'part-1',
      omitColumns: ['interest', 'utm_campaign'],
    });
    const engine = new DuckDbQueryEngine({ lakeRoot });

    const rows = await engine.query(DAILY_LEADS_SQL, ['demo', '2026-10-23', '2026-10-24', '2026-10-24']);

    expect(rows).toEqual([cell('2026-10-24', {}, 2)]);
  });

  it('converts DuckDB types to query row values', async () => {
    const engine = new DuckDbQueryEngine({ lakeRoot });

    const rows = await engine.query(
      "SELECT CAST(? AS BIGINT) AS count, CAST(1.5 AS DOUBLE) AS ratio, true AS flag, NULL AS nothing, DATE '2026-10-25' AS day, TIMESTAMP '2026-10-25 01:30:00' AS at, ? AS label",
      ['42', 'x'],
    );

    expect(rows).toEqual([
      {
        count: 42,
        ratio: 1.5,
        flag: true,
        nothing: null,
        day: '2026-10-25',
        at: '2026-10-25T01:30:00.000Z',
        label: 'x',
      },
    ]);
  });

  it('throws QueryFailedError on invalid SQL', async () => {
    const engine = new DuckDbQueryEngine({ lakeRoot });

    await expect(engine.query('SELECT missing_column FROM lead_changes', [])).rejects.toBeInstanceOf(QueryFailedError);
  });
});
