import type { TopKHeap } from "../../../top-k-heap.js";
import { BLOCK_SHIFT, MAX_LEVEL, pairPosting } from "../sparse-part.js";
import type { SparseQuery } from "../sparse-query.js";
import type { SparseSegment } from "../sparse-segment.js";

/**
 * Relative margin on block bounds: a bound is a sum of products of rounded factors taken in
 * another order than the exact score, so it may round below it by a few ulps; a block is skipped
 * only when bound × (1 + margin) falls short of the threshold, which keeps the result exact.
 */
const BOUND_MARGIN = 1e-6;
/** Blocks are ordered by their bound into this many buckets (a counting sort, not a full sort). */
const BUCKETS = 1024;

/** How far a block-max search may cut corners. @internal */
export interface BlockMaxApproximation {
  /** Blocks whose bound × alpha does not exceed the threshold are skipped; 1: exact. */
  alpha: number;
  /** Per query term (query order), 1 when its weight counts toward block bounds; absent: all. */
  boundTerms?: Uint8Array;
}

/** Per-query buffers reused across queries, so a search allocates nothing per block or posting. @internal */
export class BlockMaxScratch {
  upper = new Float64Array(0);
  head = new Int32Array(0);
  touched = new Uint32Array(0);
  sorted = new Uint32Array(0);
  next = new Int32Array(0);
  entryTerm = new Uint32Array(0);
  entryPosting = new Uint32Array(0);
  entryCount = new Uint8Array(0);
  readonly bucketStarts = new Uint32Array(BUCKETS + 1);
  readonly bucketMax = new Float64Array(BUCKETS);
  readonly accumulators = new Float64Array(1 << BLOCK_SHIFT);

  reserve(blocks: number, entries: number): void {
    if (this.upper.length < blocks) {
      this.upper = new Float64Array(blocks);
      this.head = new Int32Array(blocks).fill(-1);
      this.touched = new Uint32Array(blocks);
      this.sorted = new Uint32Array(blocks);
    }
    if (this.next.length < entries) {
      const size = Math.max(entries, this.next.length * 2);
      this.next = new Int32Array(size);
      this.entryTerm = new Uint32Array(size);
      this.entryPosting = new Uint32Array(size);
      this.entryCount = new Uint8Array(size);
    }
  }
}

/**
 * Top-k of one segment by block-max pruning (BMP: Mallia, Suel & Tonellotto, "Faster Learned
 * Sparse Retrieval with Block-Max Pruning", SIGIR 2024). One pass over the query terms' (term,
 * block) pairs gives every block its upper bound Σ q_t × blockmax_t,b (the stored 8-bit maxima,
 * rounded up) and links the block to its postings of each query term; blocks are then visited in
 * decreasing bound order, each scored exactly — contributions summed in the query's term order,
 * as `exhaustiveSearch` sums them, then rounded to float32, so scores are bit-identical — until
 * the next bound cannot beat the heap's threshold. A bound equal to the threshold is still
 * visited: a document scoring exactly the threshold may enter by tie-break. With `approximation`
 * (alpha < 1, or only some terms counting toward bounds) blocks are cut earlier; the scores of
 * what is returned stay exact. `heap` is shared by every segment, so a threshold reached in one
 * prunes the next. `accept[slot]` must be 1 for a slot to be returned.
 * @internal
 */
