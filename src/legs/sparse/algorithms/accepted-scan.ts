import type { TopKHeap } from "../../../top-k-heap.js";
import type { AcceptedBlocks } from "../accepted-blocks.js";
import { BLOCK_SHIFT, pairPosting } from "../sparse-part.js";
import type { SparseQuery } from "../sparse-query.js";
import type { SparseSegment } from "../sparse-segment.js";

/** Reused buffers: per accepted block its sums by place, and which places hold one. @internal */
export class AcceptedScanScratch {
  sums = new Float64Array(0);
  seen = new Uint32Array(0);

  reserve(blocks: number): void {
    if (this.seen.length < blocks) {
      const size = Math.max(blocks, this.seen.length * 2);
      this.sums = new Float64Array(size << BLOCK_SHIFT);
      this.seen = new Uint32Array(size);
    }
  }
}

/**
 * The first index in `from…to` of ascending `values` holding `target` or more (`to` when none):
 * the next one checked first, then steps doubling, then a binary search — linear when the lists
 * interleave densely, logarithmic in the gap when one is much sparser.
 */
function gallop(values: Uint32Array, from: number, to: number, target: number): number {
  if (from >= to || values[from]! >= target) return from;
  let lo = from;
  let step = 1;
  let hi = from + 1;
  while (hi < to && values[hi]! < target) {
    lo = hi;
    step <<= 1;
    hi = lo + step;
  }
  if (hi > to) hi = to;
  // values[lo] < target; the answer lies in lo + 1…hi.
  lo++;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (values[mid]! < target) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/**
 * Exact top-k of one segment's accepted documents alone, for a selective filter: term at a time,
 * each query term's blocks intersected with the blocks holding an accepted document (galloping
 * over whichever list is sparser), and in each shared block only the accepted places' postings
 * summed. No bounds are computed: its cost follows the accepted documents, where block-max
 * search's follows every block a query term occurs in, and a selective filter leaves block-max a
 * low k-th score that lets most of them through. Contributions are summed in the query's term
 * order, as `exhaustiveSearch` sums them, then rounded to float32, so scores are bit-identical.
 * Pushes slots (`base` + local number) into `heap`, which may be shared by every segment.
 * @internal
 */
export function acceptedScanSearch(
  segment: SparseSegment,
  base: number,
  query: SparseQuery,
  accepted: AcceptedBlocks,
  heap: TopKHeap,
  scratch: AcceptedScanScratch,
): void {
  const { blocks, masks } = accepted;
  const blockTotal = blocks.length;
  if (blockTotal === 0 || query.termIds.length === 0 || heap.k === 0) return;
  scratch.reserve(blockTotal);
  const { sums, seen } = scratch;
  const part = segment.part;
  const { termBlockStarts, blockIds, blockCounts, postingDocs, postingWeights } = part;
  seen.fill(0, 0, blockTotal);
  for (let t = 0; t < query.termIds.length; t++) {
    const term = query.termIds[t]!;
    const qw = query.weights[t]!;
    const end = termBlockStarts[term + 1]!;
    let j = termBlockStarts[term]!;
    let r = 0;
    while (j < end && r < blockTotal) {
      const b = blockIds[j]!;
      const a = blocks[r]!;
      if (b < a) {
        j = gallop(blockIds, j + 1, end, a);
        continue;
      }
      if (a < b) {
        r = gallop(blocks, r + 1, blockTotal, b);
        continue;
      }
      // Block b holds accepted documents and the term: add the term's weight for those.
      const mask = masks[b]!;
      let s = seen[r]!;
      const at = r << BLOCK_SHIFT;
      const p = pairPosting(part, j);
      for (let q = p, stop = p + blockCounts[j]!; q < stop; q++) {
        const d = postingDocs[q]!;
        const bit = 1 << d;
        if ((mask & bit) === 0) continue;
        if ((s & bit) === 0) {
          s |= bit;
          sums[at | d] = qw * postingWeights[q]!;
        } else {
          sums[at | d]! += qw * postingWeights[q]!;
        }
      }
      seen[r] = s;
      j++;
      r++;
    }
  }
  const docOrder = segment.docOrder;
  for (let r = 0; r < blockTotal; r++) {
    let s = seen[r]!;
    const first = blocks[r]! << BLOCK_SHIFT;
    const at = r << BLOCK_SHIFT;
    while (s !== 0) {
      const d = 31 - Math.clz32(s);
      s ^= 1 << d;
      heap.push(Math.fround(sums[at | d]!), base + docOrder[first | d]!);
    }
  }
}
