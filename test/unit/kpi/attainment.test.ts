import { describe, expect, it } from 'vitest';
import type { Caller } from '#shared/api/caller';
import { attainmentQuerySchema, readAttainment } from '#shared/kpi/attainment';
import type { TargetRow } from '#shared/kpi/targets';
import type { TenantRepository } from '#shared/tenant/repository';
import { aDailyCell } from '#test/unit/kpi/cells';
import { MemoryAggregateStore } from '#test/unit/kpi/memory-aggregate-store';
import { MemorySpendStore } from '#test/unit/kpi/memory-spend-store';
import { MemoryTargetStore } from '#test/unit/kpi/memory-target-store';
import { demoTenant } from '#test/unit/lifecycle/factories';

const tenants: TenantRepository = { get: async () => demoTenant, put: async () => undefined };
const admin: Caller = { tenantId: 'demo', role: 'group-admin', sites: '*', subject: 'admin-1' };
const JUNE_11 = new Date('2026-06-11T10:00:00.000Z');

async function storesWith(targets: TargetRow[]) {
  const aggregates = new MemoryAggregateStore();
  // May: 10 leads at Amiens Nord, 8 handled, 6 within the business hour; 4 at Abbeville, none handled.
  await aggregates.replaceDays(
    'demo',
    '2026-05-01',
    '2026-06-30',
    [
      aDailyCell({
        date: '2026-05-04',
        leads: 10,
        handled: 8,
        handledInTime: 6,
        ttfcBusinessCount: 3,
        ttfcBusinessSum: 90,
        ttfcBusinessHistogram: [
          [20, 1],
          [30, 1],
          [40, 1],
        ],
      }),
      aDailyCell({ date: '2026-05-05', siteId: 'abbeville', leads: 4 }),
      aDailyCell({ date: '2026-05-20', basis: 'activity', leads: 0, sales: 3 }),
      aDailyCell({ date: '2026-06-03', leads: 5 }),
      aDailyCell({ date: '2026-06-03', leads: 3, salespersonId: 's-amiens-1', handled: 3 }),
      aDailyCell({ date: '2026-06-04', leads: 1, salespersonId: 's-amiens-2' }),
      aDailyCell({ date: '2026-06-04', basis: 'activity', leads: 0, sales: 2 }),
    ],
    { runId: 'run-1', finishedAt: '2026-06-11T02:00:00.000Z' },
  );
  const targetStore = new MemoryTargetStore();
  const byMonth = new Map<string, TargetRow[]>();
  for (const row of targets) {
    byMonth.set(row.month, [...(byMonth.get(row.month) ?? []), row]);
  }
  await targetStore.replaceMonths('demo', byMonth);
  return { aggregates, spend: new MemorySpendStore(), targets: targetStore, tenants, now: JUNE_11 };
}

describe('attainmentQuerySchema', () => {
  it('turns one month into a range of one month', () => {
    expect(attainmentQuerySchema.parse({ month: '2026-06' })).toEqual({ from: '2026-06', to: '2026-06' });
  });

  it.each([
    ['no month', {}, 'month'],
    ['month with from and to', { month: '2026-06', from: '2026-01', to: '2026-02' }, 'month'],
    ['to before from', { from: '2026-06', to: '2026-05' }, 'to'],
    ['a range over 13 months', { from: '2025-01', to: '2026-02' }, 'to'],
  ])('rejects %s', (_case, query, path) => {
    const result = attainmentQuerySchema.safeParse(query);

    expect(result.success).toBe(false);
    expect(result.error?.issues.map((issue) => issue.path.join('.'))).toEqual([path]);
  });
});

