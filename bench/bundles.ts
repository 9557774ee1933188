/**
 * Size and module load time of each Lambda bundle, built with the esbuild options of the CDK app's
 * ServiceFunction (ESM, minified, AWS SDK and DuckDB left out).
 */
import { execFile } from 'node:child_process';
import { mkdir, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { gzipSync } from 'node:zlib';
import { build } from 'esbuild';
import { ESM_REQUIRE_BANNER, EXTERNAL_MODULES } from '#infra/constructs/service-function';
import type { Figure } from './results';
import { median } from './stats';

const run = promisify(execFile);

const FUNCTIONS = ['webhook', 'api', 'stream-to-lake', 'nightly', 'lead-export'] as const;

/** Environment that lets every handler's configuration validate at load time; nothing is called. */
const HANDLER_ENVIRONMENT = {
  AWS_REGION: 'eu-west-3',
  LEADS_TABLE_NAME: 'bench-leads',
  AGGREGATES_TABLE_NAME: 'bench-aggregates',
  SECRETS_BACKEND: 'secrets-manager',
  LAKE_URI: 's3://bench-lake/lake',
  EXPORTS_URI: 's3://bench-exports/leads',
  QUERY_ENGINE: 'athena',
  ATHENA_WORKGROUP: 'bench',
  ATHENA_DATABASE: 'bench',
  POWERTOOLS_METRICS_DISABLED: 'true',
};

/** Fresh Node processes per bundle: each import is a cold start of the module graph. */
const LOAD_RUNS = 5;

/** Loads the module in a new Node process and returns the milliseconds that `import()` took. */
async function loadMilliseconds(file: string): Promise<number> {
  const script =
    'const started = process.hrtime.bigint();' +
    `await import(${JSON.stringify(pathToFileURL(file).href)});` +
    'process.stdout.write(String(Number(process.hrtime.bigint() - started) / 1e6));';
  const { stdout } = await run(process.execPath, ['--input-type=module', '-e', script], {
    env: { ...process.env, ...HANDLER_ENVIRONMENT },
  });
  return Number(stdout);
}

/**
 * Builds each function into `<projectRoot>/.tmp/bench-bundles` (inside the project, so that the packages
 * left out of the bundle resolve from node_modules as they do from the Lambda runtime) and measures it.
 * The webhook bundle's target is 500 KB minified.
 */
export async function benchBundles(projectRoot: string): Promise<Figure[]> {
  const outDir = join(projectRoot, '.tmp', 'bench-bundles');
  await rm(outDir, { recursive: true, force: true });
  await mkdir(outDir, { recursive: true });
  const figures: Figure[] = [];
  try {
    for (const name of FUNCTIONS) {
      const outfile = join(outDir, name, 'index.mjs');
      await build({
        entryPoints: [join(projectRoot, 'functions', `${name}.ts`)],
        outfile,
        bundle: true,
        minify: true,
        platform: 'node',
        format: 'esm',
        target: 'node22',
        mainFields: ['module', 'main'],
        banner: { js: ESM_REQUIRE_BANNER },
        external: EXTERNAL_MODULES,
        logLevel: 'error',
      });
      const bytes = await readFile(outfile);
      const loads: number[] = [];
      for (let attempt = 0; attempt < LOAD_RUNS; attempt += 1) {
        loads.push(await loadMilliseconds(outfile));
      }
      const key = name.replace(/-(\w)/g, (_, letter: string) => letter.toUpperCase());
      figures.push(
        {
          key: `bundle${key[0]?.toUpperCase()}${key.slice(1)}MinifiedKB`,
          label: `${name} bundle, minified`,
          value: Math.round(bytes.length / 100) / 10,
          unit: 'KB',
          ...(name === 'webhook' ? { target: { max: 500 } } : {}),
        },
        {
          key: `bundle${key[0]?.toUpperCase()}${key.slice(1)}GzipKB`,
          label: `${name} bundle, gzip`,
          value: Math.round(gzipSync(bytes).length / 100) / 10,
          unit: 'KB',
        },
        {
          key: `bundle${key[0]?.toUpperCase()}${key.slice(1)}LoadMsMedian`,
          label: `${name} module load (median of ${LOAD_RUNS} cold processes)`,
          value: Math.round(median(loads) * 10) / 10,
          unit: 'ms',
        },
      );
    }
  } finally {
    await rm(outDir, { recursive: true, force: true });
  }
  return figures;
}
