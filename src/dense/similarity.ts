import type { Metric } from "../types.js";

/**
 * Similarity of query row `q` (norm `qNorm`) with row `row` of `data` (norm `dNorm`), higher is
 * better: cosine, dot product, or negative squared L2 distance. @internal
 */
export function similarity(
  metric: Metric,
  q: Float32Array,
  qNorm: number,
  data: Float32Array,
  row: number,
  dNorm: number,
): number {
  const dim = q.length;
  const base = row * dim;
  if (metric === "l2") {
    let sum = 0;
    for (let i = 0; i < dim; i++) {
      const d = q[i]! - data[base + i]!;
      sum += d * d;
    }
    return Math.fround(-sum);
  }
  let dot = 0;
  for (let i = 0; i < dim; i++) dot += q[i]! * data[base + i]!;
  if (metric === "dot") return Math.fround(dot);
  return Math.fround(dot / (qNorm * dNorm));
}

/** Euclidean norm of a vector. @internal */
export function norm(v: ArrayLike<number>): number {
  let sum = 0;
  for (let i = 0; i < v.length; i++) sum += v[i]! * v[i]!;
  return Math.sqrt(sum);
}

/** The lowest similarity a metric can produce, when there is one (used by the `tmm` normalizer). */
export function theoreticalMinimum(metric: Metric): number | undefined {
  return metric === "cosine" ? -1 : undefined;
}
