/** The benchmark run: sets up the temporary environment, runs each figure in turn and records the results. */
import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { cpus, loadavg, release, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { version as duckDbVersion } from '@duckdb/node-api';
import * as z from 'zod';
import { addDays } from '#shared/kpi/dates';
import { benchBundles } from './bundles';
import { benchDashboardSize } from './dashboard-size';
import { expectedCells, generateDataset } from './dataset';
import { openEnvironment } from './environment';
import { benchLakeVsExport } from './export-vs-lake';
import { buildCompactedLake } from './lake';
import { benchLeadExport } from './lead-export';
import { FULL_LOAD } from './load';
import { benchNightly, type KpiRange } from './nightly';
import { benchNightlyYear } from './nightly-year';
import { benchParse } from './parse';
import { seededRandom } from './random';
import { type Figure, figureValues, formatTable, mergeResults, type Section } from './results';
import { round } from './stats';
import { benchStreamToLake } from './stream-to-lake';
import { benchWebhook } from './webhook';

/** Seed of every generator; change it only together with the published results. */
const SEED = 20_261_204;

const RESULTS_FILE = join('bench', 'results.json');

interface RunSizes {
  deliveriesPerFormat: number;
  parse: { warmUpIterations: number; batches: number; iterationsPerBatch: number };
  leads: number;
  streamRecords: number;
  queryRuns: number;
  /** Leads a year of the simulated 30-site group of the KPI API and year-long nightly figures. */
  groupLeadsPerYear: number;
  kpiApi: { requests: number; warmUpRequests: number };
  /** Rows of the lead export job; the data set's leads are topped up with copies to reach it. */
  leadExportRows: number;
  /** Deliveries of the load test; `npx tsx bench/load.ts --leads N` runs it alone at another size. */
  loadDeliveries: number;
}

const FULL_RUN: RunSizes = {
  deliveriesPerFormat: 300,
  parse: { warmUpIterations: 300, batches: 30, iterationsPerBatch: 100 },
  leads: 100_000,
  streamRecords: 20_000,
  queryRuns: 3,
  groupLeadsPerYear: 250_000,
  kpiApi: { requests: 400, warmUpRequests: 20 },
  leadExportRows: 100_000,
  loadDeliveries: FULL_LOAD.deliveries,
};

const QUICK_RUN: RunSizes = {
  deliveriesPerFormat: 20,
  parse: { warmUpIterations: 50, batches: 5, iterationsPerBatch: 50 },
  leads: 5_000,
  streamRecords: 1_000,
  queryRuns: 1,
  groupLeadsPerYear: 10_000,
  kpiApi: { requests: 40, warmUpRequests: 5 },
  leadExportRows: 5_000,
  loadDeliveries: 2_000,
};

/** Submission dates of the data set: 120 days, the window that the scheduled nightly run recomputes. */
const FIRST_DATE = '2026-07-01';
const DAYS = 120;

const processStart = performance.now();

/** Prints a stage to stderr with the seconds elapsed since the process started, so slow stages stand out. */
function progress(message: string): void {
  const seconds = ((performance.now() - processStart) / 1000).toFixed(1);
  process.stderr.write(`[bench ${seconds.padStart(6)} s] ${message}\n`);
}

function machineValues() {
  const processors = cpus();
  return {
    machineCpuModel: processors[0]?.model.trim() ?? 'unknown',
    machineCores: processors.length,
    machineMemoryGiB: round(totalmem() / 1024 ** 3, 3),
    machineOs: `${process.platform} ${release()}`,
    machineNodeVersion: process.version,
    machineDuckDbVersion: duckDbVersion(),
    machineDate: new Date().toISOString(),
  };
}

/** Sections that `--skip NAME` leaves out of a run, by name. */
export const SKIPPABLE_SECTIONS = ['lead-export', 'load', 'kpi-api', 'nightly-year'] as const;
export type SkippableSection = (typeof SKIPPABLE_SECTIONS)[number];

export async function runBenchmarks(options: { quick: boolean; skip?: ReadonlySet<SkippableSection> }): Promise<void> {
  const skip = options.skip ?? new Set<SkippableSection>();
  const sizes = options.quick ? QUICK_RUN : FULL_RUN;
  const started = performance.now();
  // Other processes on the machine slow every figure down; the load average shows whether they did.
  const loadAtStart = round(loadavg()[0] ?? 0, 3);
  const sections: Section[] = [];

  progress('function bundles: size and module load time');
  const bundleFigures = await benchBundles(process.cwd());
  progress('dashboard: first-load size of the Vite build');
  const dashboardFigures = await benchDashboardSize(process.cwd());

  progress('starting DynamoDB Local in a temporary folder');
  const env = await openEnvironment();
  try {
    progress(`webhook: ${sizes.deliveriesPerFormat} deliveries per format through ingestDelivery`);
    sections.push({
      title: '1. Webhook handler time per lead (ingestDelivery on DynamoDB Local)',
      figures: await benchWebhook(env, sizes.deliveriesPerFormat),
    });

    progress('parsers: CPU time per lead');
    sections.push({ title: '1b. Parser CPU time per lead (no I/O)', figures: await benchParse(sizes.parse) });

    progress(`data set: ${sizes.leads} leads over ${DAYS} days`);
    const dataset = generateDataset({
      leads: sizes.leads,
      modifyShare: 0.3,
      removeShare: 0.005,
      firstDate: FIRST_DATE,
      days: DAYS,
      seed: SEED,
    });
    const range: KpiRange = { from: FIRST_DATE, to: addDays(FIRST_DATE, DAYS - 1) };
    const expected = expectedCells(dataset.finalLeads, range.from, range.to);
    // A month of reporting at the end of the window, as a dashboard requests it; this range prunes partitions.
    const monthRange: KpiRange = { from: addDays(range.to, -29), to: range.to };

    progress(`stream to lake: ${sizes.streamRecords} records in batches of 100`);
    sections.push({
      title: '2. Stream to lake (writeStreamBatch into a folder)',
      figures: await benchStreamToLake(env.dir, dataset.changes.slice(0, sizes.streamRecords)),
    });

    progress(`lake: ${dataset.changes.length} changes as compacted daily partitions`);
    const lake = await buildCompactedLake(env.dir, dataset.changes);

    progress('nightly: DAILY_LEADS_SQL and runNightly');
    sections.push({
      title: `3. Nightly job, ${sizes.leads.toLocaleString('en-US')} leads over ${DAYS} days`,
      figures: await benchNightly(env, lake, range, expected, sizes.queryRuns),
    });

    progress('lake vs table export: writing the export and running both queries');
    sections.push({
      title: '4. KPI on the lake vs on a DynamoDB table export (DuckDB)',
      figures: await benchLakeVsExport(
        env.dir,
        lake,
        dataset.finalLeads,
        [
          { keySuffix: '', label: `${DAYS} days`, range, expected },
          {
            keySuffix: '30Days',
            label: '30 days',
            range: monthRange,
            expected: expectedCells(dataset.finalLeads, monthRange.from, monthRange.to),
          },
        ],
        seededRandom(SEED + 1),
        sizes.queryRuns,
      ),
    });
    if (!skip.has('lead-export')) {
      progress(`lead export: a job over ${sizes.leadExportRows} leads, started and run in process`);
      sections.push({
        title: `10. Lead export job (POST /v1/leads/exports and its worker), ${sizes.leadExportRows.toLocaleString('en-US')} leads on DynamoDB Local`,
        figures: await benchLeadExport(env, dataset.finalLeads, range, sizes.leadExportRows),
      });
    }

    if (!skip.has('nightly-year')) {
      progress(`nightly over a year: ${sizes.groupLeadsPerYear} leads of 30 sites`);
      sections.push({
        title: `9. Nightly job over a year of ${sizes.groupLeadsPerYear.toLocaleString('en-US')} leads, 30 sites (DuckDB)`,
        figures: await benchNightlyYear(env, sizes.groupLeadsPerYear, seededRandom(SEED + 3)),
      });
    }
    sections.push({ title: '5. Lambda bundles (esbuild as the CDK app builds them)', figures: bundleFigures });
    sections.push({ title: '6. Dealer dashboard first load (Vite build of web/)', figures: dashboardFigures });
  } finally {
    progress('stopping DynamoDB Local and removing the temporary folder');
    await env.close();
  }

  // After the environment is closed, so that only one DynamoDB Local runs at a time. The handler's figure runs
  // in a fresh process, whose heap contains what an API Lambda's would and not the other sections' data sets.
  if (!skip.has('kpi-api')) {
    progress(
      `KPI API: 13 months of a group of ${sizes.groupLeadsPerYear} leads a year, ${sizes.kpiApi.requests} requests`,
    );
    sections.push({
      title: '8. GET /v1/kpis handler in process, 30 sites, 13 months of aggregates on DynamoDB Local',
      figures: await benchInChildProcess(join('bench', 'kpi-api-main.ts'), [
        ...['--leads', String(sizes.groupLeadsPerYear)],
        ...['--requests', String(sizes.kpiApi.requests)],
        ...['--warm-up', String(sizes.kpiApi.warmUpRequests)],
        ...['--seed', String(SEED + 2)],
      ]),
    });
  }
  if (!skip.has('load')) {
    progress(`load test: ${sizes.loadDeliveries} deliveries through the local stack`);
    sections.push({
      title: '7. Load test through the local gateway (rate limits set far above the load)',
      figures: await benchInChildProcess(join('bench', 'load.ts'), ['--leads', String(sizes.loadDeliveries)]),
    });
  }

  const wallSeconds = round((performance.now() - started) / 1000, 3);
  const machine = {
    ...machineValues(),
    machineLoadAverage1mAtStart: loadAtStart,
    machineLoadAverage1mAtEnd: round(loadavg()[0] ?? 0, 3),
  };
  process.stdout.write(`${formatTable(sections)}\n\n`);
  process.stdout.write(
    `Machine: ${machine.machineCpuModel}, ${machine.machineCores} cores, ${machine.machineMemoryGiB} GiB, ` +
      `${machine.machineOs}, Node ${machine.machineNodeVersion}, DuckDB ${machine.machineDuckDbVersion}\n`,
  );
  process.stdout.write(
    `Whole run: ${wallSeconds} s; 1-minute load average ${machine.machineLoadAverage1mAtStart} at the start, ` +
      `${machine.machineLoadAverage1mAtEnd} at the end\n`,
  );

  if (options.quick) {
    process.stdout.write(`Quick run: ${RESULTS_FILE} left unchanged\n`);
    return;
  }
  await mergeResults(RESULTS_FILE, {
    ...machine,
    benchSeed: SEED,
    benchRunSeconds: wallSeconds,
    ...figureValues(sections),
  });
  process.stdout.write(`Results merged into ${RESULTS_FILE}\n`);
}

const figuresSchema = z.array(
  z.object({
    key: z.string(),
    label: z.string(),
    value: z.number(),
    unit: z.string(),
    target: z.object({ max: z.number().optional(), min: z.number().optional() }).optional(),
  }),
);

/**
 * Runs the load test in its own Node process. The handlers read their configuration once, at module load, and
 * earlier sections of this process already loaded the API handler against another DynamoDB Local; a local
 * stack started here would reuse that module and reach a stopped endpoint.
 */
/** Runs a bench script in its own process with `--json FILE` and reads the figures it wrote there. */
async function benchInChildProcess(script: string, args: readonly string[]): Promise<Figure[]> {
  const dir = await mkdtemp(join(tmpdir(), 'leadpilot-bench-child-'));
  const figuresFile = join(dir, 'figures.json');
  try {
    await new Promise<void>((resolve, reject) => {
      const child = spawn(process.execPath, ['--import', 'tsx', script, ...args, '--json', figuresFile], {
        stdio: ['ignore', 'ignore', 'inherit'],
      });
      child.on('error', reject);
      child.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`${script} exited with ${code}`))));
    });
    return figuresSchema.parse(JSON.parse(await readFile(figuresFile, 'utf8')));
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
