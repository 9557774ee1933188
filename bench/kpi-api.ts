/**
 * Figure 8: `GET /v1/kpis` through the API handler in process, on DynamoDB Local holding 13 months of
 * aggregates of a simulated group (30 sites, 250,000 leads a year). Each request draws its own range (one day
 * to 13 months), grouping, basis, filters, comparison and caller, so no two consecutive requests read the same
 * items and nothing is served from a cache.
 */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { APIGatewayProxyEventV2WithJWTAuthorizer, Context } from 'aws-lambda';
import { DynamoDbAggregateStore } from '#shared/adapters/aggregates-dynamodb';
import { DynamoTenantRepository } from '#shared/adapters/tenant-repository-dynamodb';
import { CLAIMS } from '#shared/http/routes';
import { type DailyCell, emptyMeasures, type KpiBasis } from '#shared/kpi/aggregates';
import { addDays, addMonths } from '#shared/kpi/dates';
import { KPI_GROUP_BY } from '#shared/kpi/read';
import { addCellInto } from '#shared/kpi/rollup';
import type { BenchEnvironment } from './environment';
import {
  GROUP_SITES,
  GROUP_SOURCES,
  GROUP_TEAM,
  groupTenantConfig,
  KPI_BENCH_TENANT,
  type SimulatedGroupLead,
  simulateGroupLeads,
} from './kpi-group';
import { pick, type Random, randomInt } from './random';
import type { Figure } from './results';
import { quantile, round, timed } from './stats';

export interface KpiApiSizes {
  leadsPerYear: number;
  /** Measured requests, after `warmUpRequests` unmeasured ones. */
  requests: number;
  warmUpRequests: number;
}

/** The 13 whole months of stored aggregates, the longest range that a request may cover. */
const FIRST_DAY = '2025-11-01';
const LAST_DAY = '2026-11-30';
const P95_TARGET_MS = 100;

export async function benchKpiApi(env: BenchEnvironment, sizes: KpiApiSizes, random: Random): Promise<Figure[]> {
  const publish = await publishGroup(env, sizes.leadsPerYear, random);
  await new DynamoTenantRepository({ client: env.documentClient, tableName: env.leadsTable }).put(groupTenantConfig());

  const handler = await loadApiHandler(env);
  const invoke = async (query: Record<string, string>, claims: Record<string, string>) => {
    const response = await handler(gatewayEvent(query, claims), lambdaContext());
    if (response.statusCode !== 200) {
      throw new Error(`GET /v1/kpis?${new URLSearchParams(query)} returned ${response.statusCode}: ${response.body}`);
    }
    return response;
  };
  for (let request = 0; request < sizes.warmUpRequests; request += 1) {
    const { query, claims } = randomRequest(random);
    await invoke(query, claims);
  }
  const samples: number[] = [];
  const longRangeSamples: number[] = [];
  for (let request = 0; request < sizes.requests; request += 1) {
    const { query, claims, months } = randomRequest(random);
    const { ms } = await timed(() => invoke(query, claims));
    samples.push(ms);
    if (months >= 12) {
      longRangeSamples.push(ms);
    }
  }

  return [
    {
      key: 'kpiApiMsP50',
      label: `GET /v1/kpis handler, p50 of ${sizes.requests} varied requests`,
      value: round(quantile(samples, 0.5), 3),
      unit: 'ms',
    },
    {
      key: 'kpiApiMsP95',
      label: `GET /v1/kpis handler, p95 of ${sizes.requests} varied requests`,
      value: round(quantile(samples, 0.95), 3),
      unit: 'ms',
      target: { max: P95_TARGET_MS },
    },
    {
      key: 'kpiApiMsMax',
      label: 'GET /v1/kpis handler, slowest request',
      value: round(Math.max(...samples), 3),
      unit: 'ms',
    },
    ...(longRangeSamples.length > 0
      ? [
          {
            key: 'kpiApiLongRangeMsP95',
            label: `GET /v1/kpis handler, p95 of the ${longRangeSamples.length} requests over 12 to 13 months`,
            value: round(quantile(longRangeSamples, 0.95), 3),
            unit: 'ms',
          },
        ]
      : []),
    { key: 'kpiApiLeads', label: 'Simulated leads over 13 months', value: publish.leads, unit: 'leads' },
    { key: 'kpiApiStoredCells', label: 'Daily cells stored (both bases)', value: publish.cells, unit: 'cells' },
    {
      key: 'kpiApiPublishSeconds',
      label: 'replaceDays of the 13 months, grain blocks included',
      value: round(publish.ms / 1000, 3),
      unit: 's',
    },
  ];
}

/**
 * Simulates the group's 13 months and publishes their cells through the aggregate store. Only counts leave this
 * function, so the requests are timed after the leads and cells can be collected. An API Lambda never has them
 * in its heap, and a heap of a million objects made the garbage collector pause requests.
 */
