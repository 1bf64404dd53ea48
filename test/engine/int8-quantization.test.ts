import { existsSync, readdirSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { readVectorFixture } from "../../examples/read-vector-fixture.js";
import { HybridIndex, InvalidOptionError } from "../../src/index.js";
import { embeddingLike } from "../helpers/embeddings.js";

const DIM = 384;
const N = 3000;
const vectors = embeddingLike(31, N + 20, DIM);
const queries = vectors.slice(N);
const docs = vectors.slice(0, N).map((dense, i) => ({ id: `d${i}`, dense, fields: { group: i % 4 } }));
const openFiles = () => (existsSync("/proc/self/fd") ? readdirSync("/proc/self/fd").length : undefined);

describe("int8 quantization in the embedded engine", () => {
  const dirs: string[] = [];
  let float: HybridIndex;
  let int8: HybridIndex;
  const fresh = async () => {
    const dir = await mkdtemp(join(tmpdir(), "tandem-int8-"));
    dirs.push(dir);
    return dir;
  };

  beforeAll(async () => {
    // Private memory, as the int8 store's: shared memory (for builds on threads) grows in other
    // steps, so its slack at 3,000 vectors differs (6.3 MB allocated against 8.4 MB).
    float = await HybridIndex.open(await fresh(), { threads: 1 });
    int8 = await HybridIndex.open(await fresh(), { quantization: "int8" });
    await float.upsert(docs);
    await int8.upsert(docs);
  });
  afterAll(async () => {
    await float.close();
    await int8.close();
    for (const dir of dirs) await rm(dir, { recursive: true, force: true });
  });

  it("holds dense vectors in at most 0.3× the memory of float32", async () => {
    const f = await float.stats();
    const q = await int8.stats();
    expect(q.quantization).toBe("int8");
    expect(f.quantization).toBe("none");
    expect(q.denseBytes.vectors).toBeLessThanOrEqual(0.3 * f.denseBytes.vectors);
  });

  it("answers exact queries, completions and get() with the float vectors, equal to a float index", async () => {
    for (const dense of queries.slice(0, 5)) {
      const a = await float.search({ dense, k: 10, exact: true });
      const b = await int8.search({ dense, k: 10, exact: true });
      expect(b.hits).toEqual(a.hits);
    }
    expect(Array.from((await int8.get("d17"))!.dense!)).toEqual(Array.from(Float32Array.from(docs[17]!.dense)));
    // Completion scores a document the dense leg did not retrieve from its float vector.
    const sparseOnly = { sparse: { t: 1 } };
    await float.upsert([{ id: "s", ...sparseOnly, dense: queries[19] }]);
    await int8.upsert([{ id: "s", ...sparseOnly, dense: queries[19] }]);
    const fused = (index: HybridIndex) => index.search({ sparse: { t: 1 }, dense: queries[0], k: 3, candidates: 5, fusion: { method: "convex" }, explain: true });
    const s1 = (await fused(float)).hits.find((h) => h.id === "s")!;
    const s2 = (await fused(int8)).hits.find((h) => h.id === "s")!;
    expect(s2.legs).toEqual(s1.legs);
  });

  it("ranks like the float index: approximate top 10 rescored to the same scores", async () => {
    let overlap = 0;
    for (const dense of queries) {
      const exact = await float.search({ dense, k: 10, exact: true });
      const approx = await int8.search({ dense, k: 10 });
      const scoreOf = new Map(exact.hits.map((h) => [h.id, h.score]));
      for (const h of approx.hits) if (scoreOf.has(h.id)) {
        overlap++;
        expect(h.score).toBe(scoreOf.get(h.id));
      }
    }
    expect(overlap / (10 * queries.length)).toBeGreaterThanOrEqual(0.95);
  });

  it("reaches recall@10 ≥ 0.95 on real embeddings (SciFact with all-MiniLM-L6-v2, which has constant dimensions)", async () => {
    const fixture = await readVectorFixture("fixtures/scifact/vectors/minilm.json");
    const index = await HybridIndex.open(await fresh(), { quantization: "int8" });
    await index.upsert([...fixture.sets.corpus!].map(([id, dense]) => ({ id, dense })));
    let found = 0;
    const probes = [...fixture.sets.queries!.values()].slice(0, 100);
    for (const dense of probes) {
      const exact = new Set((await index.search({ dense, k: 10, exact: true })).hits.map((h) => h.id));
      found += (await index.search({ dense, k: 10 })).hits.filter((h) => exact.has(h.id)).length;
    }
    expect(found / (10 * probes.length)).toBeGreaterThanOrEqual(0.95);
    await index.close();
  });

  it("keeps answering after compaction and reopening, and closes the segment files it reads", async () => {
    const dir = await fresh();
    const before = openFiles();
    let index = await HybridIndex.open(dir, { quantization: "int8", metric: "l2" });
    await index.upsert(docs.slice(0, 1500));
    await index.upsert(docs.slice(1500));
    // Deleting over 30% compacts: slots are renumbered and every vector is read back from the new segment.
    await index.delete(docs.filter((_, i) => i % 2 === 0).map((d) => d.id));
    expect((await index.stats()).segments).toBe(1);
    const check = async () => {
      for (const dense of queries.slice(0, 5)) {
        const exact = await index.search({ dense, k: 10, exact: true });
        const approx = await index.search({ dense, k: 10 });
        expect(exact.hits.every((h) => Number(h.id.slice(1)) % 2 === 1)).toBe(true);
        expect(approx.hits.filter((h) => exact.hits.some((e) => e.id === h.id && e.score === h.score)).length).toBeGreaterThanOrEqual(9);
      }
      expect(Array.from((await index.get("d2999"))!.dense!)).toEqual(Array.from(Float32Array.from(docs[2999]!.dense)));
    };
    await check();
    await index.close();
    index = await HybridIndex.open(dir);
    expect((await index.stats()).quantization).toBe("int8");
    await check();
    await index.close();
    if (before !== undefined) expect(openFiles()).toBe(before);
    await expect(HybridIndex.open(dir, { quantization: "none" })).rejects.toThrow(InvalidOptionError);
    await expect(HybridIndex.open(dir, { quantization: "int4" as never })).rejects.toThrow(/quantization must be none or int8, got "int4"/);
  });
});
