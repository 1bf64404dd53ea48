import { describe, expect, it } from "vitest";
import { buildSparsePart } from "../../../src/legs/sparse/sparse-part.js";
import { AUTO_ACCEPTED_SCAN_MAX_SHARE, AUTO_BLOCKMAX_MIN_DOCS, autoAlgorithm, SparseLeg } from "../../../src/legs/sparse/sparse-leg.js";
import type { SparseAlgorithm, SparseVector } from "../../../src/types.js";
import type { SparseEntries } from "../../../src/valid-document.js";
import { querySparse, SpladeCorpus, tokenName } from "../../bench/splade-corpus.js";

const ALGORITHMS: SparseAlgorithm[] = ["exhaustive", "maxscore", "blockmax", "auto"];

/** `size` documents of the seeded SPLADE-like corpus as segments of the given sizes, and its queries. */
function corpusLeg(segmentSizes: number[], seed: number, queryCount: number): { leg: SparseLeg; total: number; queries: SparseVector[] } {
  const corpus = new SpladeCorpus({ seed, topics: 50 });
  const leg = new SparseLeg();
  let base = 0;
  for (const size of segmentSizes) {
    const batch = corpus.nextBatch(size);
    const vectors: (SparseEntries | undefined)[] = [];
    for (let i = 0; i < batch.count; i++) {
      // Some documents without a sparse vector, as a hybrid index has.
      if (i % 17 === 5) {
        vectors.push(undefined);
        continue;
      }
      const from = batch.offsets[i]!;
      const to = batch.offsets[i + 1]!;
      vectors.push({ tokens: Array.from(batch.tokens.subarray(from, to), tokenName), weights: batch.weights.slice(from, to) });
    }
    leg.add(base, size, buildSparsePart(vectors));
    base += size;
  }
  const q = corpus.queries(queryCount);
  return { leg, total: base, queries: Array.from({ length: q.count }, (_, i) => querySparse(q, i)) };
}

/** A seeded accepted set keeping about `share` of the slots (liveness and a filter folded together). */
function acceptSet(total: number, share: number, seed: number): Uint8Array {
  return Uint8Array.from({ length: total }, (_, i) => (((Math.imul(i + 1, 2654435761) ^ seed) >>> 0) % 1000 < share * 1000 ? 1 : 0));
}

describe("every sparse algorithm returns exhaustive scoring's top k with bit-identical scores", () => {
  const cases: { name: string; segments: number[] }[] = [
    { name: "one small segment", segments: [300] },
    { name: "one segment of many blocks (auto: block-max)", segments: [9000] },
    { name: "segments of mixed sizes sharing one heap", segments: [5000, 40, 4100, 700] },
  ];
  for (const { name, segments } of cases) {
    it(`${name}: with deletions and filters of several selectivities, and several k`, () => {
      const { leg, total, queries } = corpusLeg(segments, segments.length * 7 + segments[0]!, 12);
      const rank = Uint32Array.from({ length: total }, (_, i) => Math.imul(i ^ 0x5bd1e995, 0x9e3779b1) >>> 0);
      const tieBreak = (a: number, b: number) => rank[a]! - rank[b]! || a - b;
      // Shares on both sides of auto's switch to the accepted-only scan (AUTO_ACCEPTED_SCAN_MAX_SHARE).
      for (const share of [1, 0.9, 0.5, 0.1, 0.06, 0.04, 0.01, 0.002]) {
        const accept = acceptSet(total, share, Math.round(share * 977));
        queries.forEach((query, i) => {
          const k = [1, 10, 100][i % 3]!;
          const expected = leg.retrieve(query, k, accept, tieBreak, "exhaustive");
          expect(expected.exact).toBe(true);
          for (const algorithm of ALGORITHMS) {
            expect(leg.retrieve(query, k, accept, tieBreak, algorithm), `${algorithm}, share ${share}, query ${i}`).toEqual(expected);
          }
          // Alpha 1 with every term is the exact search.
          expect(leg.retrieve(query, k, accept, tieBreak, "blockmax", { alpha: 1, termMass: 1 })).toEqual(expected);
        });
      }
    });
  }

  it("ties: documents with equal scores enter by tie-break exactly as in exhaustive scoring", () => {
    // Every document the same vector: every score ties, the tie-break alone decides.
    const vectors = Array.from({ length: 5000 }, (_, i): SparseEntries => ({ tokens: ["a", "b", i % 2 === 0 ? "c" : "d"], weights: Float32Array.from([0.5, 0.25, 1]) }));
    const leg = new SparseLeg();
    leg.add(0, vectors.length, buildSparsePart(vectors));
    const accept = acceptSet(5000, 0.7, 3);
    const rank = Uint32Array.from({ length: 5000 }, (_, i) => Math.imul(i, 0x9e3779b1) >>> 0);
    const tieBreak = (a: number, b: number) => rank[a]! - rank[b]! || a - b;
    for (const query of [{ a: 1 }, { a: 1, b: 2 }, { c: 1, d: 1 }, { a: 0.5, c: 2 }] as SparseVector[]) {
      const expected = leg.retrieve(query, 25, accept, tieBreak, "exhaustive");
      for (const algorithm of ALGORITHMS) expect(leg.retrieve(query, 25, accept, tieBreak, algorithm)).toEqual(expected);
    }
  });
});

