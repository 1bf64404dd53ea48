import { TopKHeap } from "../../top-k-heap.js";
import type { DenseQuery, DenseVectors } from "./vector-store.js";

/**
 * Top-k by scanning every accepted slot that has a vector: the oracle beside the ANN index, and
 * the fast path when a filter leaves few documents. By the store's own similarity (approximate
 * for a quantized store) unless `exact`. @internal
 */
export function flatSearch(
  store: DenseVectors,
  query: DenseQuery,
  k: number,
  accept: Uint8Array,
  tieBreak: (a: number, b: number) => number,
  exact = false,
): { slots: number[]; scores: number[] } {
  const heap = new TopKHeap(k, tieBreak);
  if (exact) {
    store.exactScan(query, accept, (slot, score) => heap.push(score, slot));
    return heap.drain();
  }
  for (let slot = 0; slot < store.size; slot++) {
    if (accept[slot] === 0 || !store.has(slot)) continue;
    heap.push(store.similarity(query, slot), slot);
  }
  return heap.drain();
}
