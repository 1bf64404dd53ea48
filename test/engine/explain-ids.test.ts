import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { HybridIndex, InvalidQueryError, type Document, type IdExplanation, type SearchQuery } from "../../src/index.js";
import { referenceDense, referenceSparse } from "../helpers/brute-force.js";
import { jsonl, tandem } from "../helpers/cli.js";
import { generateCorpus } from "../helpers/generate.js";

// Values exact in float32, so every score below is exact. Query: sparse {x:1}, dense [1,0], dot.
// sparse leg: a 1, b 0.5, d 0.25, f 0.125 · dense leg: a 1, c 0.75, e 0.5, f 0.125, b 0, d -1.
// With candidates 2 the pool is a (both legs), b (sparse only), c (dense only).
const DOCS: Document[] = [
  { id: "a", sparse: { x: 1 }, dense: [1, 0], fields: { year: 2020 } },
  { id: "b", sparse: { x: 0.5 }, dense: [0, 1], fields: { year: 2021 } },
  { id: "c", sparse: { y: 1 }, dense: [0.75, 0.25], fields: { year: 2020 } },
  { id: "d", sparse: { x: 0.25 }, dense: [-1, 0], fields: { year: 2020 } },
  { id: "e", dense: [0.5, 0.5], fields: { year: 2019 } },
  { id: "f", sparse: { x: 0.125 }, dense: [0.125, 0.125], fields: { year: 2022 } },
];
const QUERY: SearchQuery = { sparse: { x: 1 }, dense: [1, 0], candidates: 2, k: 2 };

let dir: string;
let index: HybridIndex;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "tandem-explain-ids-"));
  index = await HybridIndex.open(join(dir, "idx"), { metric: "dot" });
  await index.upsert(DOCS);
});
afterAll(async () => {
  await index.close();
  await rm(dir, { recursive: true, force: true });
});

/** z-score of x with the mean and population deviation of `pool`. */
const zscore = (pool: number[], x: number) => {
  const mean = pool.reduce((s, v) => s + v, 0) / pool.length;
  const std = Math.sqrt(pool.reduce((s, v) => s + v * v, 0) / pool.length - mean * mean);
  return (x - mean) / std;
};
// The pool's scores in a, b, c order (c's sparse score and b's dense score come from completion).
const POOL_SPARSE = [1, 0.5, 0];
const POOL_DENSE = [1, 0, 0.75];
const fusedReference = (sparse: number, dense: number) => zscore(POOL_SPARSE, sparse) + zscore(POOL_DENSE, dense);

const byId = (explained: IdExplanation[] | undefined) => new Map((explained ?? []).map((e) => [e.id, e]));