describe("auto's choice per segment", () => {
  it("scores the accepted documents alone at or below the documented share accepted, else exhaustive below the documented size and block-max from it", () => {
    for (const docCount of [100, AUTO_BLOCKMAX_MIN_DOCS - 1, AUTO_BLOCKMAX_MIN_DOCS, 1_000_000]) {
      const most = Math.floor(AUTO_ACCEPTED_SCAN_MAX_SHARE * docCount);
      const large = docCount >= AUTO_BLOCKMAX_MIN_DOCS ? "blockmax" : "exhaustive";
      expect(autoAlgorithm(docCount, 0)).toBe("accepted");
      expect(autoAlgorithm(docCount, most), `${most} of ${docCount}`).toBe("accepted");
      expect(autoAlgorithm(docCount, most + 1), `${most + 1} of ${docCount}`).toBe(large);
      expect(autoAlgorithm(docCount, docCount)).toBe(large);
    }
    // The shares of the benchmark's filters at a million documents: 1.1% scanned, 10% and 48.6% by block-max.
    expect(autoAlgorithm(1_000_000, 11_381)).toBe("accepted");
    expect(autoAlgorithm(1_000_000, 99_992)).toBe("blockmax");
    expect(autoAlgorithm(1_000_000, 485_712)).toBe("blockmax");
  });
});

describe("approximate block-max search", () => {
  it("returns exact scores for what it returns, recall@10 against exact at most 1, and says it is not exact", () => {
    const { leg, total, queries } = corpusLeg([6000, 3000], 11, 20);
    const accept = new Uint8Array(total).fill(1);
    const tieBreak = (a: number, b: number) => a - b;
    for (const pruning of [{ alpha: 0.5 }, { maxTerms: 3 }, { termMass: 0.3 }, { alpha: 0.8, maxTerms: 10, termMass: 0.9 }]) {
      let found = 0;
      let wanted = 0;
      for (const query of queries) {
        const exact = leg.retrieve(query, 10, accept, tieBreak, "exhaustive");
        const approximate = leg.retrieve(query, 10, accept, tieBreak, "blockmax", pruning);
        expect(approximate.exact).toBe(false);
        expect(approximate.scores).toEqual(leg.score(query, approximate.slots));
        const want = new Set(exact.slots);
        found += approximate.slots.filter((s) => want.has(s)).length;
        wanted += exact.slots.length;
      }
      const recall = found / wanted;
      expect(recall).toBeGreaterThanOrEqual(0);
      expect(recall).toBeLessThanOrEqual(1);
    }
  });
});

describe("batched score completion", () => {
  it("scores any list of slots exactly as exhaustive scoring does, bit for bit, across segments, repeats, skipped and empty documents", () => {
    const { leg, total, queries } = corpusLeg([3000, 40, 2100, 700], 23, 8);
    const all = new Uint8Array(total).fill(1);
    const tieBreak = (a: number, b: number) => a - b;
    let state = 7;
    const next = () => (state = (Math.imul(state, 1103515245) + 12345) >>> 0);
    queries.forEach((query, q) => {
      // Reference: every matching document's score from exhaustive term-at-a-time scoring.
      const reference = leg.retrieve(query, total, all, tieBreak, "exhaustive");
      const expected = new Map(reference.slots.map((slot, i) => [slot, reference.scores[i]!]));
      for (const size of [0, 1, 7, 130, 1000]) {
        // Random slots (repeats included), some skipped (−1), in no particular order.
        const slots = Int32Array.from({ length: size }, () => (next() % 11 === 0 ? -1 : next() % total));
        const got = leg.score(query, slots);
        expect(got.length).toBe(size);
        slots.forEach((slot, i) => expect(got[i], `query ${q}, size ${size}, slot ${slot}`).toBe(slot < 0 ? undefined : expected.get(slot)));
      }
    });
  });
});
