import { setOwn } from "../../own-property.js";
import { BLOCK_SHIFT, pairPosting, type SparsePart } from "./sparse-part.js";
import type { SparseTokenContribution, SparseVector } from "../../types.js";
import type { SparseQuery } from "./sparse-query.js";

/**
 * The sparse leg of one segment, read in place from the segment's arrays (layout: sparse-part.ts).
 * Terms are numbered by their token's rank in the segment's sorted vocabulary; documents have a
 * position in the part (`docOrder` maps it to the local number, `positionOf` back). A document's
 * weight for a term is found by binary search in the term's blocks, then a scan of at most 32
 * postings.
 * @internal
 */
export class SparseSegment {
  readonly tokens: readonly string[];
  readonly part: SparsePart;
  readonly termMaxWeights: Float32Array;
  /** Position in the part → local number. */
  readonly docOrder: Uint32Array;
  /** Local number → position in the part. */
  readonly positionOf: Uint32Array;
  readonly docCount: number;
  readonly blockCount: number;
  private readonly termCounts: Uint32Array;
  /** Per term, its dense row of block maxima once built (`blockMaxRow`). */
  private readonly rows: (Uint8Array | undefined)[];

  constructor(data: SparsePart) {
    this.part = data;
    this.tokens = data.tokens;
    this.termMaxWeights = data.termMaxWeights;
    this.termCounts = data.termCounts;
    this.docOrder = data.docOrder;
    this.docCount = data.docOrder.length;
    this.blockCount = (this.docCount + (1 << BLOCK_SHIFT) - 1) >>> BLOCK_SHIFT;
    this.positionOf = new Uint32Array(this.docCount);
    for (let i = 0; i < this.docCount; i++) this.positionOf[data.docOrder[i]!] = i;
    this.rows = new Array<Uint8Array | undefined>(data.tokens.length);
  }

  /**
   * The quantized block maxima of `term` over every block of the segment (0 where it does not
   * occur), built from its (term, block) pairs on first use and kept: block-max search sums the
   * rows of terms present in many blocks instead of scattering their pairs, at one byte per block
   * each.
   */
  blockMaxRow(term: number): Uint8Array {
    let row = this.rows[term];
    if (row === undefined) {
      const { termBlockStarts, blockIds, blockMaxima } = this.part;
      row = new Uint8Array(this.blockCount);
      for (let j = termBlockStarts[term]!, end = termBlockStarts[term + 1]!; j < end; j++) row[blockIds[j]!] = blockMaxima[j]!;
      this.rows[term] = row;
    }
    return row;
  }

