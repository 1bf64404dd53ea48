import type { TopKHeap } from "../../../top-k-heap.js";
import type { SparseQuery } from "../sparse-query.js";
import type { SparseSegment } from "../sparse-segment.js";
import { BLOCK_SHIFT, pairPosting } from "../sparse-part.js";

/** Reused accumulator buffers, so a query allocates nothing per posting. @internal */
export class TermAtATimeScratch {
  accumulators = new Float64Array(0);
  touched = new Uint8Array(0);
  touchedDocs = new Uint32Array(0);

  reserve(docs: number): void {
    if (this.accumulators.length < docs) {
      this.accumulators = new Float64Array(docs);
      this.touched = new Uint8Array(docs);
      this.touchedDocs = new Uint32Array(docs);
    }
  }
}

/**
 * Exact top-k of one segment by term-at-a-time accumulation over every posting of every query
 * term, pushed into `heap` as slots (`base` + local number); a heap shared by every segment of
 * the index gives the index's top k. Terms are visited in the query's order (token order), the
 * same order as `SparseSegment.score`, so the scores are bit-identical to forward-index rescoring
 * and do not depend on how documents are spread over segments. `accept[slot]` must be 1 for a
 * slot to be returned (liveness and filter folded together).
 * @internal
 */
export function exhaustiveSearch(
  segment: SparseSegment,
  docCount: number,
  base: number,
  query: SparseQuery,
  accept: Uint8Array,
  heap: TopKHeap,
  scratch: TermAtATimeScratch,
): void {
  scratch.reserve(docCount);
  const acc = scratch.accumulators;
  const touched = scratch.touched;
  const touchedDocs = scratch.touchedDocs;
  const { termBlockStarts, blockIds, blockCounts, postingDocs, postingWeights: weights } = segment.part;
  const order = segment.docOrder;
  let touchedCount = 0;
  for (let t = 0; t < query.termIds.length; t++) {
    const term = query.termIds[t]!;
    const qw = query.weights[t]!;
    const pairEnd = termBlockStarts[term + 1]!;
    let p = pairPosting(segment.part, termBlockStarts[term]!);
    for (let j = termBlockStarts[term]!; j < pairEnd; j++) {
      const first = blockIds[j]! << BLOCK_SHIFT;
      for (const end = p + blockCounts[j]!; p < end; p++) {
        const doc = order[first + postingDocs[p]!]!;
        if (accept[base + doc] === 0) continue;
        if (touched[doc] === 0) {
          touched[doc] = 1;
          touchedDocs[touchedCount++] = doc;
          acc[doc] = qw * weights[p]!;
        } else {
          acc[doc]! += qw * weights[p]!;
        }
      }
    }
  }
  for (let i = 0; i < touchedCount; i++) {
    const doc = touchedDocs[i]!;
    heap.push(Math.fround(acc[doc]!), base + doc);
    touched[doc] = 0;
  }
}
