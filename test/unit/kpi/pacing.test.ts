import { describe, expect, it } from 'vitest';
import type { Caller } from '#shared/api/caller';
import { monthProgress, projectToMonthEnd, readPacing } from '#shared/kpi/pacing';
import type { TenantRepository } from '#shared/tenant/repository';
import { aDailyCell } from '#test/unit/kpi/cells';
import { MemoryAggregateStore } from '#test/unit/kpi/memory-aggregate-store';
import { MemorySpendStore } from '#test/unit/kpi/memory-spend-store';
import { demoTenant } from '#test/unit/lifecycle/factories';

const tenants: TenantRepository = { get: async () => demoTenant, put: async () => undefined };
const RUN = { runId: 'run-1', finishedAt: '2026-06-11T02:00:00.000Z' };

describe('monthProgress', () => {
  it('counts the days before today as elapsed in the current month', () => {
    expect(monthProgress('2026-06', new Date('2026-06-11T10:00:00.000Z'), 'Europe/Paris')).toEqual({
      month: '2026-06',
      status: 'current',
      timeZone: 'Europe/Paris',
      today: '2026-06-11',
      daysInMonth: 30,
      elapsedDays: 10,
      covered: { from: '2026-06-01', to: '2026-06-10' },
    });
  });

  it("takes today in the tenant's time zone, not in UTC", () => {
    // 22:30 UTC on 30 June is 00:30 on 1 July in Paris (UTC+2).
    const now = new Date('2026-06-30T22:30:00.000Z');

    expect(monthProgress('2026-06', now, 'Europe/Paris')).toMatchObject({ status: 'closed', elapsedDays: 30 });
    expect(monthProgress('2026-07', now, 'Europe/Paris')).toEqual({
      month: '2026-07',
      status: 'current',
      timeZone: 'Europe/Paris',
      today: '2026-07-01',
      daysInMonth: 31,
      elapsedDays: 0,
      covered: null,
    });
  });

  it('covers the whole of a closed month and nothing of a future one', () => {
    const now = new Date('2026-03-15T12:00:00.000Z');

    expect(monthProgress('2026-02', now, 'Europe/Paris')).toMatchObject({
      status: 'closed',
      daysInMonth: 28,
      elapsedDays: 28,
      covered: { from: '2026-02-01', to: '2026-02-28' },
    });
    expect(monthProgress('2026-04', now, 'Europe/Paris')).toMatchObject({
      status: 'future',
      elapsedDays: 0,
      covered: null,
    });
  });
});

describe('projectToMonthEnd', () => {
  const june11 = monthProgress('2026-06', new Date('2026-06-11T10:00:00.000Z'), 'Europe/Paris');

  it('projects the daily rate of the elapsed days over the month', () => {
    expect(projectToMonthEnd(12, june11)).toBe(36);
  });

  it('rounds to 2 decimals', () => {
    const march4 = monthProgress('2026-03', new Date('2026-03-04T10:00:00.000Z'), 'Europe/Paris');

    expect(projectToMonthEnd(10, march4)).toBe(103.33);
  });

  it('returns a closed month value as it is', () => {
    const closed = monthProgress('2026-05', new Date('2026-06-11T10:00:00.000Z'), 'Europe/Paris');

    expect(projectToMonthEnd(41, closed)).toBe(41);
  });

  it('returns null on the first day and for an unknown value', () => {
    const first = monthProgress('2026-06', new Date('2026-06-01T10:00:00.000Z'), 'Europe/Paris');

    expect(projectToMonthEnd(5, first)).toBeNull();
    expect(projectToMonthEnd(null, june11)).toBeNull();
  });
});

describe('readPacing', () => {
  const admin: Caller = { tenantId: 'demo', role: 'group-admin', sites: '*', subject: 'admin-1' };

  async function storesWithJune() {
    const aggregates = new MemoryAggregateStore();
    const spend = new MemorySpendStore();
    const cells = [
      aDailyCell({ date: '2026-06-02', leads: 4 }),
      aDailyCell({ date: '2026-06-09', leads: 2 }),
      aDailyCell({ date: '2026-06-05', siteId: 'abbeville', leads: 3 }),
      // Today: not elapsed, so not counted even if a run stored it.
      aDailyCell({ date: '2026-06-11', leads: 50 }),
      aDailyCell({
        date: '2026-06-08',
        basis: 'activity',
        leads: 0,
        sales: 2,
        revenueCents: 4_000_000,
        grossMarginCents: 300_000,
      }),
    ];
    await aggregates.replaceDays('demo', '2026-06-01', '2026-06-30', cells, RUN);
    await spend.replaceMonths(
      'demo',
      new Map([['2026-06', [{ month: '2026-06', source: 'google-ads', site: 'amiens-nord', amount: 3_000 }]]]),
    );
    return { aggregates, spend };
  }

  it('projects month-to-date figures by site and in total', async () => {
    const stores = await storesWithJune();

    const report = await readPacing(
      { ...stores, tenants, now: new Date('2026-06-11T10:00:00.000Z') },
      admin,
      '2026-06',
    );

    expect(report).toEqual({
      month: '2026-06',
      status: 'current',
      timeZone: 'Europe/Paris',
      today: '2026-06-11',
      daysInMonth: 30,
      elapsedDays: 10,
      covered: { from: '2026-06-01', to: '2026-06-10' },
      rows: [
        {
          site: 'abbeville',
          leads: { monthToDate: 3, projected: 9 },
          sales: { monthToDate: 0, projected: 0 },
          revenue: { monthToDate: 0, projected: 0 },
          grossMargin: { monthToDate: 0, projected: 0 },
          spend: { monthToDate: 0, projected: 0 },
        },
        {
          site: 'amiens-nord',
          leads: { monthToDate: 6, projected: 18 },
          sales: { monthToDate: 2, projected: 6 },
          revenue: { monthToDate: 40_000, projected: 120_000 },
          grossMargin: { monthToDate: 3_000, projected: 9_000 },
          spend: { monthToDate: 1_000, projected: 3_000 },
        },
      ],
      totals: {
        leads: { monthToDate: 9, projected: 27 },
        sales: { monthToDate: 2, projected: 6 },
        revenue: { monthToDate: 40_000, projected: 120_000 },
        grossMargin: { monthToDate: 3_000, projected: 9_000 },
        spend: { monthToDate: 1_000, projected: 3_000 },
      },
    });
  });

  it("limits a site manager to their sites' figures", async () => {
    const stores = await storesWithJune();
    const manager: Caller = { ...admin, role: 'site-manager', sites: ['abbeville'] };

    const report = await readPacing(
      { ...stores, tenants, now: new Date('2026-06-11T10:00:00.000Z') },
      manager,
      '2026-06',
    );

    expect(report.rows.map((row) => row.site)).toEqual(['abbeville']);
    expect(report.totals.leads).toEqual({ monthToDate: 3, projected: 9 });
    expect(report.totals.spend).toEqual({ monthToDate: 0, projected: 0 });
  });

  it('returns zero figures and no projection on the first day of the month', async () => {
    const stores = await storesWithJune();

    const report = await readPacing(
      { ...stores, tenants, now: new Date('2026-06-01T08:00:00.000Z') },
      admin,
      '2026-06',
    );

    expect(report.rows).toEqual([]);
    expect(report.totals).toEqual({
      leads: { monthToDate: 0, projected: null },
      sales: { monthToDate: 0, projected: null },
      revenue: { monthToDate: 0, projected: null },
      grossMargin: { monthToDate: 0, projected: null },
      spend: { monthToDate: 0, projected: null },
    });
  });
});