export function blockMaxSearch(
  segment: SparseSegment,
  base: number,
  query: SparseQuery,
  accept: Uint8Array,
  heap: TopKHeap,
  scratch: BlockMaxScratch,
  approximation?: BlockMaxApproximation,
): void {
  const n = query.termIds.length;
  if (n === 0 || heap.k === 0) return;
  const part = segment.part;
  const { termBlockStarts, blockIds, blockCounts, blockMaxima, postingDocs, postingWeights } = part;
  const docOrder = segment.docOrder;
  let entries = 0;
  for (let i = 0; i < n; i++) entries += termBlockStarts[query.termIds[i]! + 1]! - termBlockStarts[query.termIds[i]!]!;
  scratch.reserve(segment.blockCount, entries);
  const { upper, head, touched, sorted, next, entryTerm, entryPosting, entryCount, bucketStarts, bucketMax } = scratch;
  const alpha = approximation?.alpha ?? 1;
  const boundTerms = approximation?.boundTerms;
  const exact = alpha === 1;

  // Bounds and links, last term first, so each block's list comes out in query order.
  let touchedCount = 0;
  let e = 0;
  for (let i = n - 1; i >= 0; i--) {
    const term = query.termIds[i]!;
    const coefficient = boundTerms && boundTerms[i] === 0 ? 0 : query.weights[i]! * (segment.termMaxWeights[term]! / MAX_LEVEL);
    let p = pairPosting(part, termBlockStarts[term]!);
    for (let j = termBlockStarts[term]!, end = termBlockStarts[term + 1]!; j < end; j++, e++) {
      const b = blockIds[j]!;
      const h = head[b]!;
      if (h < 0) {
        touched[touchedCount++] = b;
        upper[b] = 0;
      }
      next[e] = h;
      head[b] = e;
      entryTerm[e] = i;
      entryPosting[e] = p;
      entryCount[e] = blockCounts[j]!;
      p += blockCounts[j]!;
      upper[b]! += coefficient * blockMaxima[j]!;
    }
  }

  // Blocks into buckets by bound, highest bucket first (a counting sort); each bucket's largest bound kept.
  let maxUpper = 0;
  for (let k = 0; k < touchedCount; k++) if (upper[touched[k]!]! > maxUpper) maxUpper = upper[touched[k]!]!;
  const scale = maxUpper > 0 ? BUCKETS / maxUpper : 0;
  bucketStarts.fill(0);
  bucketMax.fill(0);
  const bucketOf = (bound: number) => BUCKETS - 1 - Math.min(BUCKETS - 1, Math.floor(bound * scale));
  for (let k = 0; k < touchedCount; k++) {
    const bound = upper[touched[k]!]!;
    const bucket = bucketOf(bound);
    bucketStarts[bucket + 1]!++;
    if (bound > bucketMax[bucket]!) bucketMax[bucket] = bound;
  }
  for (let k = 0; k < BUCKETS; k++) bucketStarts[k + 1]! += bucketStarts[k]!;
  for (let k = 0; k < touchedCount; k++) {
    const b = touched[k]!;
    sorted[bucketStarts[bucketOf(upper[b]!)]!++] = b;
  }
  for (let k = BUCKETS; k > 0; k--) bucketStarts[k] = bucketStarts[k - 1]!;
  bucketStarts[0] = 0;

  const acc = scratch.accumulators;
  const weights = query.weights;
  let threshold = heap.threshold;
  const visit = exact ? (bound: number) => bound * (1 + BOUND_MARGIN) >= threshold : (bound: number) => bound * alpha > threshold;
  for (let bucket = 0; bucket < BUCKETS; bucket++) {
    const from = bucketStarts[bucket]!;
    const to = bucketStarts[bucket + 1]!;
    if (from === to) continue;
    if (!visit(bucketMax[bucket]!)) break;
    for (let k = from; k < to; k++) {
      const b = sorted[k]!;
      if (!visit(upper[b]!)) continue;
      // Exact scores of the block's documents, by their place in the block.
      let seen = 0;
      for (let x = head[b]!; x >= 0; x = next[x]!) {
        const qw = weights[entryTerm[x]!]!;
        for (let p = entryPosting[x]!, end = p + entryCount[x]!; p < end; p++) {
          const d = postingDocs[p]!;
          const bit = 1 << d;
          if ((seen & bit) === 0) {
            seen |= bit;
            acc[d] = qw * postingWeights[p]!;
          } else {
            acc[d]! += qw * postingWeights[p]!;
          }
        }
      }
      const first = b << BLOCK_SHIFT;
      while (seen !== 0) {
        const d = 31 - Math.clz32(seen);
        seen ^= 1 << d;
        const slot = base + docOrder[first | d]!;
        if (accept[slot] === 1) heap.push(Math.fround(acc[d]!), slot);
      }
      threshold = heap.threshold;
    }
  }
  for (let k = 0; k < touchedCount; k++) head[touched[k]!] = -1;
}
