import { loadavg } from "node:os";
import { Client } from "@opensearch-project/opensearch";
import { OpenSearchIndex } from "../../plugins/opensearch/index.js";
import type { Document } from "../../src/index.js";
import { percentiles } from "./elasticsearch-scale-bench.js";
import { SpladeCorpus } from "./splade-corpus.js";
import { fmt, table } from "./stats.js";

const SEED = 42;
const DIMENSION = 384;
const BATCH = 10_000;

/**
 * `npm run bench -- opensearch-knn --es-url URL [--docs 100000] [--queries 50] [--efs 100,200,400]`:
 * the scale benchmark's 384-d vectors (same seed, so the same documents and queries) in an
 * OpenSearch index through `OpenSearchIndex` (a `knn_vector`, HNSW on the Lucene engine, m 16,
 * ef_construction 200), then the dense leg's top 10 by the k-NN plugin's approximate `knn` query
 * at each ef against the exact top 10 (`exact: true`: a Painless script over the plugin's
 * `cosineSimilarity`, every vector scored): recall@10 and latency.
 */
export async function openSearchKnnBench(url: string, options: { docs: number; queries: number; efs: number[]; keep: boolean }): Promise<void> {
  const client = new Client({ node: url, requestTimeout: 600_000, disablePrototypePoisoningProtection: true });
  const name = `tandem-os-knn-${Date.now().toString(36)}`;
  const index = await OpenSearchIndex.open(client, { index: name, metric: "cosine", shards: 1, replicas: 0, refresh: false });
  console.log(`\nOpenSearch ${index.server.version} k-NN: ${options.docs} × ${DIMENSION}-d (seed ${SEED}), ${options.queries} queries (load average ${loadavg().map((x) => fmt(x, 2)).join(", ")})`);
  try {
    const corpus = new SpladeCorpus({ seed: SEED, dimension: DIMENSION });
    let ingestMs = 0;
    for (let at = 0; at < options.docs; at += BATCH) {
      const batch = corpus.nextBatch(Math.min(BATCH, options.docs - at), true);
      const docs: Document[] = [];
      for (let i = 0; i < batch.count; i++) docs.push({ id: `d${batch.start + i}`, dense: batch.dense!.subarray(i * DIMENSION, (i + 1) * DIMENSION) });
      const t = performance.now();
      await index.upsert(docs);
      ingestMs += performance.now() - t;
    }
    const t = performance.now();
    await client.indices.refresh({ index: name });
    ingestMs += performance.now() - t;
    const stats = (await client.indices.stats({ index: name, metric: "segments" })).body as { _all: { primaries: { segments: { count: number } } } };
    console.log(`ingest: ${fmt(options.docs / (ingestMs / 1000), 0)} documents/s (${fmt(ingestMs / 1000, 1)} s, upsert of ${BATCH} per call), ${stats._all.primaries.segments.count} segments`);

    const drawn = corpus.queries(options.queries, true);
    const dense = (q: number) => drawn.dense!.subarray(q * DIMENSION, (q + 1) * DIMENSION);
    const truth: string[][] = [];
    const exactMs: number[] = [];
    for (let q = 0; q < options.queries; q++) {
      const s = performance.now();
      const { hits } = await index.search({ dense: dense(q), legs: ["dense"], k: 10, exact: true });
      exactMs.push(performance.now() - s);
      truth.push(hits.map((h) => h.id));
    }
    const rows: (string | number)[][] = [["dense leg, top 10", "recall@10", "p50 ms", "p95 ms", "p99 ms"]];
    const e = percentiles(exactMs);
    rows.push(["exact (Painless cosineSimilarity over every vector)", "1 (reference)", fmt(e.p50, 1), fmt(e.p95, 1), fmt(e.p99, 1)]);
    for (const ef of options.efs) {
      const ms: number[] = [];
      let found = 0;
      for (let pass = 0; pass < 2; pass++) {
        for (let q = 0; q < options.queries; q++) {
          const s = performance.now();
          const { hits } = await index.search({ dense: dense(q), legs: ["dense"], k: 10, candidates: 100, ef });
          if (pass === 0) continue; // warm-up
          ms.push(performance.now() - s);
          const want = new Set(truth[q]);
          found += hits.filter((h) => want.has(h.id)).length;
        }
      }
      const p = percentiles(ms);
      const wanted = truth.reduce((n, t) => n + t.length, 0);
      rows.push([`knn query, k 100, ef_search ${ef}`, fmt(found / wanted, 3), fmt(p.p50, 1), fmt(p.p95, 1), fmt(p.p99, 1)]);
    }
    console.log(table(rows));
    console.log(`(load average ${loadavg().map((x) => fmt(x, 2)).join(", ")})`);
  } finally {
    if (!options.keep) await client.indices.delete({ index: [name, `${name}-tandem-attachments`] }, { ignore: [404] });
    await index.close();
    await client.close();
  }
}
