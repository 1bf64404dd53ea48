import { TopKHeap } from "../top-k-heap.js";
import type { DenseQuery, VectorStore } from "./vector-store.js";

/**
 * Exact top-k by scanning every accepted slot that has a vector: the oracle beside the ANN
 * index, and the fast path when a filter leaves few documents. @internal
 */
export function flatSearch(
  store: VectorStore,
  query: DenseQuery,
  k: number,
  accept: Uint8Array,
  tieBreak: (a: number, b: number) => number,
): { slots: number[]; scores: number[] } {
  const heap = new TopKHeap(k, tieBreak);
  for (let slot = 0; slot < store.size; slot++) {
    if (accept[slot] === 0 || !store.has(slot)) continue;
    heap.push(store.similarity(query, slot), slot);
  }
  return heap.drain();
}
