import { describe, expect, it } from "vitest";
import { readSparseFixture } from "../../examples/read-vector-fixture.js";
import { HybridIndex, InvalidQueryError, type Document, type Filter, type SearchQuery, type SparseAlgorithm, type SparseVector } from "../../src/index.js";
import { writeFormat3Index } from "../helpers/format3-index.js";
import { useTempDirs } from "../helpers/temp-dirs.js";

const tempDir = useTempDirs("tandem-sparse-algorithms-");
const ALGORITHMS: SparseAlgorithm[] = ["exhaustive", "maxscore", "blockmax", "auto"];

/** Per query, the sparse leg's hits (id and score) under each algorithm, keyed by algorithm. */
async function sparseHits(index: HybridIndex, queries: SparseVector[], extra: Partial<SearchQuery> = {}) {
  const out: Record<string, [string, number][][]> = {};
  for (const sparseAlgorithm of ALGORITHMS) {
    out[sparseAlgorithm] = [];
    for (const sparse of queries) {
      const result = await index.search({ sparse, legs: ["sparse"], k: 20, candidates: 100, sparseAlgorithm, ...extra });
      expect(result.sparseExact).toBe(true);
      out[sparseAlgorithm].push(result.hits.map((h) => [h.id, h.legs.sparse!.score!]));
    }
  }
  return out;
}

function expectAllEqualExhaustive(hits: Record<string, [string, number][][]>): void {
  for (const algorithm of ALGORITHMS) expect(hits[algorithm], algorithm).toEqual(hits.exhaustive);
}

const year = (id: string) => 1990 + ((Math.imul(Number.parseInt(id, 36) + 1, 0x9e3779b1) >>> 0) % 30);

describe("sparse algorithms on the SciFact SPLADE vectors", () => {
  it("return exhaustive scoring's hits with bit-identical scores after merges, with deletions and filters, and after reopening", async () => {
    const fixture = await readSparseFixture("fixtures/scifact/vectors/splade.json");
    const corpus = [...fixture.sets.corpus!];
    const queries = [...fixture.sets.queries!.values()].slice(0, 25);
    const dir = await tempDir();
    const index = await HybridIndex.open(dir, { metric: "dot" });
    // Eleven commits: ten segments of one size merge into one of about 4,700 documents (many blocks).
    const batch = Math.ceil(corpus.length / 11);
    for (let start = 0; start < corpus.length; start += batch) {
      await index.upsert(corpus.slice(start, start + batch).map(([id, sparse]): Document => ({ id, sparse, fields: { year: year(id) } })));
    }
    await index.delete(corpus.filter((_, i) => i % 19 === 3).map(([id]) => id));
    const filters: (Filter | undefined)[] = [undefined, { range: { year: { gte: 2000 } } }, { term: { year: 1995 } }, { range: { year: { lt: 1991 } } }];
    const before: Record<string, [string, number][][]>[] = [];
    for (const filter of filters) {
      const hits = await sparseHits(index, queries, filter ? { filter } : {});
      expectAllEqualExhaustive(hits);
      before.push(hits);
    }
    await index.close();
    const reopened = await HybridIndex.open(dir, { readOnly: true });
    for (const [i, filter] of filters.entries()) expect(await sparseHits(reopened, queries, filter ? { filter } : {})).toEqual(before[i]);
    await reopened.close();
  });
});

