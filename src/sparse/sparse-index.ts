import { setOwn } from "../own-property.js";
import { ensureCapacity } from "../typed-arrays.js";
import type { SparseTokenContribution, SparseVector } from "../types.js";
import { PostingList } from "./posting-list.js";
import type { SparseQuery } from "./sparse-query.js";
import { Vocabulary } from "./vocabulary.js";

/**
 * Inverted index over token ids plus a forward index (slot → sorted token ids and weights) for
 * exact rescoring. Slots are assigned by the caller in increasing order; liveness is the caller's
 * business (searches take an `accept` bitset). Weights are stored as float32. @internal
 */
export class SparseIndex {
  readonly vocabulary = new Vocabulary();
  private postings: PostingList[] = [];
  /** forwardStart[slot]..forwardStart[slot + 1] is the slot's range in forwardTerms/forwardWeights. */
  private forwardStart = new Uint32Array(16);
  private forwardTerms = new Uint32Array(16);
  private forwardWeights = new Float32Array(16);
  private slotCount = 0;
  private nnz = 0;

  get size(): number {
    return this.slotCount;
  }

  /** Adds the next slot (must equal the current size); `vector` may be empty. */
  add(slot: number, vector: SparseVector | undefined): void {
    if (slot !== this.slotCount) throw new RangeError(`SparseIndex: slot ${slot} added out of order (next is ${this.slotCount})`);
    const entries: [number, number][] = [];
    if (vector) {
      for (const token of Object.keys(vector)) {
        const weight = Math.fround(vector[token]!);
        if (weight > 0) entries.push([this.vocabulary.intern(token), weight]);
      }
    }
    entries.sort((a, b) => a[0] - b[0]);
    this.forwardStart = ensureCapacity(this.forwardStart, slot + 2);
    this.forwardTerms = ensureCapacity(this.forwardTerms, this.nnz + entries.length);
    this.forwardWeights = ensureCapacity(this.forwardWeights, this.nnz + entries.length);
    for (const [termId, weight] of entries) {
      this.forwardTerms[this.nnz] = termId;
      this.forwardWeights[this.nnz] = weight;
      this.nnz++;
      let list = this.postings[termId];
      if (!list) this.postings[termId] = list = new PostingList();
      list.append(slot, weight);
    }
    this.slotCount = slot + 1;
    this.forwardStart[this.slotCount] = this.nnz;
  }

  /** Posting list of a token id (undefined if no slot ever had it). */
  postingList(termId: number): PostingList | undefined {
    return this.postings[termId];
  }

  /** Resolves a query vector: unknown tokens and non-positive weights drop out; terms in token order. */
  compileQuery(vector: SparseVector): SparseQuery {
    const entries: [string, number, number][] = [];
    for (const token of Object.keys(vector)) {
      const id = this.vocabulary.lookup(token);
      const weight = Math.fround(vector[token]!);
      if (id !== undefined && weight > 0) entries.push([token, id, weight]);
    }
    entries.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
    return {
      termIds: Uint32Array.from(entries, (e) => e[1]),
      weights: Float32Array.from(entries, (e) => e[2]),
    };
  }

  hasTerms(slot: number): boolean {
    return this.forwardStart[slot + 1]! > this.forwardStart[slot]!;
  }

  /**
   * Exact dot product of the query with one slot, summed in the query's term order (as the
   * postings are), each term found by binary search in the slot's id-sorted terms.
   * Returns undefined when they share no token (not a sparse match).
   */
  score(query: SparseQuery, slot: number): number | undefined {
    const start = this.forwardStart[slot]!;
    const end = this.forwardStart[slot + 1]!;
    const terms = this.forwardTerms;
    let sum = 0;
    let matched = false;
    for (let i = 0; i < query.termIds.length; i++) {
      const q = query.termIds[i]!;
      let lo = start;
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
  contributions(query: SparseQuery, slot: number): SparseTokenContribution[] {
    const out: SparseTokenContribution[] = [];
    const start = this.forwardStart[slot]!;
    const end = this.forwardStart[slot + 1]!;
    for (let i = 0; i < query.termIds.length; i++) {
      for (let j = start; j < end; j++) {
        if (this.forwardTerms[j] === query.termIds[i]) {
          const q = query.weights[i]!;
          const d = this.forwardWeights[j]!;
          out.push({ token: this.vocabulary.token(query.termIds[i]!), query: q, doc: d, contribution: q * d });
        }
      }
    }
    return out.sort((a, b) => b.contribution - a.contribution || (a.token < b.token ? -1 : 1));
  }

  /** The stored vector of a slot (float32-rounded weights). */
  vector(slot: number): SparseVector | undefined {
    const start = this.forwardStart[slot]!;
    const end = this.forwardStart[slot + 1]!;
    if (end === start) return undefined;
    const out: SparseVector = {};
    for (let j = start; j < end; j++) setOwn(out, this.vocabulary.token(this.forwardTerms[j]!), this.forwardWeights[j]!);
    return out;
  }
}
