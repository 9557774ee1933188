import { describe, expect, it } from 'vitest';
import type { Caller } from '#shared/api/caller';
import { ForbiddenError } from '#shared/errors';
import { allocateSpend, monthsCovering, replaceSpend, spendBodySchema } from '#shared/kpi/spend';
import { aDailyCell } from '#test/unit/kpi/cells';
import { MemorySpendStore } from '#test/unit/kpi/memory-spend-store';

const juneCells = [
  aDailyCell({ date: '2026-06-02', siteId: 'amiens-nord', source: 'google-ads', leads: 3 }),
  aDailyCell({ date: '2026-06-20', siteId: 'abbeville', source: 'google-ads', leads: 1 }),
  aDailyCell({ date: '2026-06-21', siteId: 'abbeville', source: 'meta-ads', leads: 4 }),
  // Activity cells never weigh in the allocation.
  aDailyCell({ date: '2026-06-21', basis: 'activity', siteId: 'saint-denis-reunion', source: 'google-ads', leads: 50 }),
];

/** Total cents per site of allocated spend. */
function centsBySite(entries: ReturnType<typeof allocateSpend>): Record<string, number> {
  const totals: Record<string, number> = {};
  for (const entry of entries) {
    totals[entry.siteId] = (totals[entry.siteId] ?? 0) + entry.cents;
  }
  // Spreading over days leaves binary rounding errors far below a thousandth of a cent.
  return Object.fromEntries(Object.entries(totals).map(([site, cents]) => [site, Math.round(cents * 1000) / 1000]));
}

describe('allocateSpend', () => {
  it('spreads siteless spend by lead share', () => {
    const entries = allocateSpend(
      [{ month: '2026-06', source: 'google-ads', amount: 400 }],
      juneCells,
      '2026-06-01',
      '2026-06-30',
    );

    expect(centsBySite(entries)).toEqual({ 'amiens-nord': 30_000, abbeville: 10_000 });
    expect(entries).toHaveLength(60);
  });

  it('keeps spend that names a site on it', () => {
    const entries = allocateSpend(
      [{ month: '2026-06', source: 'google-ads', site: 'saint-denis-reunion', amount: 90 }],
      juneCells,
      '2026-06-01',
      '2026-06-30',
    );

    expect(centsBySite(entries)).toEqual({ 'saint-denis-reunion': 9_000 });
  });

  it('uses the share of all leads when the source had none that month', () => {
    const entries = allocateSpend(
      [{ month: '2026-06', source: 'lacentrale', amount: 80 }],
      juneCells,
      '2026-06-01',
      '2026-06-30',
    );

    expect(centsBySite(entries)).toEqual({ 'amiens-nord': 3_000, abbeville: 5_000 });
  });

  it('puts spend of a month without leads on the unassigned site', () => {
    const entries = allocateSpend(
      [{ month: '2026-07', source: 'google-ads', amount: 31 }],
      juneCells,
      '2026-07-01',
      '2026-07-31',
    );

    expect(centsBySite(entries)).toEqual({ unassigned: 3_100 });
  });

  it('counts only the days of the month inside the range', () => {
    const entries = allocateSpend(
      [{ month: '2026-06', source: 'google-ads', site: 'abbeville', amount: 300 }],
      juneCells,
      '2026-06-11',
      '2026-07-15',
    );

    expect(entries.map((entry) => entry.date)).toEqual(
      Array.from({ length: 20 }, (_, index) => `2026-06-${String(11 + index).padStart(2, '0')}`),
    );
    expect(centsBySite(entries)).toEqual({ abbeville: 20_000 });
  });
});

describe('monthsCovering', () => {
  it('returns the first and last days of the months of a range', () => {
    expect(monthsCovering('2026-02-10', '2026-12-03')).toEqual({ from: '2026-02-01', to: '2026-12-31' });
    expect(monthsCovering('2028-02-10', '2028-02-10')).toEqual({ from: '2028-02-01', to: '2028-02-29' });
  });
});

describe('replaceSpend', () => {
  const caller = (role: Caller['role']): Caller => ({ tenantId: 'demo', role, sites: '*', subject: 'user-1' });

  it('replaces the months of the upload for finance', async () => {
    const store = new MemorySpendStore();
    await store.replaceMonths('demo', new Map([['2026-06', [{ month: '2026-06', source: 'old', amount: 1 }]]]));

    const result = await replaceSpend(store, caller('finance'), [
      { month: '2026-06', source: 'google-ads', amount: 300 },
      { month: '2026-05', source: 'meta-ads', campaign: 'cmp-9', amount: 120.5 },
    ]);

    expect(result).toEqual({ months: ['2026-05', '2026-06'], rows: 2 });
    expect(await store.readMonths('demo', '2026-06', '2026-06')).toEqual([
      { month: '2026-06', source: 'google-ads', amount: 300 },
    ]);
  });

  it.each(['site-manager', 'salesperson'] as const)('rejects the %s role', async (role) => {
    await expect(replaceSpend(new MemorySpendStore(), caller(role), [])).rejects.toBeInstanceOf(ForbiddenError);
  });
});

describe('spendBodySchema', () => {
  it.each([
    ['a month without day padding', { rows: [{ month: '2026-6', source: 'google-ads', amount: 1 }] }],
    ['a negative amount', { rows: [{ month: '2026-06', source: 'google-ads', amount: -1 }] }],
    ['fractions of a cent', { rows: [{ month: '2026-06', source: 'google-ads', amount: 1.234 }] }],
    ['an invalid site id', { rows: [{ month: '2026-06', source: 'google-ads', site: 'Amiens', amount: 1 }] }],
    ['no rows', { rows: [] }],
  ])('rejects %s', (_case, body) => {
    expect(spendBodySchema.safeParse(body).success).toBe(false);
  });
});
