import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { AcceptedScanScratch, acceptedScanSearch } from "../../../src/legs/sparse/algorithms/accepted-scan.js";
import { exhaustiveSearch, TermAtATimeScratch } from "../../../src/legs/sparse/algorithms/exhaustive.js";
import { acceptedBlocks } from "../../../src/legs/sparse/accepted-blocks.js";
import { maxScoreSearch } from "../../../src/legs/sparse/algorithms/maxscore.js";
import { BlockMaxScratch, blockMaxSearch } from "../../../src/legs/sparse/algorithms/blockmax.js";
import { buildSparsePart } from "../../../src/legs/sparse/sparse-part.js";
import { SparseSegment } from "../../../src/legs/sparse/sparse-segment.js";
import { TopKHeap } from "../../../src/top-k-heap.js";
import type { SparseEntries } from "../../../src/valid-document.js";
import { seededRandom } from "../../helpers/random.js";

const TOKENS = Array.from({ length: 40 }, (_, i) => `t${i}`);
/** Weights in quarters half the time, so equal scores (ties) are common. */
const weight = fc.oneof(fc.integer({ min: 1, max: 12 }).map((q) => q / 4), fc.float({ min: Math.fround(0.01), max: 3, noNaN: true }));
/** Skewed token choice, so posting lists differ in length as in real collections. */
const token = fc.integer({ min: 0, max: 999 }).map((r) => TOKENS[Math.floor(TOKENS.length * (r / 1000) ** 2)]!);
const vector = fc.dictionary(token, weight, { maxKeys: 12 });
const entries = (v: Record<string, number>): SparseEntries | undefined => {
  const tokens = Object.keys(v);
  return tokens.length === 0 ? undefined : { tokens, weights: Float32Array.from(tokens, (t) => v[t]!) };
};

describe("sparse query algorithms return exactly exhaustive scoring's top k", () => {
  it("MaxScore and block-max pruning: same slots and scores as term-at-a-time, over several segments sharing one heap, with any accepted set, k and ties", () => {
    fc.assert(
      fc.property(
        fc.array(fc.array(fc.option(vector, { nil: undefined }), { maxLength: 60 }), { minLength: 1, maxLength: 3 }),
        vector,
        fc.integer({ min: 0, max: 25 }),
        fc.integer({ min: 0, max: 2 ** 31 - 1 }),
        (segments, query, k, seed) => {
          const parts = segments.map((docs) => ({ docs: docs.length, segment: new SparseSegment(buildSparsePart(docs.map((d) => (d ? entries(d) : undefined)))) }));
          const total = parts.reduce((n, p) => n + p.docs, 0);
          // A pseudo-random accepted set and tie order from the seed.
          const accept = Uint8Array.from({ length: total }, (_, i) => ((Math.imul(i + 1, 2654435761) ^ seed) >>> 7) % 5 === 0 ? 0 : 1);
          const rank = Uint32Array.from({ length: total }, (_, i) => Math.imul(i ^ seed, 0x9e3779b1) >>> 0);
          const tieBreak = (a: number, b: number) => rank[a]! - rank[b]! || a - b;
          const exhaustive = new TopKHeap(k, tieBreak);
          const pruned = new TopKHeap(k, tieBreak);
          // Block-max with its defaults, and with fewer blocks scored before linking and bounded
          // together, so small segments reach every path: none scored first (every block
          // linked), one, two; tiles of one and two blocks.
          const blockScratches = [new BlockMaxScratch(), new BlockMaxScratch(0, 0, 1), new BlockMaxScratch(1, 1, 2), new BlockMaxScratch(2, 1)];
          const blockMax = blockScratches.map(() => new TopKHeap(k, tieBreak));
          const scratch = new TermAtATimeScratch();
          let base = 0;
          for (const { docs, segment } of parts) {
            const q = segment.compileQuery(query);
            exhaustiveSearch(segment, docs, base, q, accept, exhaustive, scratch);
            maxScoreSearch(segment, base, q, accept, pruned);
            blockScratches.forEach((s, i) => blockMaxSearch(segment, base, q, accept, blockMax[i]!, s));
            base += docs;
          }
          const expected = exhaustive.drain();
          expect(pruned.drain()).toEqual(expected);
          for (const heap of blockMax) expect(heap.drain()).toEqual(expected);
        },
      ),
      { numRuns: 1500, seed: 31 },
    );
  });
});

