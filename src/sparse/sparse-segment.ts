import { setOwn } from "../own-property.js";
import type { SegmentData } from "../store/segment-codec.js";
import type { SparseTokenContribution, SparseVector } from "../types.js";
import type { SparseQuery } from "./sparse-query.js";

/**
 * The sparse leg of one segment: its postings (per term, documents ascending with float32
 * weights) and forward index (per document, terms ascending with weights), read in place from the
 * segment's arrays. Terms are numbered by their token's rank in the segment's sorted vocabulary.
 * @internal
 */
export class SparseSegment {
  readonly tokens: readonly string[];
  readonly postingStarts: Uint32Array;
  readonly postingDocs: Uint32Array;
  readonly postingWeights: Float32Array;
  private readonly forwardStarts: Uint32Array;
  private readonly forwardTerms: Uint32Array;
  private readonly forwardWeights: Float32Array;

  constructor(data: SegmentData) {
    this.tokens = data.tokens;
    this.postingStarts = data.postingStarts;
    this.postingDocs = data.postingDocs;
    this.postingWeights = data.postingWeights;
    this.forwardStarts = data.forwardStarts;
    this.forwardTerms = data.forwardTerms;
    this.forwardWeights = data.forwardWeights;
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

  hasTerms(doc: number): boolean {
    return this.forwardStarts[doc + 1]! > this.forwardStarts[doc]!;
  }

  /** Non-zeros of one document. */
  termCount(doc: number): number {
    return this.forwardStarts[doc + 1]! - this.forwardStarts[doc]!;
  }

  /**
   * Exact dot product of the query with one document, summed in the query's term order (as the
   * postings are), each term found by binary search in the document's sorted terms. Undefined
   * when they share no token (not a sparse match).
   */
  score(query: SparseQuery, doc: number): number | undefined {
    const start = this.forwardStarts[doc]!;
    const end = this.forwardStarts[doc + 1]!;
    const terms = this.forwardTerms;
    let sum = 0;
    let matched = false;
    let lo = start;
    for (let i = 0; i < query.termIds.length; i++) {
      const q = query.termIds[i]!;
      // Query terms ascend, so each search starts where the previous one ended.
      let hi = end;
      while (lo < hi) {
        const mid = (lo + hi) >>> 1;
        if (terms[mid]! < q) lo = mid + 1;
        else hi = mid;
      }
      if (lo < end && terms[lo] === q) {
        sum += query.weights[i]! * this.forwardWeights[lo]!;
        matched = true;
      }
    }
    return matched ? Math.fround(sum) : undefined;
  }

  /** Per-token contributions of a match, largest first (for explain). */
  contributions(query: SparseQuery, doc: number): SparseTokenContribution[] {
    const out: SparseTokenContribution[] = [];
    const start = this.forwardStarts[doc]!;
    const end = this.forwardStarts[doc + 1]!;
    for (let i = 0; i < query.termIds.length; i++) {
      for (let j = start; j < end; j++) {
        if (this.forwardTerms[j] === query.termIds[i]) {
          const q = query.weights[i]!;
          const d = this.forwardWeights[j]!;
          out.push({ token: this.tokens[query.termIds[i]!]!, query: q, doc: d, contribution: q * d });
        }
      }
    }
    return out.sort((a, b) => b.contribution - a.contribution || (a.token < b.token ? -1 : 1));
  }

  /** The stored vector of a document (float32 weights), or undefined when it has none. */
  vector(doc: number): SparseVector | undefined {
    const start = this.forwardStarts[doc]!;
    const end = this.forwardStarts[doc + 1]!;
    if (end === start) return undefined;
    const out: SparseVector = {};
    for (let j = start; j < end; j++) setOwn(out, this.tokens[this.forwardTerms[j]!]!, this.forwardWeights[j]!);
    return out;
  }
}
