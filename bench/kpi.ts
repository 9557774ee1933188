/**
 * Runs only the KPI figures of `npm run bench` (the `GET /v1/kpis` handler and the nightly job over a
 * year) and prints them, without writing bench/results.json: `npx tsx bench/kpi.ts [--leads N] [--requests N]`.
 * The defaults are the full size of 250,000 leads a year and 400 measured requests.
 */
process.env.POWERTOOLS_LOG_LEVEL = 'WARN';
process.env.POWERTOOLS_METRICS_DISABLED = 'true';

const { openEnvironment } = await import('./environment');
const { benchKpiApi } = await import('./kpi-api');
const { benchNightlyYear } = await import('./nightly-year');
const { seededRandom } = await import('./random');
const { formatTable } = await import('./results');

const leadsIndex = process.argv.indexOf('--leads');
const leadsPerYear = leadsIndex === -1 ? 250_000 : Number(process.argv[leadsIndex + 1]);
if (!Number.isInteger(leadsPerYear) || leadsPerYear < 1_000) {
  throw new Error(`Invalid --leads ${process.argv[leadsIndex + 1]}: expected an integer of at least 1000`);
}

const requestsIndex = process.argv.indexOf('--requests');
const requests = requestsIndex === -1 ? 400 : Number(process.argv[requestsIndex + 1]);
if (!Number.isInteger(requests) || requests < 20) {
  throw new Error(`Invalid --requests ${process.argv[requestsIndex + 1]}: expected an integer of at least 20`);
}

const env = await openEnvironment();
try {
  const kpiApi = await benchKpiApi(env, { leadsPerYear, requests, warmUpRequests: 20 }, seededRandom(1));
  const nightlyYear = await benchNightlyYear(env, leadsPerYear, seededRandom(2));
  process.stdout.write(
    `${formatTable([
      { title: 'GET /v1/kpis handler in process', figures: kpiApi },
      { title: 'Nightly job over a year', figures: nightlyYear },
    ])}\n`,
  );
} finally {
  await env.close();
}

// Makes this file a module, which top-level await requires; it exports nothing.
export {};
