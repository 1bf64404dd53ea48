import type { TopKHeap } from "../../../top-k-heap.js";
import type { RetrievalScores } from "../../retrieval-scores.js";
import type { AcceptedBlocks } from "../accepted-blocks.js";
import { gallop } from "../gallop.js";
import { BLOCK_SHIFT, pairPosting } from "../sparse-part.js";
import type { SparseQuery } from "../sparse-query.js";
import type { SparseSegment } from "../sparse-segment.js";

/**
 * A query term's blocks are searched for each accepted block (galloping) rather than read in
 * order when the term has more than this many times as many blocks as there are accepted blocks.
 */
const GALLOP_RATIO = 16;

/** Reused buffers: per block its sums by place, and which places hold one (0 between queries). @internal */
export class AcceptedScanScratch {
  sums = new Float64Array(0);
  seen = new Uint32Array(0);

  /** `gallopRatio`: see GALLOP_RATIO (tests set 0, always gallop, or Infinity, never). */
  constructor(readonly gallopRatio = GALLOP_RATIO) {}

  reserve(blocks: number): void {
    if (this.seen.length < blocks) {
      this.sums = new Float64Array(blocks << BLOCK_SHIFT);
      this.seen = new Uint32Array(blocks);
    }
  }
}

/**
 * Adds `qw × weight` for the postings `p…end` of block `b` whose place is in `mask` to the
 * block's sums; returns the block's new `seen` bits.
 */
function addAccepted(sums: Float64Array, seen: number, at: number, mask: number, qw: number, postingDocs: Uint8Array, postingWeights: Float32Array, p: number, end: number): number {
  for (; p < end; p++) {
    const d = postingDocs[p]!;
    const bit = 1 << d;
    if ((mask & bit) === 0) continue;
    if ((seen & bit) === 0) {
      seen |= bit;
      sums[at | d] = qw * postingWeights[p]!;
    } else {
      sums[at | d]! += qw * postingWeights[p]!;
    }
  }
  return seen;
}

/**
 * Exact top-k of one segment's accepted documents alone, for a selective filter: term at a time,
 * each query term's blocks read in order (a running posting offset, one byte of mask looked up
 * per block) — or, for a term with many more blocks than there are accepted blocks, looked up
 * from each accepted block by galloping — and in each block holding accepted documents only
 * their postings summed. No bounds are computed: the cost is one read of the query terms'
 * blocks plus the accepted documents' postings, where a selective filter leaves block-max search
 * a low k-th score that lets most blocks through to be scored whole. Contributions are summed in
 * the query's term order, as `exhaustiveSearch` sums them, then rounded to float32, so scores are
 * bit-identical. Pushes slots (`base` + local number) into `heap`, which may be shared by every
 * segment. With `recorded`, every accepted document's score is recorded there too.
 * @internal
 */
export function acceptedScanSearch(
  segment: SparseSegment,
  base: number,
  query: SparseQuery,
  accepted: AcceptedBlocks,
  heap: TopKHeap,
  scratch: AcceptedScanScratch,
  recorded?: RetrievalScores,
): void {
  const { blocks, masks } = accepted;
  const blockTotal = blocks.length;
  if (blockTotal === 0 || query.termIds.length === 0 || heap.k === 0) return;
  scratch.reserve(segment.blockCount);
  const { sums, seen } = scratch;
  const part = segment.part;
  const { termBlockStarts, blockIds, blockCounts, postingDocs, postingWeights } = part;
  for (let t = 0; t < query.termIds.length; t++) {
    const term = query.termIds[t]!;
    const qw = query.weights[t]!;
    const from = termBlockStarts[term]!;
    const end = termBlockStarts[term + 1]!;
    if (blockTotal * scratch.gallopRatio < end - from) {
      let j = from;
      for (let r = 0; r < blockTotal && j < end; r++) {
        const b = blocks[r]!;
        j = gallop(blockIds, j, end, b);
        if (j === end || blockIds[j] !== b) continue;
        const p = pairPosting(part, j);
        seen[b] = addAccepted(sums, seen[b]!, b << BLOCK_SHIFT, masks[b]!, qw, postingDocs, postingWeights, p, p + blockCounts[j]!);
      }
    } else {
      let p = pairPosting(part, from);
      for (let j = from; j < end; j++) {
        const b = blockIds[j]!;
        const count = blockCounts[j]!;
        const mask = masks[b]!;
        if (mask !== 0) seen[b] = addAccepted(sums, seen[b]!, b << BLOCK_SHIFT, mask, qw, postingDocs, postingWeights, p, p + count);
        p += count;
      }
    }
  }
  const docOrder = segment.docOrder;
  for (let r = 0; r < blockTotal; r++) {
    const b = blocks[r]!;
    let s = seen[b]!;
    seen[b] = 0;
    const at = b << BLOCK_SHIFT;
    while (s !== 0) {
      const d = 31 - Math.clz32(s);
      s ^= 1 << d;
      const score = Math.fround(sums[at | d]!);
      heap.push(score, base + docOrder[at | d]!);
      if (recorded) recorded.record(base + docOrder[at | d]!, score);
    }
  }
}