describe("explain: { ids } — why not this document?", () => {
  it("a document retrieved by one leg only: that leg's rank, the other leg's completed score", async () => {
    const result = await index.search({ ...QUERY, explain: { ids: ["c", "b"] } });
    const c = byId(result.explainIds).get("c")!;
    expect(c.legs.dense).toEqual({ retrieved: true, rank: 2, score: 0.75 });
    expect(c.legs.sparse).toEqual({ retrieved: false, score: 0 });
    expect(c.score).toBeCloseTo(fusedReference(0, 0.75), 12);
    const b = byId(result.explainIds).get("b")!;
    expect(b.legs.sparse).toEqual({ retrieved: true, rank: 2, score: 0.5 });
    expect(b.legs.dense).toEqual({ retrieved: false, score: 0 });
    for (const e of [b, c]) {
      const onPage = result.hits.findIndex((h) => h.id === e.id);
      expect(e.status).toBe(onPage >= 0 ? "returned" : "outside-page");
      if (onPage >= 0) expect(result.hits[onPage]!.score).toBe(e.score);
    }
    expect(result.explainIds!.map((e) => e.id)).toEqual(["c", "b"]);
  });

  it("a document no leg retrieved: brute-force scores, fused with the pool's statistics, ranked among the pool", async () => {
    const result = await index.search({ ...QUERY, explain: { ids: ["a", "b", "c", "d", "e"] } });
    const e = byId(result.explainIds);
    for (const id of ["d", "e"]) {
      const doc = DOCS.find((x) => x.id === id)!;
      const x = e.get(id)!;
      expect(x.status).toBe("not-retrieved");
      expect(x.exists && x.matchesFilter).toBe(true);
      // An impact leg scores a document sharing no token 0, as score completion does.
      const sparse = referenceSparse(QUERY.sparse!, doc.sparse) ?? 0;
      const dense = referenceDense("dot", QUERY.dense as number[], doc.dense)!;
      expect(x.legs).toEqual({ sparse: { retrieved: false, score: sparse }, dense: { retrieved: false, score: dense } });
      expect(x.score).toBeCloseTo(fusedReference(sparse, dense), 12);
    }
    // Pool members' fused scores are the hits' scores; ranks follow them.
    expect(e.get("a")!.score).toBeCloseTo(fusedReference(1, 1), 12);
    expect(e.get("b")!.score).toBeCloseTo(fusedReference(0.5, 0), 12);
    for (const hit of result.hits) expect(e.get(hit.id)!.score).toBe(hit.score);
    const pool = ["a", "b", "c"].map((id) => e.get(id)!);
    expect(pool.map((p) => p.fusedRank).sort()).toEqual([1, 2, 3]);
    result.hits.forEach((hit, i) => expect(e.get(hit.id)!.fusedRank).toBe(i + 1));
    for (const id of ["d", "e"]) {
      const x = e.get(id)!;
      expect(x.fusedRank).toBe(1 + pool.filter((p) => p.score! > x.score!).length);
    }
  });

  it("a document a relevance rule dropped: the rule, its threshold and the value", async () => {
    const result = await index.search({ ...QUERY, relevance: { minSparse: 0.6 }, explain: { ids: ["b", "a"] } });
    const b = byId(result.explainIds).get("b")!;
    expect(b.status).toBe("dropped");
    expect(b.dropped).toMatchObject({ rule: "minSparse", threshold: 0.6, value: 0.5 });
    expect(byId(result.explainIds).get("a")!.status).toBe("returned");
    expect(result.dropped!.find((d) => d.id === "b")).toMatchObject({ rule: "minSparse", threshold: 0.6, value: 0.5 });
  });

  it("a document the filter excludes, and an unknown id", async () => {
    const result = await index.search({ ...QUERY, filter: { range: { year: { lte: 2020 } } }, explain: { ids: ["b", "nope", "a", "b"] } });
    expect(result.explainIds!.map((x) => x.id)).toEqual(["b", "nope", "a"]);
    const e = byId(result.explainIds);
    expect(e.get("b")).toEqual({ id: "b", exists: true, matchesFilter: false, status: "filtered-out", legs: {} });
    expect(e.get("nope")).toEqual({ id: "nope", exists: false, matchesFilter: false, status: "unknown", legs: {} });
    expect(e.get("a")!.status).toBe("returned");
  });

  it("explain: true and no explain are as before; bad ids are refused naming the position", async () => {
    const plain = await index.search(QUERY);
    expect(plain.explainIds).toBeUndefined();
    expect(plain.dropped).toBeUndefined();
    const explained = await index.search({ ...QUERY, explain: true });
    expect(explained.explainIds).toBeUndefined();
    expect(explained.hits[0]!.explanation).toBeDefined();
    const withIds = await index.search({ ...QUERY, explain: { ids: [] } });
    expect(withIds.hits).toEqual(explained.hits);
    await expect(index.search({ ...QUERY, explain: { ids: ["a", 7] } } as unknown as SearchQuery)).rejects.toThrow(InvalidQueryError);
    await expect(index.search({ ...QUERY, explain: { ids: ["a", ""] } })).rejects.toThrow(/explain\.ids\[1\] must be a non-empty string/);
    await expect(index.search({ ...QUERY, explain: { ids: "a" } } as unknown as SearchQuery)).rejects.toThrow(/explain\.ids must be an array/);
  });

  it("unretrieved documents of a generated corpus: completed scores equal brute force, would-be ranks fit the hits", async () => {
    const { docs, queries } = generateCorpus(4711, 200, 8);
    const other = await HybridIndex.open(join(dir, "generated"), { metric: "cosine" });
    try {
      await other.upsert(docs);
      const ids = docs.filter((_, i) => i % 10 === 0).map((d) => d.id);
      for (const q of queries.slice(0, 6)) {
        for (const method of ["convex", "dbsf", "rrf"] as const) {
          const result = await other.search({ sparse: q.sparse, dense: q.dense, exact: true, candidates: 20, k: 20, fusion: { method }, explain: { ids } });
          for (const x of result.explainIds!) {
            const doc = docs.find((d) => d.id === x.id)!;
            expect(x.legs.sparse!.score).toBeCloseTo(referenceSparse(q.sparse, doc.sparse) ?? 0, 5);
            const dense = referenceDense("cosine", q.dense, doc.dense);
            if (dense === undefined) expect(x.legs.dense!.score).toBeUndefined();
            else expect(x.legs.dense!.score).toBeCloseTo(dense, 5);
            const hitIndex = result.hits.findIndex((h) => h.id === x.id);
            if (hitIndex >= 0) expect(x.fusedRank).toBe(hitIndex + 1);
            if (x.status !== "not-retrieved") continue;
            // Hits before its would-be rank score at least as much; hits from it on, at most as much.
            result.hits.forEach((h, i) => {
              if (i < x.fusedRank! - 1) expect(h.score).toBeGreaterThanOrEqual(x.score!);
              else expect(h.score).toBeLessThanOrEqual(x.score!);
            });
            if (method === "rrf") expect(x.score).toBe(0);
          }
        }
      }
    } finally {
      await other.close();
    }
  });
});

describe("tandem search --explain-ids", () => {
  it("adds explainIds to each line, retrieved or not", async () => {
    await writeFile(join(dir, "docs.jsonl"), jsonl(DOCS));
    await writeFile(join(dir, "queries.jsonl"), jsonl([{ id: "q1", sparse: QUERY.sparse, dense: QUERY.dense }]));
    expect(tandem(["index", "docs.jsonl", "--index", "cli-idx", "--metric", "dot"], dir).code).toBe(0);
    const r = tandem(["search", "--index", "cli-idx", "--queries", "queries.jsonl", "--k", "2", "--candidates", "2", "--explain-ids", "d,nope,c"], dir);
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    const line = JSON.parse(r.stdout) as { explainIds: IdExplanation[]; hits: { id: string }[] };
    expect(line.explainIds.map((x) => [x.id, x.status])).toEqual([
      ["d", "not-retrieved"],
      ["nope", "unknown"],
      ["c", line.hits.some((h) => h.id === "c") ? "returned" : "outside-page"],
    ]);
    expect(line.explainIds[0]!.legs).toEqual({ sparse: { retrieved: false, score: 0.25 }, dense: { retrieved: false, score: -1 } });
    expect(line.explainIds[0]!.score).toBeCloseTo(fusedReference(0.25, -1), 12);
    const bad = tandem(["search", "--index", "cli-idx", "--queries", "queries.jsonl", "--explain-ids", "a,,b"], dir);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/--explain-ids: id 2 of "a,,b" is empty/);
  });
});