describe("filtered sparse search returns exactly exhaustive scoring's top k under any accepted set", () => {
  it("the accepted-only scan (reading or galloping) and block-max with accepted places per block: same slots and scores as exhaustive scoring, at any selectivity, over several segments sharing one heap", () => {
    fc.assert(
      fc.property(
        fc.array(fc.array(fc.option(vector, { nil: undefined }), { maxLength: 200 }), { minLength: 1, maxLength: 3 }),
        vector,
        fc.integer({ min: 0, max: 25 }),
        fc.constantFrom(0, 0.005, 0.02, 0.1, 0.5, 0.9, 1),
        fc.integer({ min: 0, max: 2 ** 31 - 1 }),
        (segments, query, k, share, seed) => {
          const parts = segments.map((docs) => ({ docs: docs.length, segment: new SparseSegment(buildSparsePart(docs.map((d) => (d ? entries(d) : undefined)))) }));
          const total = parts.reduce((n, p) => n + p.docs, 0);
          // A pseudo-random accepted set keeping about `share` of the slots (filter and deletions folded together).
          const accept = Uint8Array.from({ length: total }, (_, i) => (((Math.imul(i + 1, 2654435761) ^ seed) >>> 0) % 1000 < share * 1000 ? 1 : 0));
          const rank = Uint32Array.from({ length: total }, (_, i) => Math.imul(i ^ seed, 0x9e3779b1) >>> 0);
          const tieBreak = (a: number, b: number) => rank[a]! - rank[b]! || a - b;
          const reference = new TopKHeap(k, tieBreak);
          // The scan reading each term's blocks in order, galloping to the accepted blocks, and choosing by its default.
          const scanScratches = [new AcceptedScanScratch(), new AcceptedScanScratch(0), new AcceptedScanScratch(Infinity)];
          const scanned = scanScratches.map(() => new TopKHeap(k, tieBreak));
          const blockScratches = [new BlockMaxScratch(), new BlockMaxScratch(0, 0, 1), new BlockMaxScratch(1, 1, 2), new BlockMaxScratch(2, 1)];
          const blockMax = blockScratches.map(() => new TopKHeap(k, tieBreak));
          const scratch = new TermAtATimeScratch();
          let base = 0;
          for (const { docs, segment } of parts) {
            const q = segment.compileQuery(query);
            const blocks = acceptedBlocks(segment, base, accept);
            let count = 0;
            for (let doc = 0; doc < docs; doc++) count += accept[base + doc]!;
            expect(blocks.count).toBe(count);
            exhaustiveSearch(segment, docs, base, q, accept, reference, scratch);
            scanScratches.forEach((s, i) => acceptedScanSearch(segment, base, q, blocks, scanned[i]!, s));
            blockScratches.forEach((s, i) => blockMaxSearch(segment, base, q, accept, blockMax[i]!, s, undefined, blocks.masks));
            base += docs;
          }
          const expected = reference.drain();
          for (const heap of scanned) expect(heap.drain()).toEqual(expected);
          for (const heap of blockMax) expect(heap.drain()).toEqual(expected);
        },
      ),
      { numRuns: 1500, seed: 41 },
    );
  });
});

describe("approximate block-max pruning returns exact scores", () => {
  it("with alpha < 1 and only some terms counting toward bounds, every hit's score is its exhaustive score and no more than k hits come back, whatever is scored before linking", () => {
    fc.assert(
      fc.property(
        fc.array(fc.option(vector, { nil: undefined }), { maxLength: 200 }),
        vector,
        fc.integer({ min: 1, max: 25 }),
        fc.double({ min: 0.05, max: 1, noNaN: true }),
        fc.array(fc.boolean(), { minLength: 12, maxLength: 12 }),
        (docs, query, k, alpha, counted) => {
          const segment = new SparseSegment(buildSparsePart(docs.map((d) => (d ? entries(d) : undefined))));
          const accept = new Uint8Array(docs.length).fill(1);
          const tieBreak = (a: number, b: number) => a - b;
          const q = segment.compileQuery(query);
          const all = new TopKHeap(docs.length, tieBreak);
          exhaustiveSearch(segment, docs.length, 0, q, accept, all, new TermAtATimeScratch());
          const exact = all.drain();
          const scoreOf = new Map(exact.slots.map((slot, i) => [slot, exact.scores[i]!]));
          const boundTerms = Uint8Array.from(q.termIds, (_, i) => (counted[i % counted.length] ? 1 : 0));
          // Also every term bounded from a dense row (head share 0), linked by galloping (walk ratio 0).
          for (const scratch of [new BlockMaxScratch(), new BlockMaxScratch(0, 0, 1), new BlockMaxScratch(2, 1, 2), new BlockMaxScratch(2, 1, 3, 0, 0)]) {
            const heap = new TopKHeap(k, tieBreak);
            blockMaxSearch(segment, 0, q, accept, heap, scratch, { alpha, boundTerms });
            const got = heap.drain();
            expect(got.slots.length).toBeLessThanOrEqual(k);
            got.slots.forEach((slot, i) => expect(got.scores[i]).toBe(scoreOf.get(slot)));
          }
        },
      ),
      { numRuns: 400, seed: 37 },
    );
  });
});

