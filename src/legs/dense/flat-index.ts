import { TopKHeap } from "../../top-k-heap.js";
import type { RetrievalScores } from "../retrieval-scores.js";
import type { DenseQuery, DenseVectors } from "./vector-store.js";

/**
 * Top-k by scanning every accepted slot that has a vector: the oracle beside the ANN index, and
 * the fast path when a filter leaves few documents. By the store's own similarity (approximate
 * for a quantized store) unless `exact`. With `seen`, every score is recorded there as well (the
 * scan is then complete). @internal
 */
export function flatSearch(
  store: DenseVectors,
  query: DenseQuery,
  k: number,
  accept: Uint8Array,
  tieBreak: (a: number, b: number) => number,
  exact = false,
  seen?: RetrievalScores,
): { slots: number[]; scores: number[] } {
  const heap = new TopKHeap(k, tieBreak);
  if (exact) {
    // One callback whether or not scores are recorded, so the scan's call to it stays monomorphic.
    store.exactScan(query, accept, (slot, score) => {
      heap.push(score, slot);
      if (seen) seen.record(slot, score);
    });
    seen?.markComplete();
    return heap.drain();
  }
  for (let slot = 0; slot < store.size; slot++) {
    if (accept[slot] === 0 || !store.has(slot)) continue;
    const score = store.similarity(query, slot);
    heap.push(score, slot);
    seen?.record(slot, score);
  }
  seen?.markComplete();
  return heap.drain();
}
