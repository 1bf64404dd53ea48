import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Client } from "@elastic/elasticsearch";
import { Bm25Encoder } from "../../plugins/encoders/index.js";
import { ElasticsearchIndex } from "../../plugins/elasticsearch/index.js";
import { ElasticsearchLegs } from "../../plugins/elasticsearch/elasticsearch-legs.js";
import { layoutFromMapping } from "../../plugins/elasticsearch/index-layout.js";
import { serverCapabilities } from "../../plugins/elasticsearch/server-capabilities.js";
import { percentiles, timedLegs } from "./elasticsearch-scale-bench.js";
import { readVectorFixture } from "../../examples/read-vector-fixture.js";
import { fromBeirRecord, readJsonl, readText } from "../../src/cli/read-input.js";
import { evaluateRun } from "../../src/eval/evaluate-run.js";
import { parseQrels } from "../../src/eval/qrels.js";
import { HybridIndex, type Document, type SearchIndex, type SearchQuery } from "../../src/index.js";
import { resolveQuery, runSearch } from "../../src/backend.js";
import { fmt, latencySummary, table } from "./stats.js";

const FIXTURES = join(import.meta.dirname, "..", "..", "..", "fixtures", "scifact");
const BATCH = 1000;

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

    // One round trip (completion from the vectors the hits carry) against two (completion asked
    // of the cluster), alternating per query so both see the same load; plus the client-side share.
    const server = await serverCapabilities(client);
    const stats = await es.stats();
    const layout = layoutFromMapping(name, Object.values(await client.indices.getMapping({ index: name }))[0]!.mappings as never, {});
    const paths = [
      { label: "one round trip (completion from the hits)", layout, ms: [] as number[], own: [] as number[], waited: [] as number[], trips: 0 },
      { label: "one round trip, dense vectors from doc values", layout: { ...layout, carries: { ...layout.carries, dense: "docvalues" as const } }, ms: [] as number[], own: [] as number[], waited: [] as number[], trips: 0 },
      { label: "two round trips (completion by a second request)", layout: { ...layout, carries: { sparse: null, dense: null } }, ms: [] as number[], own: [] as number[], waited: [] as number[], trips: 0 },
    ];
    for (let pass = 0; pass < 2; pass++) {
      for (const q of pass === 0 ? queries.slice(0, 30) : queries) {
        for (const path of paths) {
          const legs = timedLegs(new ElasticsearchLegs(client, name, path.layout, server));
          const resolved = resolveQuery(hybrid(q), { dimension: stats.dimension, metric: stats.metric, textLeg: true });
          const s = performance.now();
          await runSearch(legs, resolved);
          const total = performance.now() - s;
          if (pass === 0) continue;
          path.ms.push(total);
          path.own.push(total - legs.waitedMs);
          path.waited.push(legs.waitedMs);
          path.trips += legs.trips;
        }
      }
    }
    const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
    const rows2: (string | number)[][] = [["convex zscore on Elasticsearch", "p50 ms", "p95 ms", "p99 ms", "waiting ms", "client ms", "round trips"]];
    for (const path of paths) {
      const p = percentiles(path.ms);
      rows2.push([path.label, fmt(p.p50, 1), fmt(p.p95, 1), fmt(p.p99, 1), fmt(mean(path.waited), 1), fmt(mean(path.own), 2), fmt(path.trips / queries.length, 2)]);
    }
    console.log(table(rows2));
    const two = percentiles(paths[paths.length - 1]!.ms).p50;
    console.log(`one / two round trips, p50: ${fmt(percentiles(paths[0]!.ms).p50 / two, 2)} (vectors from _source), ${fmt(percentiles(paths[1]!.ms).p50 / two, 2)} (from doc values)`);
    await embedded.close();
    await es.close();
  } finally {
    await client.indices.delete({ index: name }, { ignore: [404] });
    await client.close();
    await rm(dir, { recursive: true, force: true });
  }
}
