import type { DroppedHit, RelevanceOptions } from "../types.js";
import { autocut } from "./autocut.js";

/** A fused hit as relevance filtering sees it. @internal */
export interface RankedHit {
  id: string;
  score: number;
  sparse?: number;
  dense?: number;
}

/**
 * Applies relevance filtering to fused hits (sorted best first). Rules run in this order:
 * absolute thresholds (`minScore`, `minSparse`, `minDense`), then `relative`, then `autocut`,
 * then `minHits` restores the best dropped hits and `maxHits` caps. Every hit removed is returned
 * in `dropped` with the rule that removed it.
 */
export function applyRelevance<T extends RankedHit>(hits: readonly T[], options: RelevanceOptions): { kept: T[]; dropped: DroppedHit[] } {
  const reasons = new Map<T, string>();
  const drop = (hit: T, reason: string) => {
    if (!reasons.has(hit)) reasons.set(hit, reason);
  };
  for (const hit of hits) {
    if (options.minScore !== undefined && !(hit.score >= options.minScore)) drop(hit, `score ${hit.score} < minScore ${options.minScore}`);
    if (options.minSparse !== undefined && !(hit.sparse !== undefined && hit.sparse >= options.minSparse)) {
      drop(hit, hit.sparse === undefined ? `no sparse score (minSparse ${options.minSparse})` : `sparse ${hit.sparse} < minSparse ${options.minSparse}`);
    }
    if (options.minDense !== undefined && !(hit.dense !== undefined && hit.dense >= options.minDense)) {
      drop(hit, hit.dense === undefined ? `no dense score (minDense ${options.minDense})` : `dense ${hit.dense} < minDense ${options.minDense}`);
    }
  }
  let survivors = hits.filter((h) => !reasons.has(h));
  if (options.relative !== undefined && survivors.length > 0) {
    const bar = options.relative * survivors[0]!.score;
    for (const hit of survivors) if (hit.score < bar) drop(hit, `score ${hit.score} < relative ${options.relative} × top ${survivors[0]!.score}`);
    survivors = survivors.filter((h) => !reasons.has(h));
  }
  if (options.autocut !== undefined) {
    const keep = autocut(survivors.map((h) => h.score), options.autocut);
    for (const hit of survivors.slice(keep)) drop(hit, `autocut ${options.autocut}: after the score gap at rank ${keep}`);
    survivors = survivors.slice(0, keep);
  }
  const minHits = options.minHits ?? 0;
  if (survivors.length < minHits) {
    const restore = new Set(hits.slice(0, minHits));
    for (const hit of restore) reasons.delete(hit);
    survivors = hits.filter((h) => !reasons.has(h));
  }
  if (options.maxHits !== undefined) {
    for (const hit of survivors.slice(options.maxHits)) drop(hit, `maxHits ${options.maxHits}`);
    survivors = survivors.slice(0, options.maxHits);
  }
  const dropped = hits.filter((h) => reasons.has(h)).map((h) => ({ id: h.id, score: h.score, reason: reasons.get(h)! }));
  return { kept: survivors, dropped };
}