async function publishGroup(
  env: BenchEnvironment,
  leadsPerYear: number,
  random: Random,
): Promise<{ leads: number; cells: number; ms: number }> {
  const leads = simulateGroupLeads(random, leadsPerYear, FIRST_DAY, LAST_DAY);
  const cells = cellsOf(leads);
  const aggregates = new DynamoDbAggregateStore({ client: env.documentClient, tableName: env.aggregatesTable });
  const { ms } = await timed(() =>
    aggregates.replaceDays(KPI_BENCH_TENANT, FIRST_DAY, LAST_DAY, cells, {
      runId: 'bench',
      finishedAt: new Date().toISOString(),
    }),
  );
  return { leads: leads.length, cells: cells.length, ms };
}

/**
 * Imports the API handler with the environment the local stack gives it. The handler reads its
 * configuration when its module loads, so the variables are set first.
 */
async function loadApiHandler(env: BenchEnvironment) {
  const secretsFile = join(env.dir, 'bench-secrets.json');
  await writeFile(secretsFile, '{}');
  Object.assign(process.env, {
    DYNAMODB_ENDPOINT: env.dynamo.endpoint,
    AWS_REGION: 'eu-west-3',
    AWS_ACCESS_KEY_ID: process.env.AWS_ACCESS_KEY_ID ?? 'local',
    AWS_SECRET_ACCESS_KEY: process.env.AWS_SECRET_ACCESS_KEY ?? 'local',
    LEADS_TABLE_NAME: env.leadsTable,
    AGGREGATES_TABLE_NAME: env.aggregatesTable,
    SECRETS_BACKEND: 'file',
    SECRETS_FILE: secretsFile,
  });
  const { handler } = await import('#functions/api');
  return handler as unknown as (
    event: APIGatewayProxyEventV2WithJWTAuthorizer,
    context: Context,
  ) => Promise<{ statusCode: number; body: string }>;
}

/** Builds the event that the local gateway passes for a `jwt` route, with the token's claims under the JWT authorizer. */
function gatewayEvent(
  query: Record<string, string>,
  claims: Record<string, string>,
): APIGatewayProxyEventV2WithJWTAuthorizer {
  const now = new Date();
  return {
    version: '2.0',
    routeKey: 'GET /v1/kpis',
    rawPath: '/v1/kpis',
    rawQueryString: new URLSearchParams(query).toString(),
    headers: { host: '127.0.0.1' },
    queryStringParameters: query,
    isBase64Encoded: false,
    requestContext: {
      accountId: 'local',
      apiId: 'local',
      domainName: '127.0.0.1',
      domainPrefix: '127',
      http: { method: 'GET', path: '/v1/kpis', protocol: 'HTTP/1.1', sourceIp: '127.0.0.1', userAgent: 'bench' },
      requestId: `bench-${now.getTime()}`,
      routeKey: 'GET /v1/kpis',
      stage: '$default',
      time: now.toUTCString(),
      timeEpoch: now.getTime(),
      authorizer: { principalId: '', integrationLatency: 0, jwt: { claims, scopes: null } },
    },
  } as APIGatewayProxyEventV2WithJWTAuthorizer;
}

function lambdaContext(): Context {
  return {
    awsRequestId: 'bench',
    functionName: 'api',
    functionVersion: '$LATEST',
    invokedFunctionArn: 'arn:aws:lambda:eu-west-3:000000000000:function:api',
    memoryLimitInMB: '1024',
    logGroupName: '/aws/lambda/api',
    logStreamName: 'bench',
    callbackWaitsForEmptyEventLoop: false,
    getRemainingTimeInMillis: () => 30_000,
    done: () => {},
    fail: () => {},
    succeed: () => {},
  };
}

/**
 * Draws a request: a range of one day to 13 months within the stored months, any grouping and either basis.
 * It has no filter or one, an optional comparison, and a group admin or a site manager of 1 to 3 sites.
 */