describe("an index of format version 3 (plain postings in its segments)", () => {
  it("opens and answers as an index built by this version, before and after a writer adds to it", async () => {
    const docs = (from: number, n: number) =>
      Array.from({ length: n }, (_, i): Document => {
        const d = from + i;
        const sparse: SparseVector = {};
        for (let t = 0; t < 12; t++) sparse[`t${(Math.imul(d + 1, 31 + t) >>> 3) % 97}`] = 0.05 + ((Math.imul(d, 7 + t) >>> 2) % 100) / 40;
        return { id: `d${d}`, sparse, ...(d % 7 === 0 ? { text: `doc ${d}` } : {}), fields: { group: d % 4 } };
      });
    const segments = [docs(0, 5000), docs(5000, 300), docs(5300, 10)];
    const deleted = [[3, 17, 4000], [0], []];
    const old = await tempDir();
    await writeFormat3Index(old, segments, deleted);
    const fresh = await HybridIndex.open(await tempDir(), { metric: "dot" });
    for (const [s, segment] of segments.entries()) {
      await fresh.upsert(segment);
      await fresh.delete(deleted[s]!.map((i) => segment[i]!.id));
    }
    const queries: SparseVector[] = [{ t1: 1 }, { t5: 0.5, t40: 2, t96: 1 }, { t2: 1, t3: 1, t4: 1, t50: 0.25, t77: 3 }];
    const answers = async (index: HybridIndex) => ({
      stats: await index.stats().then((s) => [s.documents, s.withSparse]),
      hits: await sparseHits(index, queries),
      filtered: await sparseHits(index, queries, { filter: { term: { group: 2 } } }),
      docs: await Promise.all(["d0", "d3", "d4999", "d5000", "d5001", "d5309"].map((id) => index.get(id))),
    });
    const expected = await answers(fresh);
    expectAllEqualExhaustive(expected.hits);
    const reader = await HybridIndex.open(old, { readOnly: true });
    expect(await answers(reader)).toEqual(expected);
    await reader.close();
    const writer = await HybridIndex.open(old);
    await writer.upsert(docs(6000, 20));
    await fresh.upsert(docs(6000, 20));
    expect(await answers(writer)).toEqual(await answers(fresh));
    await writer.close();
    const again = await HybridIndex.open(old, { readOnly: true });
    expect(await answers(again)).toEqual(await answers(fresh));
    await again.close();
    await fresh.close();
  });
});

describe("sparseAlgorithm and sparsePruning options", () => {
  it("bad values are refused with an InvalidQueryError naming the field and the value", async () => {
    const index = await HybridIndex.open(await tempDir(), { metric: "dot" });
    await index.upsert([{ id: "a", sparse: { x: 1 } }]);
    const cases: [Partial<SearchQuery>, string][] = [
      [{ sparseAlgorithm: "fast" as SparseAlgorithm }, `"sparseAlgorithm" must be one of auto, exhaustive, maxscore, blockmax, got "fast"`],
      [{ sparsePruning: { alpha: 0 } }, "sparsePruning.alpha must be a number in (0, 1], got 0"],
      [{ sparsePruning: { alpha: 1.5 } }, "sparsePruning.alpha must be a number in (0, 1], got 1.5"],
      [{ sparsePruning: { termMass: Number.NaN } }, "sparsePruning.termMass must be a number in (0, 1], got NaN"],
      [{ sparsePruning: { maxTerms: 2.5 } }, "sparsePruning.maxTerms must be an integer ≥ 1, got 2.5"],
      [{ sparsePruning: { maxTerms: 0 } }, "sparsePruning.maxTerms must be an integer ≥ 1, got 0"],
      [{ sparsePruning: { beta: 1 } as never }, `sparsePruning: unknown option "beta"`],
      [{ sparsePruning: 0.5 as never }, `"sparsePruning" must be an object`],
      [{ sparsePruning: { alpha: 0.5 }, sparseAlgorithm: "maxscore" }, `"sparsePruning" needs sparseAlgorithm "auto" or "blockmax"`],
      [{ sparsePruning: { alpha: 0.5 }, exact: true }, `"exact": true refuses`],
    ];
    for (const [extra, message] of cases) {
      const search = index.search({ sparse: { x: 1 }, ...extra });
      await expect(search).rejects.toThrow(InvalidQueryError);
      await expect(search).rejects.toThrow(message);
    }
    await index.close();
  });

  it("sparseExact is true for exact searches, false under pruning, absent without a sparse leg", async () => {
    const index = await HybridIndex.open(await tempDir(), { metric: "dot" });
    await index.upsert([{ id: "a", sparse: { x: 1, y: 0.5 }, dense: [1, 0] }, { id: "b", sparse: { y: 2 }, dense: [0, 1] }]);
    expect((await index.search({ sparse: { x: 1, y: 1 } })).sparseExact).toBe(true);
    expect((await index.search({ sparse: { x: 1, y: 1 }, sparsePruning: { alpha: 1, termMass: 1 } })).sparseExact).toBe(true);
    expect((await index.search({ sparse: { x: 1, y: 1 }, sparsePruning: { alpha: 0.9 } })).sparseExact).toBe(false);
    expect((await index.search({ sparse: { x: 1, y: 1 }, sparsePruning: { maxTerms: 1 }, explain: true })).sparseExact).toBe(false);
    expect((await index.search({ dense: [1, 0] })).sparseExact).toBeUndefined();
    await index.close();
  });
});
