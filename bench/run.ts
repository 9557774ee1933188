/**
 * Entry point of `npm run bench`. Logging and metrics are turned down before any project module loads,
 * because Powertools reads its settings when its Logger and Metrics are constructed at import time.
 * Otherwise every measured delivery would print a log line and a metric between the progress lines.
 *
 * `npm run bench -- --quick` runs a reduced data set to check that the benchmarks work, and writes no results.
 * `npm run bench -- --skip lead-export` (or `--skip load`) leaves out a slow section; the keys it would write
 * keep their values from an earlier run.
 */
process.env.POWERTOOLS_LOG_LEVEL = 'WARN';
process.env.POWERTOOLS_METRICS_DISABLED = 'true';

const { runBenchmarks, SKIPPABLE_SECTIONS } = await import('./suite');
const skip = new Set(
  process.argv.flatMap((argument, index) => (process.argv[index - 1] === '--skip' ? [argument] : [])),
);
const unknown = [...skip].filter((name) => !(SKIPPABLE_SECTIONS as readonly string[]).includes(name));
if (unknown.length > 0) {
  process.stderr.write(`Unknown section for --skip: ${unknown.join(', ')}; known: ${SKIPPABLE_SECTIONS.join(', ')}\n`);
  process.exit(2);
}
await runBenchmarks({
  quick: process.argv.includes('--quick'),
  skip: skip as Set<(typeof SKIPPABLE_SECTIONS)[number]>,
});

// Makes this file a module, which top-level await requires; it exports nothing.
export {};
