import { describe, expect, it } from "vitest";
import { HybridIndex, type DenseQuantization, type Document, type Metric } from "../../../src/index.js";
import { referenceDense } from "../../helpers/brute-force.js";
import { embeddingLike } from "../../helpers/embeddings.js";
import { seededRandom } from "../../helpers/random.js";
import { useStorages } from "../../helpers/storages.js";

const storages = useStorages("tandem-graph-compaction-");
const N = 6000;
const DIMENSION = 24;
const HNSW = { M: 8, efConstruction: 64 };

/** Mean recall@10 of the graph (no filter, so more than 2,000 live vectors take the graph path) against exact search. */
async function recall(index: HybridIndex, live: Map<string, number[]>, queries: number[][], metric: Metric): Promise<number> {
  let found = 0;
  for (const q of queries) {
    const exact = [...live].map(([id, v]) => ({ id, score: referenceDense(metric, q, v)! })).sort((a, b) => b.score - a.score || (a.id < b.id ? -1 : 1));
    const truth = new Set(exact.slice(0, 10).map((h) => h.id));
    const hits = (await index.search({ dense: q, legs: ["dense"], k: 10, candidates: 10, ef: 32 })).hits;
    found += hits.filter((h) => truth.has(h.id)).length;
  }
  return found / (10 * queries.length);
}

describe.each(
  storages.flatMap((storage) =>
    (
      [
        ["cosine", "none"],
        ["l2", "int8"],
      ] as [Metric, DenseQuantization][]
    ).map(([metric, quantization]) => ({ metric, quantization, storage })),
  ),
)("compaction carries the HNSW graph over ($metric, quantization $quantization, $storage.name storage)", ({ metric, quantization, storage }) => {
  it("after deleting 35%, the compacted graph (repaired, not rebuilt) keeps a fresh build's recall, and is saved in the compaction's commit", async () => {
    const vectors = embeddingLike(21, N + 50, DIMENSION);
    const queries = vectors.slice(N);
    const docs: Document[] = vectors.slice(0, N).map((v, i) => ({ id: `v${i}`, dense: v }));
    const dir = await storage.fresh();
    const index = await HybridIndex.open(dir, { metric, quantization, hnsw: HNSW });
    for (let i = 0; i < N; i += 1000) await index.upsert(docs.slice(i, i + 1000));
    const rand = seededRandom(4);
    const gone = docs.filter(() => rand() < 0.35).map((d) => d.id);
    await index.delete(gone);
    const stats = await index.stats();
    expect(stats.segments, "the deletions compacted the index").toBe(1);
    const goneSet = new Set(gone);
    const live = new Map(docs.filter((d) => !goneSet.has(d.id)).map((d) => [d.id, d.dense as number[]]));
    expect(stats.documents).toBe(live.size);
    const manifest = JSON.parse(new TextDecoder().decode(await storage.readFile(dir, "manifest.json"))) as { graph?: { nodes: number } };
    expect(manifest.graph?.nodes, "the carried-over graph is committed with the compaction").toBe(live.size);

    const compacted = await recall(index, live, queries, metric);
    const freshDir = await storage.fresh();
    const fresh = await HybridIndex.open(freshDir, { metric, quantization, hnsw: HNSW });
    await fresh.upsert([...live].map(([id, dense]) => ({ id, dense })));
    const rebuilt = await recall(fresh, live, queries, metric);
    await fresh.close();
    expect(rebuilt).toBeGreaterThan(0.85);
    expect(compacted).toBeGreaterThanOrEqual(rebuilt - 0.02);

    // A reader opens the saved graph: the same answers as the writer's graph in memory.
    const q = queries[0]!;
    const mine = (await index.search({ dense: q, legs: ["dense"], k: 10, candidates: 10, ef: 32 })).hits;
    await index.close();
    const reader = await HybridIndex.open(dir, { readOnly: true });
    expect((await reader.search({ dense: q, legs: ["dense"], k: 10, candidates: 10, ef: 32 })).hits).toEqual(mine);
    expect(await recall(reader, live, queries, metric)).toBe(compacted);
    await reader.close();
  });
});
