/**
 * Seeded pseudo-random numbers, so that every run of the benchmarks generates the same data set and
 * results from different runs or machines compare like with like.
 */

/** A source of uniform numbers in [0, 1). */
export type Random = () => number;

/** Creates a mulberry32 generator: fast, 32-bit state, good enough for test data (not for cryptography). */
export function seededRandom(seed: number): Random {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

/** An integer in [min, max], both included. */
export function randomInt(random: Random, min: number, max: number): number {
  return min + Math.floor(random() * (max - min + 1));
}

/** One element of a non-empty list, each equally likely. */
export function pick<T>(random: Random, items: readonly T[]): T {
  const item = items[Math.floor(random() * items.length)];
  if (item === undefined) {
    throw new RangeError('Cannot pick from an empty list');
  }
  return item;
}

/** One value of a list of `[value, weight]` pairs, with probability proportional to its weight. */
export function pickWeighted<T>(random: Random, choices: readonly (readonly [T, number])[]): T {
  const total = choices.reduce((sum, [, weight]) => sum + weight, 0);
  let threshold = random() * total;
  for (const [value, weight] of choices) {
    threshold -= weight;
    if (threshold < 0) {
      return value;
    }
  }
  const last = choices[choices.length - 1];
  if (last === undefined) {
    throw new RangeError('Cannot pick from an empty list');
  }
  return last[0];
}

/** A string of lower-case hex digits. */
export function randomHex(random: Random, length: number): string {
  let text = '';
  while (text.length < length) {
    text += Math.floor(random() * 0x1_0000_0000)
      .toString(16)
      .padStart(8, '0');
  }
  return text.slice(0, length);
}
