import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Client } from "@elastic/elasticsearch";
import { Bm25Encoder } from "../../plugins/encoders/index.js";
import { ElasticsearchIndex } from "../../plugins/elasticsearch/index.js";
import { ElasticsearchLegs } from "../../plugins/elasticsearch/elasticsearch-legs.js";
import { readVectorFixture } from "../../examples/read-vector-fixture.js";
import { fromBeirRecord, readJsonl, readText } from "../../src/cli/read-input.js";
import { evaluateRun } from "../../src/eval/evaluate-run.js";
import { parseQrels } from "../../src/eval/qrels.js";
import { HybridIndex, resolveQuery, runSearch, type Document, type LegBackend, type SearchIndex, type SearchQuery } from "../../src/index.js";
import { fmt, latencySummary, table } from "./stats.js";

const FIXTURES = join(import.meta.dirname, "..", "..", "..", "fixtures", "scifact");
const BATCH = 1000;

/** Wraps a leg backend, adding up the time spent waiting on it. */
function timed(backend: LegBackend): LegBackend & { waitedMs: number } {
  const wrapper = {
    waitedMs: 0,
    async wait<T>(call: Promise<T>): Promise<T> {
      const t = performance.now();
      try {
        return await call;
      } finally {
        wrapper.waitedMs += performance.now() - t;
      }
    },
    retrieve: (...args: Parameters<LegBackend["retrieve"]>) => wrapper.wait(backend.retrieve(...args)),
    complete: (...args: Parameters<LegBackend["complete"]>) => wrapper.wait(backend.complete(...args)),
    locate: (...args: Parameters<LegBackend["locate"]>) => wrapper.wait(backend.locate(...args)),
    explainSparse: (...args: Parameters<LegBackend["explainSparse"]>) => backend.explainSparse(...args),
  };
  return wrapper;
}

/**
 * `npm run bench -- elasticsearch --es-url URL`: SciFact (BM25 sparse, MiniLM dense, text) on the
 * embedded engine and on Elasticsearch side by side: ingest throughput, hybrid query latency,
 * quality, and the client-side share (fusion, completion bookkeeping) of each Elasticsearch query.
 */
export async function elasticsearchBench(url: string): Promise<void> {
  const corpus = (await readJsonl(join(FIXTURES, "corpus.jsonl"))).map((r) => fromBeirRecord(r.value) as { id: string; text: string });
  const qrels = parseQrels(await readText(join(FIXTURES, "qrels", "test.tsv")), "qrels/test.tsv");
  const queries = (await readJsonl(join(FIXTURES, "queries.jsonl")))
    .map((r) => fromBeirRecord(r.value) as { id: string; text: string })
    .filter((q) => qrels.has(q.id));
  const vectors = await readVectorFixture(join(FIXTURES, "vectors", "minilm.json"));
  const bm25 = Bm25Encoder.fit(corpus.map((d) => d.text));
  const sparse = await bm25.encodeDocuments(corpus.map((d) => d.text));
  const docs: Document[] = corpus.map((d, i) => ({ id: d.id, text: d.text, sparse: sparse[i], dense: vectors.sets.corpus!.get(d.id) }));
  const hybrid = (q: { id: string; text: string }): SearchQuery => ({
    sparse: bm25.encodeQuerySync(q.text),
    dense: vectors.sets.queries!.get(q.id),
    k: 10,
    candidates: 100,
    fusion: { method: "convex", normalize: "zscore" },
  });
  console.log(`\nElasticsearch backend vs embedded: SciFact, ${docs.length} documents (BM25 sparse + MiniLM 384-d dense + text), ${queries.length} hybrid queries, convex zscore, 100 candidates per leg`);

  const dir = await mkdtemp(join(tmpdir(), "tandem-bench-es-"));
  const client = new Client({ node: url });
  const name = `tandem-bench-${Date.now()}`;
  try {
    const embedded = await HybridIndex.open(dir);
    const es = await ElasticsearchIndex.open(client, { index: name, replicas: 0 });
    const rows: (string | number)[][] = [["backend", "ingest docs/s", "p50 ms", "p99 ms", "QPS", "nDCG@10"]];
    for (const [label, index] of [["embedded", embedded], ["elasticsearch", es]] as [string, SearchIndex][]) {
      const t = performance.now();
      for (let i = 0; i < docs.length; i += BATCH) await index.upsert(docs.slice(i, i + BATCH));
      const ingest = docs.length / ((performance.now() - t) / 1000);
      for (const q of queries.slice(0, 50)) await index.search(hybrid(q)); // warm-up
      const ms: number[] = [];
      const run = new Map<string, string[]>();
      for (const q of queries) {
        const s = performance.now();
        const result = await index.search(hybrid(q));
        ms.push(performance.now() - s);
        run.set(q.id, result.hits.map((h) => h.id));
      }
      const lat = latencySummary(ms);
      rows.push([label, fmt(ingest, 0), fmt(lat.p50), fmt(lat.p99), fmt(lat.qps, 0), fmt(evaluateRun(run, qrels)["ndcg@10"], 4)]);
    }
    console.log(table(rows));

    // Client-side share of an Elasticsearch query: everything but waiting on the cluster.
    const stats = await es.stats();
    const layout = { fields: stats.fields, sparseType: "sparse_vector" as const, dimension: stats.dimension, similarity: "cosine" as const, metric: stats.metric, denseIndexType: stats.denseIndexType, carries: { sparse: "source" as const, dense: "source" as const } };
    const own: number[] = [];
    const waited: number[] = [];
    for (const q of queries) {
      const legs = timed(new ElasticsearchLegs(client, name, layout, stats.server));
      const resolved = resolveQuery(hybrid(q), { dimension: stats.dimension, metric: stats.metric, textLeg: true });
      const s = performance.now();
      await runSearch(legs, resolved);
      const total = performance.now() - s;
      own.push(total - legs.waitedMs);
      waited.push(legs.waitedMs);
    }
    const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
    console.log(
      `per query: ${fmt(mean(waited))} ms waiting on Elasticsearch (2 round trips: legs, score completion), ` +
        `${fmt(mean(own) * 1000, 0)} µs client-side (fusion, completion bookkeeping, relevance; p99 ${fmt(latencySummary(own).p99 * 1000, 0)} µs)`,
    );
    await embedded.close();
    await es.close();
  } finally {
    await client.indices.delete({ index: name }, { ignore: [404] });
    await client.close();
    await rm(dir, { recursive: true, force: true });
  }
}
