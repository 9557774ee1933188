/**
 * The HTTP routes, in API Gateway's route-key syntax. The CDK app creates exactly these routes and the local
 * gateway serves exactly these, so the two cannot drift.
 */

/** The Lambda function behind a route. */
export type RouteTarget = 'webhook' | 'api';

/** `none`: open at the gateway (webhooks check their own signature); `jwt`: bearer token checked by the gateway. */
export type RouteAuth = 'none' | 'jwt';

export interface RouteDefinition {
  method: 'GET' | 'POST' | 'PUT' | 'DELETE';
  /** Path with `{name}` parameters, as in an API Gateway route key. */
  path: string;
  target: RouteTarget;
  auth: RouteAuth;
  /** Steady-state requests per second allowed on the route, per stage. */
  throttleRatePerSecond: number;
  throttleBurst: number;
}

export const ROUTES: readonly RouteDefinition[] = [
  {
    method: 'GET',
    path: '/v1/webhooks/{tenantId}/{integrationId}',
    target: 'webhook',
    auth: 'none',
    throttleRatePerSecond: 20,
    throttleBurst: 40,
  },
  {
    method: 'POST',
    path: '/v1/webhooks/{tenantId}/{integrationId}',
    target: 'webhook',
    auth: 'none',
    throttleRatePerSecond: 200,
    throttleBurst: 400,
  },
  { method: 'GET', path: '/v1/kpis', target: 'api', auth: 'jwt', throttleRatePerSecond: 50, throttleBurst: 100 },
  { method: 'GET', path: '/v1/leads', target: 'api', auth: 'jwt', throttleRatePerSecond: 50, throttleBurst: 100 },
  {
    method: 'GET',
    path: '/v1/leads/{leadId}',
    target: 'api',
    auth: 'jwt',
    throttleRatePerSecond: 100,
    throttleBurst: 200,
  },
  {
    method: 'POST',
    path: '/v1/leads/{leadId}/events',
    target: 'api',
    auth: 'jwt',
    throttleRatePerSecond: 50,
    throttleBurst: 100,
  },
  {
    method: 'DELETE',
    path: '/v1/leads/{leadId}',
    target: 'api',
    auth: 'jwt',
    throttleRatePerSecond: 5,
    throttleBurst: 10,
  },
  // Each erasure by email or phone scans the whole lead table, so the rate stays low.
  { method: 'POST', path: '/v1/erasures', target: 'api', auth: 'jwt', throttleRatePerSecond: 1, throttleBurst: 2 },
  { method: 'PUT', path: '/v1/spend', target: 'api', auth: 'jwt', throttleRatePerSecond: 5, throttleBurst: 10 },
  { method: 'PUT', path: '/v1/targets', target: 'api', auth: 'jwt', throttleRatePerSecond: 5, throttleBurst: 10 },
  {
    method: 'GET',
    path: '/v1/targets/attainment',
    target: 'api',
    auth: 'jwt',
    throttleRatePerSecond: 20,
    throttleBurst: 40,
  },
  {
    method: 'GET',
    path: '/v1/kpis/pacing',
    target: 'api',
    auth: 'jwt',
    throttleRatePerSecond: 20,
    throttleBurst: 40,
  },
  { method: 'GET', path: '/v1/kpis/live', target: 'api', auth: 'jwt', throttleRatePerSecond: 50, throttleBurst: 100 },
  // Exports read a whole report or every lead of a range, so their rates stay low.
  {
    method: 'GET',
    path: '/v1/kpis/export.csv',
    target: 'api',
    auth: 'jwt',
    throttleRatePerSecond: 5,
    throttleBurst: 10,
  },
  {
    method: 'GET',
    path: '/v1/kpis/export.xlsx',
    target: 'api',
    auth: 'jwt',
    throttleRatePerSecond: 5,
    throttleBurst: 10,
  },
  {
    method: 'GET',
    path: '/v1/leads/export.csv',
    target: 'api',
    auth: 'jwt',
    throttleRatePerSecond: 2,
    throttleBurst: 4,
  },
  // Each job reads every lead of its range in the worker; the dashboard polls the status about once a second.
  {
    method: 'POST',
    path: '/v1/leads/exports',
    target: 'api',
    auth: 'jwt',
    throttleRatePerSecond: 1,
    throttleBurst: 2,
  },
  {
    method: 'GET',
    path: '/v1/leads/exports/{exportId}',
    target: 'api',
    auth: 'jwt',
    throttleRatePerSecond: 20,
    throttleBurst: 40,
  },
  {
    method: 'GET',
    path: '/v1/openapi.json',
    target: 'api',
    auth: 'none',
    throttleRatePerSecond: 10,
    throttleBurst: 20,
  },
];

/** JWT claims that the API reads; in AWS they come from Cognito (custom attributes mapped by a pre-token trigger). */
export const CLAIMS = {
  tenant: 'tenant',
  role: 'role',
  /** Comma-separated site ids, or `*` for every site of the tenant. */
  sites: 'sites',
  /** Salesperson id of the tenant team, for the `salesperson` role; the token's `sub` when absent. */
  salesperson: 'salesperson',
} as const;

/** Audience that API tokens must carry. */
export const API_AUDIENCE = 'leadpilot-api';

/** Matches a concrete path against a route path; returns the path parameters or null. */
export function matchRoute(routePath: string, actualPath: string): Record<string, string> | null {
  const expected = routePath.split('/');
  const actual = actualPath.split('/');
  if (expected.length !== actual.length) {
    return null;
  }
  const params: Record<string, string> = {};
  for (const [index, segment] of expected.entries()) {
    const value = actual[index] ?? '';
    if (segment.startsWith('{') && segment.endsWith('}')) {
      if (value === '') {
        return null;
      }
      params[segment.slice(1, -1)] = decodeURIComponent(value);
    } else if (segment !== value) {
      return null;
    }
  }
  return params;
}