describe('readAttainment', () => {
  it('measures group and site targets of a closed month', async () => {
    const deps = await storesWith([
      { month: '2026-05', scope: 'group', kpi: 'leads', target: 12 },
      { month: '2026-05', scope: 'site', scopeId: 'amiens-nord', kpi: 'handledWithinOneBusinessHourRate', target: 0.5 },
      { month: '2026-05', scope: 'site', scopeId: 'abbeville', kpi: 'handledRate', target: 0.9 },
      { month: '2026-05', scope: 'site', scopeId: 'amiens-nord', kpi: 'medianTtfcBusinessMinutes', target: 25 },
    ]);

    const report = await readAttainment(deps, admin, { from: '2026-05', to: '2026-05' });

    const closed = { monthStatus: 'closed', pacing: null };
    expect(report).toEqual({
      from: '2026-05',
      to: '2026-05',
      rows: [
        {
          month: '2026-05',
          scope: 'group',
          kpi: 'leads',
          target: 12,
          direction: 'higher',
          basis: 'cohort',
          ...closed,
          actual: 14,
          attained: true,
        },
        {
          month: '2026-05',
          scope: 'site',
          scopeId: 'abbeville',
          kpi: 'handledRate',
          target: 0.9,
          direction: 'higher',
          basis: 'cohort',
          ...closed,
          actual: 0,
          attained: false,
        },
        {
          month: '2026-05',
          scope: 'site',
          scopeId: 'amiens-nord',
          kpi: 'handledWithinOneBusinessHourRate',
          target: 0.5,
          direction: 'higher',
          basis: 'cohort',
          ...closed,
          actual: 0.6,
          attained: true,
        },
        {
          month: '2026-05',
          scope: 'site',
          scopeId: 'amiens-nord',
          kpi: 'medianTtfcBusinessMinutes',
          target: 25,
          direction: 'lower',
          basis: 'cohort',
          ...closed,
          actual: 30,
          attained: false,
        },
      ],
    });
  });

  it('reads sales on the activity basis and projects them in the current month', async () => {
    const deps = await storesWith([{ month: '2026-06', scope: 'group', kpi: 'sales', target: 5 }]);

    const report = await readAttainment(deps, admin, { from: '2026-06', to: '2026-06' });

    // 2 sales over the 10 elapsed days of June's 30 project to 6.
    expect(report.rows).toEqual([
      {
        month: '2026-06',
        scope: 'group',
        kpi: 'sales',
        target: 5,
        direction: 'higher',
        basis: 'activity',
        monthStatus: 'current',
        actual: 2,
        attained: false,
        pacing: { projected: 6, projectedAttained: true },
      },
    ]);
  });

  it('measures team and salesperson targets on the leads assigned to them', async () => {
    const deps = await storesWith([
      { month: '2026-06', scope: 'team', scopeId: 'VN', kpi: 'leads', target: 10 },
      { month: '2026-06', scope: 'salesperson', scopeId: 's-amiens-1', kpi: 'handledRate', target: 0.9 },
      { month: '2026-06', scope: 'salesperson', scopeId: 's-amiens-2', kpi: 'handledRate', target: 0.9 },
    ]);

    const report = await readAttainment(deps, admin, { from: '2026-06', to: '2026-06' });

    // Team VN is s-amiens-1 alone in the demo tenant: 3 leads in 10 days project to 9.
    expect(
      report.rows.map(({ scopeId, kpi, actual, attained, pacing }) => ({ scopeId, kpi, actual, attained, pacing })),
    ).toEqual([
      { scopeId: 'VN', kpi: 'leads', actual: 3, attained: false, pacing: { projected: 9, projectedAttained: false } },
      { scopeId: 's-amiens-1', kpi: 'handledRate', actual: 1, attained: true, pacing: null },
      { scopeId: 's-amiens-2', kpi: 'handledRate', actual: 0, attained: false, pacing: null },
    ]);
  });

  it('gives null actual values where no figure exists', async () => {
    const deps = await storesWith([
      { month: '2026-06', scope: 'site', scopeId: 'saint-denis-reunion', kpi: 'closeRate', target: 0.1 },
      { month: '2026-07', scope: 'group', kpi: 'leads', target: 100 },
    ]);

    const report = await readAttainment(deps, admin, { from: '2026-06', to: '2026-07' });

    expect(
      report.rows.map(({ scope, kpi, monthStatus, actual, attained, pacing }) => ({
        scope,
        kpi,
        monthStatus,
        actual,
        attained,
        pacing,
      })),
    ).toEqual([
      { scope: 'site', kpi: 'closeRate', monthStatus: 'current', actual: null, attained: null, pacing: null },
      { scope: 'group', kpi: 'leads', monthStatus: 'future', actual: null, attained: null, pacing: null },
    ]);
  });

  it('shows a salesperson only their own targets', async () => {
    const deps = await storesWith([
      { month: '2026-05', scope: 'group', kpi: 'leads', target: 12 },
      { month: '2026-05', scope: 'salesperson', scopeId: 's-amiens-1', kpi: 'sales', target: 3 },
      { month: '2026-05', scope: 'salesperson', scopeId: 's-amiens-2', kpi: 'sales', target: 3 },
    ]);
    const paul: Caller = { tenantId: 'demo', role: 'salesperson', sites: ['amiens-nord'], subject: 's-amiens-1' };

    const report = await readAttainment(deps, paul, { from: '2026-05', to: '2026-05' });

    expect(report.rows.map((row) => row.scopeId)).toEqual(['s-amiens-1']);
  });
});
