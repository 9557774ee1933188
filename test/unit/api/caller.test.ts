import type { APIGatewayProxyEventV2WithJWTAuthorizer } from 'aws-lambda';
import { describe, expect, it } from 'vitest';
import { type Caller, callerFromEvent, canSeeLead } from '#shared/api/caller';

function eventWithClaims(claims: Record<string, string>): APIGatewayProxyEventV2WithJWTAuthorizer {
  return {
    requestContext: { authorizer: { jwt: { claims, scopes: [] } } },
  } as unknown as APIGatewayProxyEventV2WithJWTAuthorizer;
}

const salesperson: Caller = {
  tenantId: 'demo',
  role: 'salesperson',
  sites: ['amiens-nord'],
  subject: 'cognito-user-1',
  salespersonId: 's-amiens-1',
};

describe('callerFromEvent', () => {
  it('reads the salesperson claim of a salesperson', () => {
    const caller = callerFromEvent(
      eventWithClaims({
        tenant: 'demo',
        role: 'salesperson',
        sites: 'amiens-nord',
        sub: 'cognito-user-1',
        'custom:salesperson': 's-amiens-1',
      }),
    );

    expect(caller).toEqual(salesperson);
  });

  it("falls back to sub for a salesperson's id", () => {
    const caller = callerFromEvent(
      eventWithClaims({ tenant: 'demo', role: 'salesperson', sites: 'amiens-nord', sub: 's-amiens-2' }),
    );

    expect(caller.salespersonId).toBe('s-amiens-2');
  });

  it('gives other roles no salesperson id', () => {
    const caller = callerFromEvent(
      eventWithClaims({ tenant: 'demo', role: 'site-manager', sites: '*', sub: 'u-1', salesperson: 's-amiens-1' }),
    );

    expect(caller).toEqual({ tenantId: 'demo', role: 'site-manager', sites: '*', subject: 'u-1' });
  });
});

describe('canSeeLead', () => {
  it("shows a salesperson the leads assigned to them on the caller's sites", () => {
    expect(canSeeLead(salesperson, { siteId: 'amiens-nord', assignedSalespersonId: 's-amiens-1' })).toBe(true);
  });

  it('hides from a salesperson an unassigned lead', () => {
    expect(canSeeLead(salesperson, { siteId: 'amiens-nord', assignedSalespersonId: null })).toBe(false);
  });

  it("hides from a salesperson a colleague's lead", () => {
    expect(canSeeLead(salesperson, { siteId: 'amiens-nord', assignedSalespersonId: 's-amiens-2' })).toBe(false);
  });

  it('hides from a salesperson their lead on a site outside the token', () => {
    expect(canSeeLead(salesperson, { siteId: 'abbeville', assignedSalespersonId: 's-amiens-1' })).toBe(false);
  });

  it('hides from a salesperson without an id every lead', () => {
    const withoutId: Caller = { ...salesperson, salespersonId: undefined };

    expect(canSeeLead(withoutId, { siteId: 'amiens-nord', assignedSalespersonId: null })).toBe(false);
  });

  it('shows a site manager every lead of their sites', () => {
    const manager: Caller = { tenantId: 'demo', role: 'site-manager', sites: ['amiens-nord'], subject: 'u-2' };

    expect(canSeeLead(manager, { siteId: 'amiens-nord', assignedSalespersonId: 's-amiens-2' })).toBe(true);
  });
});
