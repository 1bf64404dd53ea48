import { setOwn } from "../../own-property.js";
import type { SparsePart } from "./sparse-part.js";
import type { SparseTokenContribution, SparseVector } from "../../types.js";
import type { SparseQuery } from "./sparse-query.js";

/**
 * The sparse leg of one segment: its postings (per term, documents ascending with exact float32
 * weights), read in place from the segment's arrays. Terms are numbered by their token's rank in
 * the segment's sorted vocabulary. A document's weight for a term is found by binary search in
 * the term's postings (there is no forward index).
 * @internal
 */
export class SparseSegment {
  readonly tokens: readonly string[];
  readonly postingStarts: Uint32Array;
  readonly postingDocs: Uint32Array;
  readonly postingWeights: Float32Array;
  readonly termMaxWeights: Float32Array;
  private readonly termCounts: Uint32Array;

  constructor(data: SparsePart) {
    this.tokens = data.tokens;
    this.postingStarts = data.postingStarts;
    this.postingDocs = data.postingDocs;
    this.postingWeights = data.postingWeights;
    this.termMaxWeights = data.termMaxWeights;
    this.termCounts = data.termCounts;
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

  /** Where `doc` sits in the postings of `term`, or −1. */
  private posting(term: number, doc: number): number {
    let lo = this.postingStarts[term]!;
    const end = this.postingStarts[term + 1]!;
    let hi = end;
    const docs = this.postingDocs;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (docs[mid]! < doc) lo = mid + 1;
      else hi = mid;
    }
    return lo < end && docs[lo] === doc ? lo : -1;
  }

  /**
   * Exact dot product of the query with one document, summed in the query's term order — the
   * order term-at-a-time scoring adds them in, so the sums are bit-identical. Undefined when they
   * share no token (not a sparse match).
   */
  score(query: SparseQuery, doc: number): number | undefined {
    if (this.termCounts[doc] === 0) return undefined;
    let sum = 0;
    let matched = false;
    for (let i = 0; i < query.termIds.length; i++) {
      const p = this.posting(query.termIds[i]!, doc);
      if (p >= 0) {
        sum += query.weights[i]! * this.postingWeights[p]!;
        matched = true;
      }
    }
    return matched ? Math.fround(sum) : undefined;
  }

  /** Per-token contributions of a match, largest first (for explain). */
  contributions(query: SparseQuery, doc: number): SparseTokenContribution[] {
    const out: SparseTokenContribution[] = [];
    for (let i = 0; i < query.termIds.length; i++) {
      const p = this.posting(query.termIds[i]!, doc);
      if (p < 0) continue;
      const q = query.weights[i]!;
      const d = this.postingWeights[p]!;
      out.push({ token: this.tokens[query.termIds[i]!]!, query: q, doc: d, contribution: q * d });
    }
    return out.sort((a, b) => b.contribution - a.contribution || (a.token < b.token ? -1 : 1));
  }

  /** The stored vector of a document (float32 weights), or undefined when it has none: a search of every term's postings. */
  vector(doc: number): SparseVector | undefined {
    let left = this.termCounts[doc]!;
    if (left === 0) return undefined;
    const out: SparseVector = {};
    for (let term = 0; term < this.tokens.length && left > 0; term++) {
      const p = this.posting(term, doc);
      if (p >= 0) {
        setOwn(out, this.tokens[term]!, this.postingWeights[p]!);
        left--;
      }
    }
    return out;
  }
}
