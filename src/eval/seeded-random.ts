/** A seeded pseudo-random generator (mulberry32) giving numbers in [0, 1): reproducible runs. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** The indices 0..n−1 in a seeded random order (Fisher–Yates). */
export function shuffledIndices(n: number, seed: number): number[] {
  const rand = seededRandom(seed);
  const out = Array.from({ length: n }, (_, i) => i);
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(rand() * (i + 1));
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
}

/** Fold of each of n items for k-fold cross-validation: a seeded shuffle dealt round-robin. */
export function foldAssignment(n: number, folds: number, seed: number): Int32Array {
  const fold = new Int32Array(n);
  shuffledIndices(n, seed).forEach((item, position) => (fold[item] = position % folds));
  return fold;
}
