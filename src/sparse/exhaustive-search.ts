import { TopKHeap } from "../top-k-heap.js";
import type { SparseIndex } from "./sparse-index.js";
import type { SparseQuery } from "./sparse-query.js";

/** Reused accumulator buffers, so a query allocates nothing per posting. @internal */
export class TermAtATimeScratch {
  accumulators = new Float64Array(0);
  touched = new Uint8Array(0);
  touchedSlots = new Uint32Array(0);

  reserve(slots: number): void {
    if (this.accumulators.length < slots) {
      this.accumulators = new Float64Array(slots);
      this.touched = new Uint8Array(slots);
      this.touchedSlots = new Uint32Array(slots);
    }
  }
}

/**
 * Exact top-k by term-at-a-time accumulation over every posting of every query term.
 * Terms are visited in the query's order (token order), the same order as `SparseIndex.score`,
 * so the scores are bit-identical to forward-index rescoring and do not depend on write history. `accept[slot]` must be 1 for a slot to
 * be returned (liveness and filter folded together).
 * @internal
 */
export function exhaustiveSearch(
  index: SparseIndex,
  query: SparseQuery,
  k: number,
  accept: Uint8Array,
  tieBreak: (a: number, b: number) => number,
  scratch: TermAtATimeScratch,
): { slots: number[]; scores: number[] } {
  scratch.reserve(index.size);
  const acc = scratch.accumulators;
  const touched = scratch.touched;
  const touchedSlots = scratch.touchedSlots;
  let touchedCount = 0;
  for (let t = 0; t < query.termIds.length; t++) {
    const list = index.postingList(query.termIds[t]!);
    if (!list) continue;
    const qw = query.weights[t]!;
    const slots = list.slots;
    const weights = list.weights;
    for (let p = 0; p < list.length; p++) {
      const slot = slots[p]!;
      if (accept[slot] === 0) continue;
      if (touched[slot] === 0) {
        touched[slot] = 1;
        touchedSlots[touchedCount++] = slot;
        acc[slot] = qw * weights[p]!;
      } else {
        acc[slot]! += qw * weights[p]!;
      }
    }
  }
  const heap = new TopKHeap(k, tieBreak);
  for (let i = 0; i < touchedCount; i++) {
    const slot = touchedSlots[i]!;
    heap.push(Math.fround(acc[slot]!), slot);
    touched[slot] = 0;
  }
  return heap.drain();
}