function randomRequest(random: Random): {
  query: Record<string, string>;
  claims: Record<string, string>;
  months: number;
} {
  const months = pick(random, [0, 1, 1, 3, 6, 12, 13]);
  const to = addDays(LAST_DAY, -randomInt(random, 0, 20));
  const from = months === 0 ? addDays(to, -randomInt(random, 0, 13)) : addMonths(addDays(to, 1), -months);
  // Ranges that would start before the stored months start on their first day.
  let start = from;
  if (start < FIRST_DAY) {
    start = FIRST_DAY;
  }
  const query: Record<string, string> = {
    from: start,
    to,
    groupBy: pick(random, KPI_GROUP_BY),
    basis: pick(random, ['cohort', 'activity'] satisfies KpiBasis[]),
  };
  const source = pick(random, GROUP_SOURCES);
  const member = pick(random, GROUP_TEAM);
  const filter = pick(random, ['none', 'none', 'site', 'source', 'campaign', 'category', 'salesperson', 'team']);
  if (filter === 'site') {
    query.site = pick(random, GROUP_SITES).siteId;
  } else if (filter === 'source') {
    query.source = source.source;
  } else if (filter === 'campaign') {
    query.campaign = source.campaigns[0] ?? '';
  } else if (filter === 'category') {
    query.category = pick(random, ['VN', 'VO', 'APV']);
  } else if (filter === 'salesperson') {
    query.salesperson = member.salespersonId;
  } else if (filter === 'team') {
    query.team = member.team;
  }
  const compare = pick(random, ['none', 'previous-period', 'previous-year']);
  if (compare !== 'none') {
    query.compare = compare;
  }
  const siteManager = random() < 0.3;
  const sites = siteManager
    ? Array.from({ length: randomInt(random, 1, 3) }, () => pick(random, GROUP_SITES).siteId).join(',')
    : '*';
  return {
    query,
    claims: {
      [CLAIMS.tenant]: KPI_BENCH_TENANT,
      [CLAIMS.role]: siteManager ? 'site-manager' : 'group-admin',
      [CLAIMS.sites]: sites,
      sub: 'bench',
    },
    months,
  };
}

/** Sums the simulated leads into daily cells of both bases, as the nightly job would compute them. */
export function cellsOf(leads: readonly SimulatedGroupLead[]): DailyCell[] {
  const cells = new Map<string, DailyCell>();
  const add = (lead: SimulatedGroupLead, basis: KpiBasis, date: string, measures: Partial<DailyCell>) => {
    if (date > LAST_DAY) {
      return;
    }
    const cell: DailyCell = {
      basis,
      date,
      siteId: lead.siteId,
      source: lead.source,
      channel: lead.channel,
      campaignId: lead.campaignId,
      category: lead.category,
      salespersonId: lead.salespersonId,
      ...emptyMeasures(),
      ttfcBusinessHistogram: [],
      ttfcRawHistogram: [],
      ...measures,
    };
    const key = [basis, date, lead.siteId, lead.source, lead.campaignId, lead.category, lead.salespersonId].join('|');
    const existing = cells.get(key);
    if (existing === undefined) {
      cells.set(key, cell);
    } else {
      addCellInto(existing, cell);
    }
  };

  for (const lead of leads) {
    const outcomes = outcomeMeasures(lead);
    add(lead, 'cohort', lead.date, { leads: 1, prospects: lead.isRepeat ? 0 : 1, ...outcomes.all });
    add(lead, 'activity', lead.date, { leads: 1, prospects: lead.isRepeat ? 0 : 1 });
    if (lead.handled) {
      add(lead, 'activity', addDays(lead.date, lead.handled.dayOffset), { ...outcomes.handled, ...lead.contacts });
    }
    if (lead.appointmentDayOffset !== null) {
      add(lead, 'activity', addDays(lead.date, lead.appointmentDayOffset), {
        appointments: 1,
        appointmentsDue: 1,
        shows: lead.showed ? 1 : 0,
        testDrives: lead.testDrove ? 1 : 0,
        offers: lead.offered ? 1 : 0,
      });
    }
    if (lead.sale) {
      add(lead, 'activity', addDays(lead.date, lead.sale.dayOffset), outcomes.sale);
    }
  }
  return [...cells.values()];
}

function outcomeMeasures(lead: SimulatedGroupLead) {
  const handled: Partial<DailyCell> = lead.handled
    ? {
        contacted: 1,
        handled: 1,
        handledInTime: lead.handled.businessMinutes <= 60 ? 1 : 0,
        ttfcBusinessCount: 1,
        ttfcBusinessSum: lead.handled.businessMinutes,
        ttfcRawCount: 1,
        ttfcRawSum: lead.handled.rawMinutes,
        ttfcBusinessHistogram: [[lead.handled.businessMinutes, 1]],
        ttfcRawHistogram: [[lead.handled.rawMinutes, 1]],
      }
    : {};
  const sale: Partial<DailyCell> = lead.sale
    ? {
        sales: 1,
        salesWithin30Days: lead.sale.dayOffset <= 30 ? 1 : 0,
        salesWithin90Days: 1,
        revenueCents: lead.sale.revenueCents,
        grossMarginCents: lead.sale.grossMarginCents,
      }
    : {};
  const appointment = lead.appointmentDayOffset !== null;
  return {
    handled,
    sale,
    all: {
      ...handled,
      ...sale,
      ...lead.contacts,
      appointments: appointment ? 1 : 0,
      appointmentsDue: appointment ? 1 : 0,
      shows: lead.showed ? 1 : 0,
      testDrives: lead.testDrove ? 1 : 0,
      offers: lead.offered ? 1 : 0,
    },
  };
}
