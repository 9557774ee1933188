/** Summary statistics and timing helpers shared by the benchmarks. */
import { performance } from 'node:perf_hooks';

/** Value at quantile `q` (0 to 1) of the samples, by the nearest-rank method. */
export function quantile(samples: readonly number[], q: number): number {
  if (samples.length === 0) {
    throw new RangeError('Cannot take a quantile of zero samples');
  }
  const sorted = [...samples].sort((left, right) => left - right);
  const rank = Math.min(sorted.length, Math.max(1, Math.ceil(q * sorted.length)));
  return sorted[rank - 1] as number;
}

export function median(samples: readonly number[]): number {
  return quantile(samples, 0.5);
}

/** Runs `task` and returns its result with the elapsed wall-clock time in milliseconds. */
export async function timed<T>(task: () => Promise<T>): Promise<{ result: T; ms: number }> {
  const start = performance.now();
  const result = await task();
  return { result, ms: performance.now() - start };
}

/** Rounds to a number of significant digits, so results.json does not carry timer noise as false precision. */
export function round(value: number, digits = 4): number {
  if (value === 0 || !Number.isFinite(value)) {
    return value;
  }
  return Number(value.toPrecision(digits));
}
