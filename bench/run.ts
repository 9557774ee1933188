/**
 * Entry point of `npm run bench`. Logging and metrics are turned down before any project module loads,
 * because Powertools reads its settings when its Logger and Metrics are constructed at import time.
 * Otherwise every measured delivery would print a log line and a metric between the progress lines.
 *
 * `npm run bench -- --quick` runs a reduced data set to check that the benchmarks work, and writes no results.
 */
process.env.POWERTOOLS_LOG_LEVEL = 'WARN';
process.env.POWERTOOLS_METRICS_DISABLED = 'true';

const { runBenchmarks } = await import('./suite');
await runBenchmarks({ quick: process.argv.includes('--quick') });

// Makes this file a module, which top-level await requires; it exports nothing.
export {};
