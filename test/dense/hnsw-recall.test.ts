import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { HybridIndex, type Filter, type Metric } from "../../src/index.js";
import { embeddingLike } from "../helpers/embeddings.js";

const N = 8000;
const DIM = 48;
const K = 10;
const vectors = embeddingLike(17, N + 60, DIM);
const queries = vectors.slice(N);
const docs = vectors.slice(0, N).map((dense, i) => ({ id: `v${i}`, dense, fields: { bucket: i % 100 } }));

/** Recall@10 of the ANN leg against the exact leg of the same index, averaged over the queries. */
async function recall(index: HybridIndex, filter?: Filter): Promise<number> {
  let found = 0;
  let total = 0;
  for (const dense of queries) {
    const exact = await index.search({ dense, k: K, filter, exact: true });
    const approx = await index.search({ dense, k: K, filter });
    const truth = new Set(exact.hits.map((h) => h.id));
    found += approx.hits.filter((h) => truth.has(h.id)).length;
    total += truth.size;
    // Whatever the graph returns carries the exact score.
    for (const h of approx.hits) {
      const e = exact.hits.find((x) => x.id === h.id);
      if (e) expect(h.score).toBe(e.score);
    }
  }
  return found / total;
}

describe.each(["cosine", "l2", "dot"] as Metric[])("HNSW dense leg (%s)", (metric) => {
  let dir: string;
  let index: HybridIndex;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "tandem-hnsw-"));
    index = await HybridIndex.open(dir, { metric, hnsw: { M: 12, efConstruction: 100 } });
    await index.upsert(docs);
  });
  afterAll(async () => {
    await index.close();
    await rm(dir, { recursive: true, force: true });
  });

  it("recall@10 ≥ 0.95 against exact search, unfiltered and at 50%, 10%, 1% selectivity", async () => {
    expect(await recall(index)).toBeGreaterThanOrEqual(0.95);
    expect(await recall(index, { range: { bucket: { lt: 50 } } })).toBeGreaterThanOrEqual(0.95);
    expect(await recall(index, { range: { bucket: { lt: 10 } } })).toBeGreaterThanOrEqual(0.95);
    expect(await recall(index, { term: { bucket: 7 } })).toBeGreaterThanOrEqual(0.95);
  });

  it("keeps recall after deletes and upserts, and after reopening from the saved graph", async () => {
    await index.delete(docs.filter((_, i) => i % 9 === 0).map((d) => d.id));
    await index.upsert(docs.filter((_, i) => i % 13 === 0).map((d, j) => ({ ...d, dense: vectors[(j * 7) % N]! })));
    expect(await recall(index)).toBeGreaterThanOrEqual(0.95);
    await index.close();
    index = await HybridIndex.open(dir);
    const stats = await index.stats();
    expect(stats.metric).toBe(metric);
    expect(await recall(index)).toBeGreaterThanOrEqual(0.95);
    expect(await recall(index, { range: { bucket: { lt: 50 } } })).toBeGreaterThanOrEqual(0.95);
  });
});
