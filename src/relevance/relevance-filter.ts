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
  const n = hits.length;
  // Per hit (by its index in `hits`): 1 once a rule dropped it, and why — the first rule that did.
  // The reason is written only when the dropped hits are reported (with explain): formatting a
  // sentence for each of hundreds of dropped candidates cost more than the filtering itself.
  const isDropped = new Uint8Array(n);
  const drops: (Drop | undefined)[] = record ? new Array<Drop | undefined>(n) : [];
  const drop = (i: number, rule: RelevanceRule, threshold: number, value: number | null, reason: () => string) => {
    if (isDropped[i] === 1) return;
    isDropped[i] = 1;
    if (record) drops[i] = { rule, threshold, value, reason: reason() };
  };
  const { minScore, minSparse, minDense, minProbability } = options;
  if (minScore !== undefined || minSparse !== undefined || minDense !== undefined || minProbability !== undefined) {
    for (let i = 0; i < n; i++) {
      const hit = hits[i]!;
      if (minScore !== undefined && !(hit.score >= minScore)) drop(i, "minScore", minScore, hit.score, () => `score ${hit.score} < minScore ${minScore}`);
      if (minSparse !== undefined && !(hit.sparse !== undefined && hit.sparse >= minSparse)) {
        const reason = () => (hit.sparse === undefined ? `no sparse score (minSparse ${minSparse})` : `sparse ${hit.sparse} < minSparse ${minSparse}`);
        drop(i, "minSparse", minSparse, hit.sparse ?? null, reason);
      }
      if (minDense !== undefined && !(hit.dense !== undefined && hit.dense >= minDense)) {
        const reason = () => (hit.dense === undefined ? `no dense score (minDense ${minDense})` : `dense ${hit.dense} < minDense ${minDense}`);
        drop(i, "minDense", minDense, hit.dense ?? null, reason);
      }
      if (minProbability !== undefined && !(hit.probability !== undefined && hit.probability >= minProbability)) {
        const reason = () => (hit.probability === undefined ? `no probability (minProbability ${minProbability})` : `probability ${hit.probability} < minProbability ${minProbability}`);
        drop(i, "minProbability", minProbability, hit.probability ?? null, reason);
      }
    }
  }
  // Indices of the hits still kept, in order.
  const remaining = () => {
    const out: number[] = [];
    for (let i = 0; i < n; i++) if (isDropped[i] === 0) out.push(i);
    return out;
  };
  let survivors = remaining();
  if (options.relative !== undefined && survivors.length > 0) {
    // Measured from the lowest score of the list, so the rule means the same on every scale
    // (negative similarities, z-scores) and the top hit always passes: s − bottom ≥ r × span
    // holds for s = top because r ≤ 1.
    const r = options.relative;
    const top = hits[survivors[0]!]!.score;
    const bottom = hits[survivors[survivors.length - 1]!]!.score;
    const span = top - bottom;
    const bar = bottom + r * span;
    for (const i of survivors) {
      const score = hits[i]!.score;
      if (!(score - bottom >= r * span)) drop(i, "relative", bar, score, () => `score ${score} < relative bar ${bar} (lowest ${bottom} + ${r} × (top ${top} − lowest))`);
    }
    survivors = survivors.filter((i) => isDropped[i] === 0);
  }
  if (options.autocut !== undefined) {
    const keep = autocut(survivors.map((i) => hits[i]!.score), options.autocut);
    const last = keep > 0 ? hits[survivors[keep - 1]!]!.score : NaN;
    for (const i of survivors.slice(keep)) drop(i, "autocut", last, hits[i]!.score, () => `autocut ${options.autocut}: after the score gap at rank ${keep} (score ${last})`);
    survivors = survivors.slice(0, keep);
  }
  const minHits = options.minHits ?? 0;
  if (survivors.length < minHits) {
    for (let i = 0; i < Math.min(minHits, n); i++) {
      isDropped[i] = 0;
      if (record) drops[i] = undefined;
    }
    survivors = remaining();
  }
  if (options.maxHits !== undefined) {
    const max = options.maxHits;
    survivors.slice(max).forEach((i, j) => drop(i, "maxHits", max, max + j + 1, () => `maxHits ${max}`));
    survivors = survivors.slice(0, max);
  }
  const dropped: DroppedHit[] = [];
  if (record) {
    for (let i = 0; i < n; i++) if (isDropped[i] === 1) dropped.push({ id: hits[i]!.id, score: hits[i]!.score, ...drops[i]! });
  }
  return { kept: survivors.map((i) => hits[i]!), dropped };
}
