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
 */
export function normalizeScores(method: Normalizer | "dbsf", scores: Float64Array, theoreticalMin?: number): Float64Array {
  const out = new Float64Array(scores.length).fill(NaN);
  let n = 0;
  let min = Infinity;
  let max = -Infinity;
  let sum = 0;
  let sumSquares = 0;
  for (const s of scores) {
    if (Number.isNaN(s)) continue;
    n++;
    if (s < min) min = s;
    if (s > max) max = s;
    sum += s;
    sumSquares += s * s;
  }
  if (n === 0) return out;
  const mean = sum / n;
  const std = Math.sqrt(Math.max(0, sumSquares / n - mean * mean));
  const l2 = Math.sqrt(sumSquares);
  const lower = method === "tmm" && theoreticalMin !== undefined ? theoreticalMin : min;
  for (let i = 0; i < scores.length; i++) {
    const s = scores[i]!;
    if (Number.isNaN(s)) continue;
    switch (method) {
      case "minmax":
      case "tmm":
        out[i] = max > lower ? (s - lower) / (max - lower) : 1;
        break;
      case "zscore":
        out[i] = std > 0 ? (s - mean) / std : 0;
        break;
      case "l2":
        out[i] = l2 > 0 ? s / l2 : 0;
        break;
      case "none":
        out[i] = s;
        break;
      case "dbsf":
        out[i] = std > 0 ? Math.min(1, Math.max(0, (s - (mean - 3 * std)) / (6 * std))) : 0.5;
        break;
    }
  }
  return out;
}