/**
 * A seeded corpus of up to 6,000 documents (about 190 blocks) over 300 tokens drawn with a skewed
 * (power) law, so head tokens occur in most blocks and tail tokens in few, and a query of 3–40 of
 * them: enough blocks that the threshold leaves scattered blocks to link.
 */
function corpus(seed: number): { docs: (SparseEntries | undefined)[]; query: Record<string, number> } {
  const rand = seededRandom(seed);
  const draw = () => `h${Math.floor(300 * rand() ** 3)}`;
  const value = () => (rand() < 0.5 ? (1 + Math.floor(rand() * 12)) / 4 : Math.fround(0.01 + rand() * 3));
  const count = 1 + Math.floor(rand() * 6000);
  const docs = Array.from({ length: count }, () => {
    if (rand() < 0.05) return undefined;
    const v: Record<string, number> = {};
    for (let j = 1 + Math.floor(rand() * 20); j > 0; j--) v[draw()] = value();
    return entries(v);
  });
  const query: Record<string, number> = {};
  for (let j = 3 + Math.floor(rand() * 38); j > 0; j--) query[rand() < 0.7 ? draw() : `h${Math.floor(300 * rand())}`] = value();
  return { docs, query };
}

describe("block-max pruning with head terms bounded from dense rows returns exactly exhaustive scoring's top k", () => {
  it("whichever terms are bounded from dense rows (head share) and however blocks are linked (walking a term's pairs or galloping), on segments of many blocks", () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 2 ** 31 - 1 }), fc.integer({ min: 1, max: 25 }), fc.double({ min: 0, max: 1, noNaN: true }), (seed, k, headShare) => {
        const { docs, query } = corpus(seed);
        const segment = new SparseSegment(buildSparsePart(docs));
        const accept = Uint8Array.from(docs, (_, i) => (((Math.imul(i + 1, 2654435761) ^ seed) >>> 7) % 7 === 0 ? 0 : 1));
        const tieBreak = (a: number, b: number) => a - b;
        const q = segment.compileQuery(query);
        const exhaustive = new TopKHeap(k, tieBreak);
        exhaustiveSearch(segment, docs.length, 0, q, accept, exhaustive, new TermAtATimeScratch());
        const expected = exhaustive.drain();
        // Head share: drawn, 0 (every term from its row) and above 1 (none); walk ratio: 0
        // (always gallop), 4 (the default) and unbounded (always walk); few or many blocks
        // scored before linking; tiles of 1–4,096 blocks.
        const scratches = [
          new BlockMaxScratch(64, 16, 4096, headShare, 4),
          new BlockMaxScratch(2, 1, 4096, 0, 0),
          new BlockMaxScratch(2, 1, 3, 0, Infinity),
          new BlockMaxScratch(1, 1, 1, headShare, 0),
          new BlockMaxScratch(1, 1, 2, 1.01, 0),
          new BlockMaxScratch(4, 2, 5, headShare, Infinity),
        ];
        for (const scratch of scratches) {
          // Twice with the same scratch: what one search leaves behind must not change the next.
          for (let round = 0; round < 2; round++) {
            const heap = new TopKHeap(k, tieBreak);
            blockMaxSearch(segment, 0, q, accept, heap, scratch);
            expect(heap.drain()).toEqual(expected);
          }
        }
      }),
      { numRuns: 80, seed: 43 },
    );
  });
});
