import { seededRandom } from "./seeded-random.js";

/**
 * 95% percentile bootstrap interval of the mean of `values` (one per query): `resamples` draws of
 * n values with replacement from a seeded generator, the 2.5th and 97.5th percentiles of their
 * means.
 */
export function bootstrapInterval(values: ArrayLike<number>, resamples = 1000, seed = 1): [number, number] {
  const n = values.length;
  if (n === 0) return [0, 0];
  const rand = seededRandom(seed);
  const means = new Float64Array(resamples);
  for (let r = 0; r < resamples; r++) {
    let sum = 0;
    for (let i = 0; i < n; i++) sum += values[Math.floor(rand() * n)]!;
    means[r] = sum / n;
  }
  means.sort();
  const at = (p: number) => means[Math.min(resamples - 1, Math.max(0, Math.round(p * (resamples - 1))))]!;
  return [at(0.025), at(0.975)];
}