  /** The term number of `token`, or undefined when no document of the segment has it. */
  term(token: string): number | undefined {
    let lo = 0;
    let hi = this.tokens.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.tokens[mid]! < token) lo = mid + 1;
      else hi = mid;
    }
    return lo < this.tokens.length && this.tokens[lo] === token ? lo : undefined;
  }

  /**
   * Resolves a query vector against this segment: unknown tokens and non-positive weights drop
   * out; terms in token order, which is term-number order here.
   */
  compileQuery(vector: SparseVector): SparseQuery {
    const entries: [number, number][] = [];
    for (const token of Object.keys(vector)) {
      const weight = Math.fround(vector[token]!);
      const term = weight > 0 ? this.term(token) : undefined;
      if (term !== undefined) entries.push([term, weight]);
    }
    entries.sort((a, b) => a[0] - b[0]);
    return { termIds: Uint32Array.from(entries, (e) => e[0]), weights: Float32Array.from(entries, (e) => e[1]) };
  }

  /** The (term, block) pair of `term` in `block` (an index into the part's pair arrays), or −1. */
  pairIndex(term: number, block: number): number {
    const { termBlockStarts, blockIds } = this.part;
    const end = termBlockStarts[term + 1]!;
    const j = firstPairAtOrAfter(blockIds, termBlockStarts[term]!, end, block);
    return j === end || blockIds[j] !== block ? -1 : j;
  }

  /** Where the document at `position` sits in the postings of `term`, or −1. */
  private posting(term: number, position: number): number {
    const pair = this.pairIndex(term, position >>> BLOCK_SHIFT);
    if (pair < 0) return -1;
    const within = position & ((1 << BLOCK_SHIFT) - 1);
    const first = pairPosting(this.part, pair);
    const { blockCounts, postingDocs } = this.part;
    for (let p = first, stop = first + blockCounts[pair]!; p < stop; p++) if (postingDocs[p] === within) return p;
    return -1;
  }

  /**
   * Exact dot product of the query with one document (local number), summed in the query's term
   * order — the order term-at-a-time scoring adds them in, so the sums are bit-identical.
   * Undefined when they share no token (not a sparse match).
   */
  score(query: SparseQuery, doc: number): number | undefined {
    if (this.termCounts[doc] === 0) return undefined;
    const position = this.positionOf[doc]!;
    let sum = 0;
    let matched = false;
    for (let i = 0; i < query.termIds.length; i++) {
      const p = this.posting(query.termIds[i]!, position);
      if (p >= 0) {
        sum += query.weights[i]! * this.part.postingWeights[p]!;
        matched = true;
      }
    }
    return matched ? Math.fround(sum) : undefined;
  }

  /**
   * {@link score} of many documents (local numbers) at once, into `out` (NaN where a document shares
   * no token): the documents taken in position order, then per query term one forward pass over
   * the term's blocks, so a block is located once per term for every document in it. Each sum
   * runs over the query's terms in order, as `score`'s, so the results are bit-identical.
   */
  scoreMany(query: SparseQuery, docs: ArrayLike<number>, out: Float64Array): void {
    const byPosition = this.inPositionOrder(docs, out);
    const m = byPosition.length;
    if (m === 0) return;
    const positions = new Int32Array(m);
    for (let k = 0; k < m; k++) positions[k] = this.positionOf[docs[byPosition[k]!]!]!;
    const sums = new Float64Array(m);
    const matched = new Uint8Array(m);
    const part = this.part;
    const { termBlockStarts, blockIds, blockCounts, postingDocs, postingWeights } = part;
    const mask = (1 << BLOCK_SHIFT) - 1;
    for (let t = 0; t < query.termIds.length; t++) {
      const term = query.termIds[t]!;
      const w = query.weights[t]!;
      let j = termBlockStarts[term]!;
      const end = termBlockStarts[term + 1]!;
      let located = -1;
      let first = 0;
      for (let k = 0; k < m && j < end; k++) {
        const position = positions[k]!;
        const block = position >>> BLOCK_SHIFT;
        if (blockIds[j]! < block) {
          // The first of the term's remaining blocks at or after this one.
          j = firstPairAtOrAfter(blockIds, j + 1, end, block);
          if (j === end) break;
        }
        if (blockIds[j] !== block) continue;
        if (located !== j) {
          first = pairPosting(part, j);
          located = j;
        }
        const within = position & mask;
        for (let p = first, stop = first + blockCounts[j]!; p < stop; p++) {
          if (postingDocs[p] === within) {
            sums[k]! += w * postingWeights[p]!;
            matched[k] = 1;
            break;
          }
        }
      }
    }
    for (let k = 0; k < m; k++) out[byPosition[k]!] = matched[k] === 1 ? Math.fround(sums[k]!) : NaN;
  }

  /**
   * Indices into `docs` of the documents that have terms, in position order; `out` is set to NaN
   * for every document (the scores overwrite it).
   */
  private inPositionOrder(docs: ArrayLike<number>, out: Float64Array): Int32Array {
    const n = docs.length;
    // Position × n + index packs both into one exactly representable number (n ≤ 2^21, positions < 2^32), so a numeric sort orders them.
    const keys = new Float64Array(n);
    let m = 0;
    for (let i = 0; i < n; i++) {
      out[i] = NaN;
      const doc = docs[i]!;
      if (this.termCounts[doc] !== 0) keys[m++] = n <= 1 << 21 ? this.positionOf[doc]! * n + i : i;
    }
    const order = new Int32Array(m);
    if (n <= 1 << 21) {
      keys.subarray(0, m).sort();
      for (let k = 0; k < m; k++) order[k] = keys[k]! % n;
    } else {
      for (let k = 0; k < m; k++) order[k] = keys[k]!;
      order.sort((a, b) => this.positionOf[docs[a]!]! - this.positionOf[docs[b]!]!);
    }
    return order;
  }

  /** Per-token contributions of a match, largest first (for explain). */
  contributions(query: SparseQuery, doc: number): SparseTokenContribution[] {
    const out: SparseTokenContribution[] = [];
    const position = this.positionOf[doc]!;
    for (let i = 0; i < query.termIds.length; i++) {
      const p = this.posting(query.termIds[i]!, position);
      if (p < 0) continue;
      const q = query.weights[i]!;
      const d = this.part.postingWeights[p]!;
      out.push({ token: this.tokens[query.termIds[i]!]!, query: q, doc: d, contribution: q * d });
    }
    return out.sort((a, b) => b.contribution - a.contribution || (a.token < b.token ? -1 : 1));
  }

  /** The stored vector of a document (float32 weights), or undefined when it has none: a search of every term's blocks. */
  vector(doc: number): SparseVector | undefined {
    let left = this.termCounts[doc]!;
    if (left === 0) return undefined;
    const position = this.positionOf[doc]!;
    const out: SparseVector = {};
    for (let term = 0; term < this.tokens.length && left > 0; term++) {
      const p = this.posting(term, position);
      if (p >= 0) {
        setOwn(out, this.tokens[term]!, this.part.postingWeights[p]!);
        left--;
      }
    }
    return out;
  }
}

/** The first pair in `from…to` (one term's pairs, blocks ascending) whose block is `block` or later; `to` when none. */
export function firstPairAtOrAfter(blockIds: Uint32Array, from: number, to: number, block: number): number {
  let lo = from;
  let hi = to;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (blockIds[mid]! < block) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
