import type { DroppedHit, RelevanceOptions, RelevanceRule } from "../types.js";
import { autocut } from "./autocut.js";

/** A fused hit as relevance filtering sees it. @internal */
export interface RankedHit {
  id: string;
  score: number;
  sparse?: number;
  dense?: number;
  /** Calibrated P(relevant), when a model ran. */
  probability?: number;
}

type Drop = Omit<DroppedHit, "id" | "score">;

/**
 * Applies relevance filtering to fused hits (sorted best first). Rules run in this order:
 * absolute thresholds (`minScore`, `minSparse`, `minDense`, `minProbability`), then `relative`, then `autocut`,
 * then `minHits` restores the best dropped hits and `maxHits` caps. Every hit removed is returned
 * in `dropped` with the first rule that removed it, its threshold and the hit's value (unless
 * `record` is false: then `dropped` is empty).
 */
export function applyRelevance<T extends RankedHit>(hits: readonly T[], options: RelevanceOptions, record = true): { kept: T[]; dropped: DroppedHit[] } {
  const drops = new Map<T, Drop | null>();
  // The reason is written only when the dropped hits are reported (with explain): formatting a
  // sentence for each of hundreds of dropped candidates cost more than the filtering itself.
  const drop = (hit: T, rule: RelevanceRule, threshold: number, value: number | null, reason: () => string) => {
    if (!drops.has(hit)) drops.set(hit, record ? { rule, threshold, value, reason: reason() } : null);
  };
  const { minScore, minSparse, minDense, minProbability } = options;
  for (const hit of hits) {
    if (minScore !== undefined && !(hit.score >= minScore)) drop(hit, "minScore", minScore, hit.score, () => `score ${hit.score} < minScore ${minScore}`);
    if (minSparse !== undefined && !(hit.sparse !== undefined && hit.sparse >= minSparse)) {
      const reason = () => (hit.sparse === undefined ? `no sparse score (minSparse ${minSparse})` : `sparse ${hit.sparse} < minSparse ${minSparse}`);
      drop(hit, "minSparse", minSparse, hit.sparse ?? null, reason);
    }
    if (minDense !== undefined && !(hit.dense !== undefined && hit.dense >= minDense)) {
      const reason = () => (hit.dense === undefined ? `no dense score (minDense ${minDense})` : `dense ${hit.dense} < minDense ${minDense}`);
      drop(hit, "minDense", minDense, hit.dense ?? null, reason);
    }
    if (minProbability !== undefined && !(hit.probability !== undefined && hit.probability >= minProbability)) {
      const reason = () => (hit.probability === undefined ? `no probability (minProbability ${minProbability})` : `probability ${hit.probability} < minProbability ${minProbability}`);
      drop(hit, "minProbability", minProbability, hit.probability ?? null, reason);
    }
  }
  let survivors = hits.filter((h) => !drops.has(h));
  if (options.relative !== undefined && survivors.length > 0) {
    // Measured from the lowest score of the list, so the rule means the same on every scale
    // (negative similarities, z-scores) and the top hit always passes: s − bottom ≥ r × span
    // holds for s = top because r ≤ 1.
    const r = options.relative;
    const top = survivors[0]!.score;
    const bottom = survivors[survivors.length - 1]!.score;
    const span = top - bottom;
    const bar = bottom + r * span;
    for (const hit of survivors) {
      if (!(hit.score - bottom >= r * span)) drop(hit, "relative", bar, hit.score, () => `score ${hit.score} < relative bar ${bar} (lowest ${bottom} + ${r} × (top ${top} − lowest))`);
    }
    survivors = survivors.filter((h) => !drops.has(h));
  }
  if (options.autocut !== undefined) {
    const keep = autocut(survivors.map((h) => h.score), options.autocut);
    const last = survivors[keep - 1]?.score ?? NaN;
    for (const hit of survivors.slice(keep)) drop(hit, "autocut", last, hit.score, () => `autocut ${options.autocut}: after the score gap at rank ${keep} (score ${last})`);
    survivors = survivors.slice(0, keep);
  }
  const minHits = options.minHits ?? 0;
  if (survivors.length < minHits) {
    const restore = new Set(hits.slice(0, minHits));
    for (const hit of restore) drops.delete(hit);
    survivors = hits.filter((h) => !drops.has(h));
  }
  if (options.maxHits !== undefined) {
    const max = options.maxHits;
    survivors.slice(max).forEach((hit, i) => drop(hit, "maxHits", max, max + i + 1, () => `maxHits ${max}`));
    survivors = survivors.slice(0, max);
  }
  const dropped = record ? hits.filter((h) => drops.has(h)).map((h) => ({ id: h.id, score: h.score, ...drops.get(h)! })) : [];
  return { kept: survivors, dropped };
}
