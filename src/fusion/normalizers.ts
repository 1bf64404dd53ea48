import type { Normalizer } from "../types.js";

/**
 * Normalizes one leg's scores (NaN = no score, left as NaN). Statistics are taken over the
 * leg's scores in the candidate pool, completed scores included, so a completed score is
 * normalized exactly like a retrieved one. Degenerate cases are defined:
 * - minmax: all equal → 1;
 * - zscore: σ = 0 → 0;
 * - tmm: (s − theoretical min) / (max − theoretical min); legs without a theoretical minimum
 *   (dot, l2) fall back to the observed minimum; max = min → 1;
 * - l2: s / ‖scores‖₂, all zero → 0;
 * - dbsf: clamp((s − (μ − 3σ)) / 6σ, 0, 1), σ = 0 → 0.5.
 * Written to `into` (as long as `scores`) when given, else to a new array.
 */
export function normalizeScores(method: Normalizer | "dbsf", scores: Float64Array, theoreticalMin?: number, into?: Float64Array): Float64Array {
  const n = scores.length;
  const out = (into ?? new Float64Array(n)).fill(NaN);
  const { n: count, min, max, mean, std, l2 } = scoreStatistics(scores);
  if (count === 0) return out;
  // One loop per method, each the expression of `normalizeScore` (so the values are identical).
  switch (method) {
    case "minmax":
    case "tmm": {
      const lower = method === "tmm" && theoreticalMin !== undefined ? theoreticalMin : min;
      const range = max - lower;
      for (let i = 0; i < n; i++) {
        const s = scores[i]!;
        if (!Number.isNaN(s)) out[i] = max > lower ? (s - lower) / range : 1;
      }
      break;
    }
    case "zscore":
      for (let i = 0; i < n; i++) {
        const s = scores[i]!;
        if (!Number.isNaN(s)) out[i] = std > 0 ? (s - mean) / std : 0;
      }
      break;
    case "l2":
      for (let i = 0; i < n; i++) {
        const s = scores[i]!;
        if (!Number.isNaN(s)) out[i] = l2 > 0 ? s / l2 : 0;
      }
      break;
    case "none":
      out.set(scores);
      break;
    case "dbsf": {
      const low = mean - 3 * std;
      const width = 6 * std;
      for (let i = 0; i < n; i++) {
        const s = scores[i]!;
        if (!Number.isNaN(s)) out[i] = std > 0 ? Math.min(1, Math.max(0, (s - low) / width)) : 0.5;
      }
      break;
    }
  }
  return out;
}

/** What the normalizers need to know of a leg's scores in the pool (NaN = no score, skipped). @internal */
export interface ScoreStatistics {
  n: number;
  min: number;
  max: number;
  mean: number;
  std: number;
  l2: number;
}

/** The statistics of a leg's scores in the candidate pool. @internal */
export function scoreStatistics(scores: Float64Array): ScoreStatistics {
  let n = 0;
  let min = Infinity;
  let max = -Infinity;
  let sum = 0;
  let sumSquares = 0;
  for (let i = 0; i < scores.length; i++) {
    const s = scores[i]!;
    if (Number.isNaN(s)) continue;
    n++;
    if (s < min) min = s;
    if (s > max) max = s;
    sum += s;
    sumSquares += s * s;
  }
  const mean = n === 0 ? NaN : sum / n;
  const std = n === 0 ? NaN : Math.sqrt(Math.max(0, sumSquares / n - mean * mean));
  return { n, min, max, mean, std, l2: Math.sqrt(sumSquares) };
}

/**
 * One score normalized with given statistics: the pool's own, or, for a document outside the
 * pool ("why not this document?"), the pool's unchanged. NaN when the pool has no scores.
 * @internal
 */
export function normalizeScore(method: Normalizer | "dbsf", stats: ScoreStatistics, s: number, theoreticalMin?: number): number {
  const { n, min, max, mean, std, l2 } = stats;
  if (n === 0) return NaN;
  switch (method) {
    case "minmax":
    case "tmm": {
      const lower = method === "tmm" && theoreticalMin !== undefined ? theoreticalMin : min;
      return max > lower ? (s - lower) / (max - lower) : 1;
    }
    case "zscore":
      return std > 0 ? (s - mean) / std : 0;
    case "l2":
      return l2 > 0 ? s / l2 : 0;
    case "none":
      return s;
    case "dbsf":
      return std > 0 ? Math.min(1, Math.max(0, (s - (mean - 3 * std)) / (6 * std))) : 0.5;
  }
}
