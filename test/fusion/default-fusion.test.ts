import { readFileSync } from "node:fs";
import { beforeAll, describe, expect, it } from "vitest";
import { readVectorFixture } from "../../examples/read-vector-fixture.js";
import { Bm25Encoder } from "../../plugins/encoders/index.js";
import { flexSearchTextIndex } from "../../plugins/flexsearch/index.js";
import { resolveQuery } from "../../src/engine/resolve-query.js";
import { buildCandidatePool, fillCompletedScores, missingScores } from "../../src/fusion/candidate-pool.js";
import { HybridIndex, evaluateRun, parseQrels, type LegName, type SearchQuery } from "../../src/index.js";
import { useTempDirs } from "../helpers/temp-dirs.js";

const tempDir = useTempDirs("tandem-default-fusion-");
const caps = { dimension: 2, metric: "cosine" as const, textLeg: true };

describe("the default fusion", () => {
  it("is convex fusion of z-scores, with the text leg at 0.3 beside a sparse leg and 1 without one", () => {
    const all = resolveQuery({ sparse: { a: 1 }, dense: [1, 0], text: "a" }, caps);
    expect(all.fusion).toMatchObject({ method: "convex", normalize: "zscore", completion: true, weights: { sparse: 1, dense: 1, text: 0.3 } });
    expect(resolveQuery({ dense: [1, 0], text: "a" }, caps).fusion.weights).toEqual({ sparse: 1, dense: 1, text: 1 });
    // Only the legs that run count: a sparse vector left out by `legs` does not lower the text leg.
    expect(resolveQuery({ sparse: { a: 1 }, dense: [1, 0], text: "a", legs: ["dense", "text"] }, caps).fusion.weights.text).toBe(1);
    // Explicit weights win, and the others keep their defaults.
    expect(resolveQuery({ sparse: { a: 1 }, text: "a", fusion: { weights: { dense: 2 } } }, caps).fusion.weights).toEqual({ sparse: 1, dense: 2, text: 0.3 });
    expect(resolveQuery({ sparse: { a: 1 }, text: "a", fusion: { weights: { text: 1 } } }, caps).fusion.weights.text).toBe(1);
  });

  it("completes a sparse miss as the exact score 0 and leaves a dense miss missing", () => {
    const pool = buildCandidatePool([
      { leg: "sparse", kind: "impact", theoreticalMin: 0, hits: [{ id: "a", score: 2 }] },
      { leg: "dense", kind: "similarity", theoreticalMin: -1, hits: [{ id: "b", score: 0.5 }] },
    ]);
    for (const leg of pool.legs) {
      const missing = missingScores(leg, pool.ids);
      fillCompletedScores(leg, missing.positions, missing.ids.map(() => undefined));
    }
    const [sparse, dense] = pool.legs;
    expect(sparse!.scores[pool.ids.indexOf("b")]).toBe(0);
    expect(sparse!.completed[pool.ids.indexOf("b")]).toBe(1);
    expect(dense!.scores[pool.ids.indexOf("a")]).toBeNaN();
    expect(dense!.completed[pool.ids.indexOf("a")]).toBe(0);
  });
});

// The measurement that chose the default, on the collection the project ships: SciFact's 300 test
// claims, BM25 sparse vectors, the stored all-MiniLM-L6-v2 vectors and the FlexSearch text leg.
describe("the default fusion on SciFact", () => {
  let index: HybridIndex;
  let queries: { id: string; query: SearchQuery }[];
  const qrels = parseQrels(readFileSync("fixtures/scifact/qrels/test.tsv", "utf8"), "test.tsv");
  const ndcg = async (override: Partial<SearchQuery>) => {
    const run = new Map<string, string[]>();
    for (const q of queries) run.set(q.id, (await index.search({ ...q.query, k: 100, exact: true, ...override })).hits.map((h) => h.id));
    return evaluateRun(run, qrels)["ndcg@10"];
  };

  beforeAll(async () => {
    const corpus = readFileSync("fixtures/scifact/corpus.jsonl", "utf8")
      .split("\n")
      .filter((l) => l.trim() !== "")
      .map((l) => JSON.parse(l) as { _id: string; title: string; text: string })
      .map((r) => ({ id: r._id, text: [r.title, r.text].filter(Boolean).join(" ") }));
    const claims = readFileSync("fixtures/scifact/queries.jsonl", "utf8")
      .split("\n")
      .filter((l) => l.trim() !== "")
      .map((l) => JSON.parse(l) as { _id: string; text: string })
      .filter((q) => qrels.has(q._id));
    const vectors = await readVectorFixture("fixtures/scifact/vectors/minilm.json");
    const bm25 = Bm25Encoder.fit(corpus.map((d) => d.text));
    const sparse = await bm25.encodeDocuments(corpus.map((d) => d.text));
    index = await HybridIndex.open(await tempDir(), { textIndex: flexSearchTextIndex() });
    await index.upsert(corpus.map((d, i) => ({ id: d.id, text: d.text, sparse: sparse[i], dense: vectors.sets.corpus!.get(d.id) })));
    queries = claims.map((q) => ({ id: q._id, query: { text: q.text, sparse: bm25.encodeQuerySync(q.text), dense: vectors.sets.queries!.get(q._id) } }));
  }, 300_000);

  it("beats the best single leg by at least 0.03 nDCG@10, with and without the text leg", async () => {
    const alone: Partial<Record<LegName, number>> = {};
    for (const leg of ["sparse", "dense", "text"] as LegName[]) alone[leg] = await ndcg({ legs: [leg] });
    const best = Math.max(...Object.values(alone));
    const twoLegs = await ndcg({ legs: ["sparse", "dense"] });
    const threeLegs = await ndcg({});
    expect(twoLegs - best).toBeGreaterThanOrEqual(0.03);
    expect(threeLegs - best).toBeGreaterThanOrEqual(0.03);
    // The fixed methods it replaced fall short of it: RRF with the text leg at full weight barely
    // beat BM25 alone.
    const rrf = await ndcg({ fusion: { method: "rrf", weights: { text: 1 } } });
    expect(threeLegs).toBeGreaterThan(rrf + 0.03);
    await index.close();
  }, 300_000);
});
