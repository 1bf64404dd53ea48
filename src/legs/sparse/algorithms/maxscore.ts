import type { TopKHeap } from "../../../top-k-heap.js";
import type { SparseQuery } from "../sparse-query.js";
import type { SparseSegment } from "../sparse-segment.js";
import { BLOCK_SHIFT, pairPosting } from "../sparse-part.js";

/**
 * Relative margin on score bounds: a bound is a sum of float32 products taken in another order
 * than the exact score, so it may round below it by a few ulps; pruning only when bound ×
 * (1 + margin) falls short of the threshold keeps the result exact.
 */
const BOUND_MARGIN = 1e-6;

/**
 * Exact top-k of one segment by MaxScore (Turtle & Flood 1995, in the document-at-a-time form of
 * PISA's `maxscore_query`): query terms sorted by their upper bound (query weight × the term's
 * largest weight in the segment); the lowest-bound terms whose bounds together cannot lift a
 * document past the heap's threshold are "non-essential" — documents are enumerated from the
 * essential terms' postings only, and non-essential postings are looked up (skipping whole
 * blocks by their counts) only while the document can still enter. Every document that can enter is
 * scored exactly, its contributions summed in token order as `exhaustiveSearch` sums them, so the
 * result equals exhaustive scoring's, ties included. `heap` is shared by every segment, so a
 * threshold reached in one prunes the next. `accept[slot]` must be 1 for a slot to be returned.
 * @internal
 */
export function maxScoreSearch(segment: SparseSegment, base: number, query: SparseQuery, accept: Uint8Array, heap: TopKHeap): void {
  const n = query.termIds.length;
  if (n === 0) return;
  const part = segment.part;
  const { termBlockStarts, blockIds, blockCounts, postingDocs: docs, postingWeights: weights } = part;
  const docOrder = segment.docOrder;
  const maxima = segment.termMaxWeights;
  // Terms by ascending bound; position i of every array below is the i-th of that order.
  const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => query.weights[a]! * maxima[query.termIds[a]!]! - query.weights[b]! * maxima[query.termIds[b]!]!);
  const term = Uint32Array.from(order, (i) => query.termIds[i]!);
  const qw = Float64Array.from(order, (i) => query.weights[i]!);
  // A cursor per term: its (term, block) pair, the pair's end, its posting, the pair's last
  // posting + 1, and the position of the document it is on (END when exhausted).
  const pair = Uint32Array.from(term, (t) => termBlockStarts[t]!);
  const pairEnd = Uint32Array.from(term, (t) => termBlockStarts[t + 1]!);
  const posting = Uint32Array.from(pair, (j) => pairPosting(part, j));
  const blockEnd = Uint32Array.from(pair, (j, i) => (j < pairEnd[i]! ? posting[i]! + blockCounts[j]! : 0));
  const current = Uint32Array.from(pair, (j, i) => (j < pairEnd[i]! ? (blockIds[j]! << BLOCK_SHIFT) | docs[posting[i]!]! : END));
  /** Moves cursor i to its first document at position ≥ `target`. */
  const seek = (i: number, target: number) => {
    if (current[i]! >= target) return;
    let j = pair[i]!;
    let p = posting[i]!;
    const block = target >>> BLOCK_SHIFT;
    if (blockIds[j]! < block) {
      // Whole pairs are skipped by their counts.
      p = blockEnd[i]!;
      j++;
      while (j < pairEnd[i]! && blockIds[j]! < block) p += blockCounts[j++]!;
      if (j === pairEnd[i]!) {
        pair[i] = j;
        current[i] = END;
        return;
      }
      blockEnd[i] = p + blockCounts[j]!;
    }
    const first = blockIds[j]! << BLOCK_SHIFT;
    while (p < blockEnd[i]! && (first | docs[p]!) < target) p++;
    if (p === blockEnd[i]!) {
      j++;
      if (j === pairEnd[i]!) {
        pair[i] = j;
        current[i] = END;
        return;
      }
      blockEnd[i] = p + blockCounts[j]!;
    }
    pair[i] = j;
    posting[i] = p;
    current[i] = (blockIds[j]! << BLOCK_SHIFT) | docs[p]!;
  };
  /** upTo[i]: the sum of the bounds of terms 0…i. */
  const upTo = new Float64Array(n);
  for (let i = 0, sum = 0; i < n; i++) upTo[i] = sum += qw[i]! * maxima[term[i]!]!;
  // Contributions of the document being scored, by the term's place in the query (token order).
  const contribution = new Float64Array(n);
  const matched = new Uint8Array(n);
  const canEnter = (bound: number, threshold: number) => bound * (1 + BOUND_MARGIN) >= threshold;

  let threshold = heap.threshold;
  let essential = 0;
  while (essential < n && !canEnter(upTo[essential]!, threshold)) essential++;
  for (;;) {
    let doc = END;
    for (let i = essential; i < n; i++) if (current[i]! < doc) doc = current[i]!;
    if (doc === END) return;
    // Essential terms: take this document's postings and move past it.
    let partial = 0;
    for (let i = essential; i < n; i++) {
      if (current[i] !== doc) continue;
      const c = qw[i]! * weights[posting[i]!]!;
      contribution[order[i]!] = c;
      matched[order[i]!] = 1;
      partial += c;
      seek(i, doc + 1);
    }
    const slot = base + docOrder[doc]!;
    if (accept[slot] !== 1) {
      matched.fill(0);
      continue;
    }
    // Non-essential terms, highest bound first, while the document can still enter.
    let pruned = false;
    for (let i = essential - 1; i >= 0; i--) {
      if (!canEnter(partial + upTo[i]!, threshold)) {
        pruned = true;
        break;
      }
      seek(i, doc);
      if (current[i] === doc) {
        const c = qw[i]! * weights[posting[i]!]!;
        contribution[order[i]!] = c;
        matched[order[i]!] = 1;
        partial += c;
      }
    }
    if (!pruned) {
      let score = 0;
      for (let t = 0; t < n; t++) if (matched[t] === 1) score += contribution[t]!;
      heap.push(Math.fround(score), slot);
      threshold = heap.threshold;
      while (essential < n && !canEnter(upTo[essential]!, threshold)) essential++;
    }
    matched.fill(0);
  }
}

/** Position of an exhausted cursor: beyond any document. */
const END = 0xffffffff;
