/** Seeded PRNG (mulberry32): tests are reproducible. The library's own, so tests and tuning draw alike. */
export { seededRandom } from "../../src/eval/seeded-random.js";
import { seededRandom } from "../../src/eval/seeded-random.js";

/** Seeded Fisher–Yates shuffle. */
export function shuffle<T>(items: T[], seed: number): T[] {
  const rand = seededRandom(seed);
  const out = items.slice();
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(rand() * (i + 1));
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
}
