import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { flexSearchTextIndex } from "../../plugins/flexsearch/index.js";
import { HybridIndex, InvalidQueryError, type FusionOptions, type Metric, type RelevanceOptions, type SearchHit, type SearchQuery } from "../../src/index.js";
import { generateCorpus } from "../helpers/generate.js";
import { useTempDirs } from "../helpers/temp-dirs.js";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { FUSION_METHODS } from "../helpers/fusion.js";

const METHODS: FusionOptions[] = [...FUSION_METHODS, { method: "convex", normalize: "zscore", completion: false }];
const { docs, queries } = generateCorpus(777, 400, 12);
const indexes = new Map<Metric, HybridIndex>();
let root: string;

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), "tandem-pages-"));
  for (const metric of ["cosine", "l2"] as Metric[]) {
    const index = await HybridIndex.open(join(root, metric), { metric, textIndex: flexSearchTextIndex() });
    await index.upsert(docs);
    indexes.set(metric, index);
  }
});
afterAll(async () => {
  for (const index of indexes.values()) await index.close();
  await rm(root, { recursive: true, force: true });
});

const summary = (hits: SearchHit[]) => hits.map((h) => [h.id, h.score]);

describe("pages are slices of one ranking (fault: the fusion window grew with from + k)", () => {
  it("pages through the default window of 100 equal one query, and a page past it is refused", async () => {
    const index = indexes.get("cosine")!;
    const q = queries[0]!;
    const base: SearchQuery = { sparse: q.sparse, dense: q.dense };
    const all = await index.search({ ...base, k: 100 });
    const pages: SearchHit[] = [];
    for (let from = 0; from < 100; from += 10) pages.push(...(await index.search({ ...base, k: 10, from })).hits);
    expect(summary(pages)).toEqual(summary(all.hits));
    // Before, this page came from a window of 105 per leg: a different ranking than the pages before.
    await expect(index.search({ ...base, k: 10, from: 95 })).rejects.toThrow(InvalidQueryError);
    await expect(index.search({ ...base, k: 10, from: 95 })).rejects.toThrow(/from \+ k = 105 \(from 95, k 10\) exceeds candidates = 100.*raise "candidates" to at least 105/);
    await expect(index.search({ ...base, k: 101 })).rejects.toThrow(/exceeds candidates = 100/);
    await expect(index.search({ ...base, k: 30, from: 20, candidates: 40 })).rejects.toThrow(/from \+ k = 50 \(from 20, k 30\) exceeds candidates = 40/);
  });

  it("paging k = 10 through 150 hits of rrf over two legs shows every document once", async () => {
    const index = indexes.get("cosine")!;
    for (const q of queries.slice(0, 5)) {
      const base: SearchQuery = { sparse: q.sparse, dense: q.dense, candidates: 150 };
      const all = (await index.search({ ...base, k: 150 })).hits;
      const pages: SearchHit[] = [];
      for (let from = 0; from < 150; from += 10) pages.push(...(await index.search({ ...base, k: 10, from })).hits);
      expect(new Set(pages.map((h) => h.id)).size).toBe(pages.length);
      expect(summary(pages)).toEqual(summary(all));
    }
  });

  it("concatenated pages equal one query for every method and normalizer, with and without relevance rules", async () => {
    const relevance: fc.Arbitrary<RelevanceOptions> = fc.record(
      {
        minScore: fc.double({ min: -2, max: 0.02, noNaN: true }),
        minDense: fc.double({ min: -3, max: 0.3, noNaN: true }),
        relative: fc.double({ min: 0.05, max: 1, noNaN: true }),
        autocut: fc.integer({ min: 1, max: 4 }),
        minHits: fc.integer({ min: 0, max: 8 }),
        maxHits: fc.integer({ min: 1, max: 60 }),
      },
      { requiredKeys: [] },
    );
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom<Metric>("cosine", "l2"),
        fc.integer({ min: 0, max: queries.length - 1 }),
        fc.constantFrom(...METHODS),
        fc.subarray(["sparse", "dense", "text"] as const, { minLength: 1 }),
        fc.integer({ min: 1, max: 60 }),
        fc.integer({ min: 1, max: 15 }),
        fc.option(relevance, { nil: undefined }),
        fc.boolean(),
        async (metric, qi, fusion, legs, candidates, pageSize, relevance, filtered) => {
          const q = queries[qi]!;
          const query: SearchQuery = {
            sparse: q.sparse,
            dense: q.dense,
            text: q.text,
            legs: [...legs],
            candidates,
            fusion,
            relevance,
            filter: filtered ? { range: { year: { gte: 2005 } } } : undefined,
          };
          const index = indexes.get(metric)!;
          const pages: SearchHit[] = [];
          let from = 0;
          for (; from + pageSize <= candidates; from += pageSize) pages.push(...(await index.search({ ...query, k: pageSize, from })).hits);
          if (from === 0) return;
          const one = await index.search({ ...query, k: from });
          expect(summary(pages)).toEqual(summary(one.hits));
        },
      ),
      { seed: 31337, numRuns: 120 },
    );
  });
});

describe("the window is the same on every path", () => {
  const tempDir = useTempDirs("tandem-pages-ef-");
  it("the dense leg's HNSW list is never shorter than the window, whatever k is", async () => {
    // Enough documents for the graph (more than 2,000 accepted): the same window gives the same hits.
    const many = generateCorpus(99, 2600, 8);
    const index = await HybridIndex.open(await tempDir());
    await index.upsert(many.docs);
    for (const q of many.queries.slice(0, 4)) {
      const base: SearchQuery = { dense: q.dense, candidates: 120, ef: 16 };
      const all = (await index.search({ ...base, k: 120 })).hits;
      const pages: SearchHit[] = [];
      for (let from = 0; from < 120; from += 40) pages.push(...(await index.search({ ...base, k: 40, from })).hits);
      expect(summary(pages)).toEqual(summary(all));
    }
    await index.close();
  });
});
