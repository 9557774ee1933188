/** The benchmark run: sets up the temporary environment, runs each figure in turn and records the results. */
import { cpus, loadavg, release, totalmem } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { version as duckDbVersion } from '@duckdb/node-api';
import { addDays } from '#shared/kpi/dates';
import { benchBundles } from './bundles';
import { expectedCells, generateDataset } from './dataset';
import { openEnvironment } from './environment';
import { benchLakeVsExport } from './export-vs-lake';
import { buildCompactedLake } from './lake';
import { benchNightly, type KpiRange } from './nightly';
import { benchParse } from './parse';
import { seededRandom } from './random';
import { figureValues, formatTable, mergeResults, type Section } from './results';
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
}

const FULL_RUN: RunSizes = {
  deliveriesPerFormat: 300,
  parse: { warmUpIterations: 300, batches: 30, iterationsPerBatch: 100 },
  leads: 100_000,
  streamRecords: 20_000,
  queryRuns: 3,
};

const QUICK_RUN: RunSizes = {
  deliveriesPerFormat: 20,
  parse: { warmUpIterations: 50, batches: 5, iterationsPerBatch: 50 },
  leads: 5_000,
  streamRecords: 1_000,
  queryRuns: 1,
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

export async function runBenchmarks(options: { quick: boolean }): Promise<void> {
  const sizes = options.quick ? QUICK_RUN : FULL_RUN;
  const started = performance.now();
  // Other processes on the machine slow every figure down; the load average shows whether they did.
  const loadAtStart = round(loadavg()[0] ?? 0, 3);
  const sections: Section[] = [];

  progress('function bundles: size and module load time');
  const bundleFigures = await benchBundles(process.cwd());

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
    sections.push({ title: '5. Lambda bundles (esbuild as the CDK app builds them)', figures: bundleFigures });
  } finally {
    progress('stopping DynamoDB Local and removing the temporary folder');
    await env.close();
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
