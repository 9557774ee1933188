import { describe, expect, it } from 'vitest';
import type { Caller } from '#shared/api/caller';
import { canSeeTarget, isAttained, replaceTargets, type TargetRow, targetsBodySchema } from '#shared/kpi/targets';
import type { TenantConfig } from '#shared/tenant/model';
import type { TenantRepository } from '#shared/tenant/repository';
import { MemoryTargetStore } from '#test/unit/kpi/memory-target-store';
import { demoTenant } from '#test/unit/lifecycle/factories';

const tenants: TenantRepository = {
  get: async (tenantId) => (tenantId === demoTenant.tenantId ? demoTenant : undefined),
  put: async () => undefined,
};

function aCaller(overrides: Partial<Caller> = {}): Caller {
  return { tenantId: 'demo', role: 'group-admin', sites: '*', subject: 'admin-1', ...overrides };
}

function aTarget(overrides: Partial<TargetRow> = {}): TargetRow {
  return { month: '2026-06', scope: 'site', scopeId: 'amiens-nord', kpi: 'handledRate', target: 0.9, ...overrides };
}

function issuesOf(body: unknown): string[] {
  const result = targetsBodySchema.safeParse(body);
  return result.success ? [] : result.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`);
}

describe('targetsBodySchema', () => {
  it('accepts a group target without scopeId and a site target with one', () => {
    const rows = [{ month: '2026-06', scope: 'group', kpi: 'leads', target: 1200 }, aTarget()];

    expect(issuesOf({ rows })).toEqual([]);
  });

  it.each([
    [
      'a group target with a scopeId',
      { scope: 'group', scopeId: 'x' },
      'rows.0.scopeId: must be absent for the group scope',
    ],
    ['a site target without scopeId', { scopeId: undefined }, 'rows.0.scopeId: is required for the site scope'],
    ['a rate above 1', { target: 90 }, 'rows.0.target: must be a rate from 0 to 1 for handledRate'],
    ['a negative count', { kpi: 'leads', target: -1 }, 'rows.0.target: must not be negative for leads'],
    ['an unknown KPI', { kpi: 'happiness' }, expect.stringMatching(/^rows\.0\.kpi: /)],
    ['a month 2026-13', { month: '2026-13' }, 'rows.0.month: must be a month YYYY-MM'],
    [
      'a cost KPI for a team',
      { scope: 'team', scopeId: 'VN', kpi: 'costPerLead', target: 40 },
      'rows.0.kpi: costPerLead is not available for the team scope, because spend is entered per source, campaign and site only',
    ],
  ])('rejects %s', (_case, overrides, issue) => {
    expect(issuesOf({ rows: [{ ...aTarget(), ...overrides }] })).toEqual([issue]);
  });

  it('accepts a negative ROI target', () => {
    expect(issuesOf({ rows: [aTarget({ scope: 'group', scopeId: undefined, kpi: 'roi', target: -0.5 })] })).toEqual([]);
  });

  it('rejects two targets of the same month, scope and KPI', () => {
    const rows = [aTarget(), aTarget({ kpi: 'closeRate' }), aTarget({ target: 0.8 })];

    expect(issuesOf({ rows })).toEqual(['rows.2: repeats the month, scope, scopeId and kpi of rows.0']);
  });
});

describe('replaceTargets', () => {
  it('stores the rows by month and returns the months sorted', async () => {
    const store = new MemoryTargetStore();
    const june = aTarget();
    const may = aTarget({ month: '2026-05', scope: 'team', scopeId: 'VN' });
    const juneSalesperson = aTarget({ scope: 'salesperson', scopeId: 's-amiens-1', kpi: 'sales', target: 12 });

    const result = await replaceTargets({ targets: store, tenants }, aCaller(), [june, may, juneSalesperson]);

    expect(result).toEqual({ months: ['2026-05', '2026-06'], rows: 3 });
    expect(Object.fromEntries(store.months)).toEqual({
      'demo/2026-06': [june, juneSalesperson],
      'demo/2026-05': [may],
    });
  });

  it.each(['site-manager', 'salesperson', 'finance'] as const)('rejects the %s role with 403', async (role) => {
    const store = new MemoryTargetStore();

    await expect(replaceTargets({ targets: store, tenants }, aCaller({ role }), [aTarget()])).rejects.toMatchObject({
      code: 'FORBIDDEN',
      httpStatus: 403,
    });
    expect(store.months.size).toBe(0);
  });

  it.each([
    ['site', 'paris-est'],
    ['team', 'VD'],
    ['salesperson', 's-lille-1'],
  ] as const)('rejects a %s missing from the tenant configuration', async (scope, scopeId) => {
    const store = new MemoryTargetStore();

    await expect(
      replaceTargets({ targets: store, tenants }, aCaller(), [aTarget(), aTarget({ scope, scopeId })]),
    ).rejects.toMatchObject({
      code: 'VALIDATION_FAILED',
      message: `Invalid request body: rows.1.scopeId: ${scope} ${scopeId} is not in the tenant configuration`,
    });
    expect(store.months.size).toBe(0);
  });

  it('returns 404 for a tenant without configuration', async () => {
    await expect(
      replaceTargets({ targets: new MemoryTargetStore(), tenants }, aCaller({ tenantId: 'ghost' }), [aTarget()]),
    ).rejects.toMatchObject({ code: 'NOT_FOUND' });
  });
});

describe('canSeeTarget', () => {
  const tenant: TenantConfig = demoTenant;
  const targets = {
    group: aTarget({ scope: 'group', scopeId: undefined }),
    amiens: aTarget(),
    abbeville: aTarget({ scopeId: 'abbeville' }),
    teamVn: aTarget({ scope: 'team', scopeId: 'VN' }),
    teamApv: aTarget({ scope: 'team', scopeId: 'APV' }),
    paul: aTarget({ scope: 'salesperson', scopeId: 's-amiens-1' }),
    luc: aTarget({ scope: 'salesperson', scopeId: 's-abbeville-1' }),
  };
  const visibleTo = (caller: Caller) =>
    Object.entries(targets)
      .filter(([, row]) => canSeeTarget(caller, tenant, row))
      .map(([name]) => name);

  it('shows every target to a caller of every site', () => {
    expect(visibleTo(aCaller({ role: 'finance' }))).toEqual(Object.keys(targets));
  });

  it("shows a site manager their sites' targets but not the group's", () => {
    expect(visibleTo(aCaller({ role: 'site-manager', sites: ['amiens-nord'] }))).toEqual(['amiens', 'teamVn', 'paul']);
  });

  it('shows a salesperson only their own targets', () => {
    const caller = aCaller({ role: 'salesperson', sites: ['amiens-nord'], subject: 's-amiens-1' });

    expect(visibleTo(caller)).toEqual(['paul']);
  });
});

describe('isAttained', () => {
  it.each([
    ['handledRate', 0.9, 0.9, true],
    ['handledRate', 0.9, 0.89, false],
    ['medianTtfcBusinessMinutes', 30, 30, true],
    ['medianTtfcBusinessMinutes', 30, 31, false],
    ['costPerSale', 400, 350, true],
    ['sales', 10, null, null],
  ] as const)('judges %s of target %s at %s as %s', (kpi, target, actual, attained) => {
    expect(isAttained(kpi, target, actual)).toBe(attained);
  });
});
