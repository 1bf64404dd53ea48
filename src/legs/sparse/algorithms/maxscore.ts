import type { TopKHeap } from "../../../top-k-heap.js";
import type { SparseQuery } from "../sparse-query.js";
import type { SparseSegment } from "../sparse-segment.js";

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
 * essential terms' postings only, and non-essential postings are looked up (binary search forward
 * from each cursor) only while the document can still enter. Every document that can enter is
 * scored exactly, its contributions summed in token order as `exhaustiveSearch` sums them, so the
 * result equals exhaustive scoring's, ties included. `heap` is shared by every segment, so a
 * threshold reached in one prunes the next. `accept[slot]` must be 1 for a slot to be returned.
 * @internal
 */
export function maxScoreSearch(segment: SparseSegment, base: number, query: SparseQuery, accept: Uint8Array, heap: TopKHeap): void {
  const n = query.termIds.length;
  if (n === 0) return;
  const starts = segment.postingStarts;
  const docs = segment.postingDocs;
  const weights = segment.postingWeights;
  const maxima = segment.termMaxWeights;
  // Terms by ascending bound; position i of every array below is the i-th of that order.
  const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => query.weights[a]! * maxima[query.termIds[a]!]! - query.weights[b]! * maxima[query.termIds[b]!]!);
  const term = Uint32Array.from(order, (i) => query.termIds[i]!);
  const qw = Float64Array.from(order, (i) => query.weights[i]!);
  const cursor = Uint32Array.from(term, (t) => starts[t]!);
  const end = Uint32Array.from(term, (t) => starts[t + 1]!);
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
    let doc = 0xffffffff;
    for (let i = essential; i < n; i++) if (cursor[i]! < end[i]! && docs[cursor[i]!]! < doc) doc = docs[cursor[i]!]!;
    if (doc === 0xffffffff) return;
    // Essential terms: take this document's postings and move past it.
    let partial = 0;
    for (let i = essential; i < n; i++) {
      const p = cursor[i]!;
      if (p < end[i]! && docs[p] === doc) {
        const c = qw[i]! * weights[p]!;
        contribution[order[i]!] = c;
        matched[order[i]!] = 1;
        partial += c;
        cursor[i] = p + 1;
      }
    }
    if (accept[base + doc] !== 1) {
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
      const p = seek(docs, cursor[i]!, end[i]!, doc);
      cursor[i] = p;
      if (p < end[i]! && docs[p] === doc) {
        const c = qw[i]! * weights[p]!;
        contribution[order[i]!] = c;
        matched[order[i]!] = 1;
        partial += c;
      }
    }
    if (!pruned) {
      let score = 0;
      for (let t = 0; t < n; t++) if (matched[t] === 1) score += contribution[t]!;
      heap.push(Math.fround(score), base + doc);
      threshold = heap.threshold;
      while (essential < n && !canEnter(upTo[essential]!, threshold)) essential++;
    }
    matched.fill(0);
  }
}

/** The first position in `docs[from…end)` holding a document ≥ `doc` (galloping, then binary search). */
function seek(docs: Uint32Array, from: number, end: number, doc: number): number {
  if (from >= end || docs[from]! >= doc) return from;
  let step = 1;
  let lo = from;
  let hi = from + 1;
  while (hi < end && docs[hi]! < doc) {
    lo = hi;
    step *= 2;
    hi = Math.min(end, hi + step);
  }
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (docs[mid]! < doc) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
