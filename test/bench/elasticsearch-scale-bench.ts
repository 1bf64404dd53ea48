import { loadavg } from "node:os";
import { Client } from "@elastic/elasticsearch";
import { ElasticsearchIndex } from "../../plugins/elasticsearch/index.js";
import { ElasticsearchLegs } from "../../plugins/elasticsearch/elasticsearch-legs.js";
import { DEFAULT_FIELDS, layoutFromMapping, newIndexBody, type IndexLayout } from "../../plugins/elasticsearch/index-layout.js";
import { serverCapabilities } from "../../plugins/elasticsearch/server-capabilities.js";
import { type Document, type SearchQuery } from "../../src/index.js";
import { resolveQuery, runSearch, type LegBackend } from "../../src/backend.js";
import { querySparse, SpladeCorpus, toDocuments } from "./splade-corpus.js";
import { fmt, table } from "./stats.js";

const SEED = 42;
const DIMENSION = 384;
/** Documents per upsert call (and per raw helpers.bulk call): each is a "large write". */
const BATCH = 10_000;

/** Wraps a leg backend, adding up the time spent waiting on it and counting the round trips. */
export function timedLegs(backend: LegBackend): LegBackend & { waitedMs: number; trips: number } {
  const wrapper = {
    waitedMs: 0,
    trips: 0,
    async wait<T>(call: () => Promise<T>): Promise<T> {
      const t = performance.now();
      try {
        return await call();
      } finally {
        wrapper.waitedMs += performance.now() - t;
      }
    },
    retrieve: (...args: Parameters<LegBackend["retrieve"]>) => {
      wrapper.trips++;
      return wrapper.wait(() => backend.retrieve(...args));
    },
    complete: (...args: Parameters<LegBackend["complete"]>) =>
      wrapper.wait(async () => {
        const out = await backend.complete(...args);
        if (backend.completionPath?.() === "second-request") wrapper.trips++;
        return out;
      }),
    completionPath: () => backend.completionPath?.() ?? "stored",
    locate: (...args: Parameters<LegBackend["locate"]>) => wrapper.wait(() => backend.locate(...args)),
    explainSparse: (...args: Parameters<LegBackend["explainSparse"]>) => backend.explainSparse(...args),
  };
  return wrapper;
}

/** The machine's 1, 5 and 15 minute load averages, printed beside figures measured on a shared machine. */
function load(): string {
  return `load average ${loadavg().map((x) => fmt(x, 2)).join(", ")}`;
}

/** Percentiles (nearest rank) of milliseconds. */
export function percentiles(ms: number[]): { p50: number; p95: number; p99: number; mean: number } {
  const sorted = [...ms].sort((a, b) => a - b);
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)]!;
  return { p50: at(0.5), p95: at(0.95), p99: at(0.99), mean: ms.reduce((s, x) => s + x, 0) / ms.length };
}

function sourceOf(doc: Document): Record<string, unknown> {
  return { text: doc.text, sparse: doc.sparse, dense: Array.from(doc.dense as Float32Array), fields: doc.fields };
}

async function* batches(count: number): AsyncGenerator<Document[]> {
  const corpus = new SpladeCorpus({ seed: SEED, dimension: DIMENSION });
  for (let at = 0; at < count; at += BATCH) {
    yield toDocuments(corpus.nextBatch(Math.min(BATCH, count - at), true), { dense: true, text: true, fields: true }, DIMENSION);
  }
}

/**
 * `npm run bench -- elasticsearch-scale --es-url URL [--docs 100000] [--queries 200] [--sweep] [--sweep-docs 10000]`:
 * a SPLADE-like corpus (30,522 tokens, ~130 per document, 384-d dense, text, year/lang fields)
 * loaded into Elasticsearch with the client's raw `helpers.bulk` and with Tandem's `upsert`,
 * then hybrid latency per fusion method with the client-side share and round trips, per-leg
 * latency (`sparse_vector` query, boosted `term` queries, kNN), and token pruning's latency and
 * recall@10 against exact. `--sweep` first measures bulk concurrency × flush size against raw
 * `helpers.bulk` on `--sweep-docs` documents; `--docs 0` runs only the sweep.
 */
export async function elasticsearchScaleBench(url: string, options: { docs: number; queries: number; sweep: boolean; sweepDocs: number; keep: boolean }): Promise<void> {
  const client = new Client({ node: url, requestTimeout: 600_000 });
  const stamp = Date.now().toString(36);
  const raw = `tandem-scale-raw-${stamp}`;
  const name = `tandem-scale-${stamp}`;
  const body = newIndexBody(DEFAULT_FIELDS, { metric: "cosine", dimension: DIMENSION, denseIndexType: "hnsw", shards: 1, replicas: 0 });
  // The probe reads the version where GET / is absent too (the integ-test distribution).
  const { version } = await serverCapabilities(client);
  console.log(`\nElasticsearch ${version} at scale: ${options.docs} SPLADE-like documents (30,522 tokens, ~130 per document), 384-d dense, text, fields (${load()})`);
  const created: string[] = [];
  try {
    if (options.sweep) await sweep(client, body, created, stamp, options.sweepDocs);
    if (options.docs === 0) return;

    // Raw helpers.bulk with the helper's defaults, into an identical index.
    await client.indices.create({ index: raw, ...body });
    created.push(raw);
    let rawMs = 0;
    for await (const docs of batches(options.docs)) {
      const t = performance.now();
      await client.helpers.bulk({ datasource: docs, onDocument: (d) => [{ index: { _index: raw, _id: d.id } }, sourceOf(d)] as never });
      rawMs += performance.now() - t;
    }
    let t = performance.now();
    await client.indices.refresh({ index: raw });
    rawMs += performance.now() - t;
    const rawCount = (await client.count({ index: raw })).count;
    if (!options.keep) {
      await client.indices.delete({ index: raw });
      created.pop();
    }

    const es = await ElasticsearchIndex.open(client, { index: name, metric: "cosine", shards: 1, replicas: 0, refresh: false });
    created.push(name);
    let tandemMs = 0;
    for await (const docs of batches(options.docs)) {
      t = performance.now();
      await es.upsert(docs);
      tandemMs += performance.now() - t;
    }
    t = performance.now();
    await client.indices.refresh({ index: name });
    tandemMs += performance.now() - t;
    const count = (await client.count({ index: name })).count;
    const rawRate = rawCount / (rawMs / 1000);
    const rate = count / (tandemMs / 1000);
    console.log(
      table([
        ["ingest", "documents", "seconds", "docs/s"],
        ["raw helpers.bulk (defaults: 5 MB, 5 in flight)", rawCount, fmt(rawMs / 1000, 1), fmt(rawRate, 0)],
        ["Tandem upsert (10,000 per call, refresh paused)", count, fmt(tandemMs / 1000, 1), fmt(rate, 0)],
      ]),
    );
    console.log(`Tandem / raw throughput: ${fmt(rate / rawRate, 2)} (${load()})`);

    const stats = await client.indices.stats({ index: name, metric: ["segments", "store"] });
    const segments = stats._all.primaries?.segments?.count;
    console.log(`index: ${segments} segments, ${fmt((stats._all.primaries?.store?.size_in_bytes ?? 0) / 2 ** 20, 0)} MiB`);

    await queryLatency(client, name, options.queries);
  } finally {
    if (!options.keep) for (const index of created) await client.indices.delete({ index }, { ignore: [404] });
    await client.close();
  }
}

/** Bulk concurrencies and flush sizes the sweep tries. */
const SWEEP_CONCURRENCY = [1, 2, 4, 8];
const SWEEP_FLUSH_BYTES = [2_000_000, 5_000_000, 10_000_000];

/**
 * Concurrency × flush size of Tandem's upsert on the first `count` documents, each into a fresh
 * index, against raw `helpers.bulk` (its defaults: 5 MB, 5 in flight) on the same documents. The
 * raw load runs first and last so that a machine whose load drifts during the sweep shows it;
 * each setting's ratio is to the mean of the two.
 */
async function sweep(client: Client, body: Record<string, unknown>, created: string[], stamp: string, count: number): Promise<void> {
  const docs: Document[] = [];
  for await (const batch of batches(count)) docs.push(...batch);
  const fresh = async (suffix: string) => {
    const index = `tandem-scale-sweep-${stamp}-${suffix}`;
    await client.indices.create({ index, ...body });
    created.push(index);
    return index;
  };
  const drop = async (index: string) => {
    await client.indices.delete({ index });
    created.splice(created.indexOf(index), 1);
  };
  const rawRate = async (suffix: string) => {
    const index = await fresh(suffix);
    const t = performance.now();
    for (let i = 0; i < docs.length; i += BATCH) {
      await client.helpers.bulk({ datasource: docs.slice(i, i + BATCH), onDocument: (d) => [{ index: { _index: index, _id: d.id } }, sourceOf(d)] as never });
    }
    await client.indices.refresh({ index });
    const rate = docs.length / ((performance.now() - t) / 1000);
    await drop(index);
    return rate;
  };
  console.log(`bulk sweep starts (${load()})`);
  const before = await rawRate("raw-before");
  const measured: { concurrency: number; flushBytes: number; rate: number }[] = [];
  for (const concurrency of SWEEP_CONCURRENCY) {
    for (const flushBytes of SWEEP_FLUSH_BYTES) {
      const index = await fresh(`${concurrency}-${flushBytes}`);
      const es = await ElasticsearchIndex.open(client, { index, refresh: false, bulk: { concurrency, flushBytes } });
      const t = performance.now();
      for (let i = 0; i < docs.length; i += BATCH) await es.upsert(docs.slice(i, i + BATCH));
      await client.indices.refresh({ index });
      measured.push({ concurrency, flushBytes, rate: docs.length / ((performance.now() - t) / 1000) });
      await drop(index);
    }
  }
  const after = await rawRate("raw-after");
  const raw = (before + after) / 2;
  console.log(`\nbulk sweep, ${docs.length} documents per load, each into a fresh index (refresh paused, one refresh at the end)`);
  const rows: (string | number)[][] = [["Tandem upsert: concurrency", "flush MB", "docs/s", "/ raw"]];
  for (const m of measured) rows.push([m.concurrency, m.flushBytes / 1e6, fmt(m.rate, 0), fmt(m.rate / raw, 2)]);
  rows.push(["raw helpers.bulk (5 MB, 5 in flight), first", "", fmt(before, 0), ""]);
  rows.push(["raw helpers.bulk (5 MB, 5 in flight), last", "", fmt(after, 0), ""]);
  console.log(table(rows));
  const best = measured.reduce((a, b) => (b.rate > a.rate ? b : a));
  console.log(`(${load()})`);
  console.log(`fastest: concurrency ${best.concurrency}, ${best.flushBytes / 1e6} MB (${fmt(best.rate / raw, 2)}× raw)`);
}

async function queryLatency(client: Client, name: string, count: number): Promise<void> {
  const corpus = new SpladeCorpus({ seed: SEED, dimension: DIMENSION });
  const drawn = corpus.queries(count, true);
  const queries = Array.from({ length: count }, (_, q) => ({ sparse: querySparse(drawn, q), dense: drawn.dense!.subarray(q * DIMENSION, (q + 1) * DIMENSION) }));
  const server = await serverCapabilities(client);
  const mapping = Object.values(await client.indices.getMapping({ index: name }))[0]!.mappings;
  const layout = layoutFromMapping(name, mapping as never, {});
  const caps = { dimension: DIMENSION, metric: "cosine" as const, textLeg: true };

  const measure = async (query: (q: (typeof queries)[number]) => SearchQuery, legsLayout: IndexLayout, backend: { sparseVectorQuery: boolean; prune?: boolean; completeFromHits?: boolean }) => {
    const total: number[] = [];
    const own: number[] = [];
    let trips = 0;
    const hits: string[][] = [];
    for (let pass = 0; pass < 2; pass++) {
      for (const q of pass === 0 ? queries.slice(0, 20) : queries) {
        const legs = timedLegs(new ElasticsearchLegs(client, name, legsLayout, { painless: server.painless, ...backend }));
        const resolved = resolveQuery(query(q), caps);
        const s = performance.now();
        const result = await runSearch(legs, resolved);
        const ms = performance.now() - s;
        if (pass === 0) continue; // warm-up
        total.push(ms);
        own.push(ms - legs.waitedMs);
        trips += legs.trips;
        hits.push(result.hits.map((h) => h.id));
      }
    }
    const p = percentiles(total);
    const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
    return { ...p, ownMs: mean(own), share: mean(own) / mean(total), trips: trips / queries.length, hits };
  };

  const sv = { sparseVectorQuery: server.sparseVectorQuery };
  const hybrid = (fusion: SearchQuery["fusion"]) => (q: (typeof queries)[number]): SearchQuery => ({ sparse: q.sparse, dense: q.dense, k: 10, candidates: 100, fusion });
  const rows: (string | number)[][] = [["hybrid (sparse_vector + kNN, 100 candidates)", "p50 ms", "p95 ms", "p99 ms", "client ms", "client share", "round trips"]];
  const row = (label: string, r: Awaited<ReturnType<typeof measure>>) => [label, fmt(r.p50, 1), fmt(r.p95, 1), fmt(r.p99, 1), fmt(r.ownMs, 2), `${fmt(100 * r.share, 1)}%`, fmt(r.trips, 2)];
  // A first pass over every query, unmeasured, reads the index into the page cache: without it
  // whichever configuration runs first pays for the disk (measured at 100,000 documents: the
  // same configuration 2.4× slower first than later in the run).
  await measure(hybrid({ method: "rrf" }), layout, sv);
  rows.push(row("rrf", await measure(hybrid({ method: "rrf" }), layout, sv)));
  for (const [label, fusion] of [
    ["convex zscore", { method: "convex", normalize: "zscore" }],
    ["convex minmax", { method: "convex", normalize: "minmax" }],
    ["dbsf", { method: "dbsf" }],
  ] as [string, SearchQuery["fusion"]][]) {
    rows.push(row(`${label}, completion by second request (default)`, await measure(hybrid(fusion), layout, sv)));
    rows.push(row(`${label}, completion from the hits`, await measure(hybrid(fusion), layout, { ...sv, completeFromHits: true })));
  }
  console.log(table(rows));
  console.log(`(${load()})`);

  const legRows: (string | number)[][] = [["one leg (100 candidates)", "p50 ms", "p95 ms", "p99 ms", "recall@10 vs exact"]];
  const sparseOnly = (q: (typeof queries)[number]): SearchQuery => ({ sparse: q.sparse, legs: ["sparse"], k: 10, candidates: 100 });
  const exact = await measure(sparseOnly, layout, sv);
  const recall = (r: { hits: string[][] }) => {
    let found = 0;
    let wanted = 0;
    r.hits.forEach((ids, i) => {
      const truth = new Set(exact.hits[i]);
      found += ids.filter((id) => truth.has(id)).length;
      wanted += truth.size;
    });
    return fmt(found / wanted, 3);
  };
  legRows.push(["sparse: sparse_vector query", fmt(exact.p50, 1), fmt(exact.p95, 1), fmt(exact.p99, 1), "1 (exact)"]);
  const terms = await measure(sparseOnly, layout, { sparseVectorQuery: false });
  legRows.push(["sparse: boosted term queries", fmt(terms.p50, 1), fmt(terms.p95, 1), fmt(terms.p99, 1), recall(terms)]);
  const pruned = await measure(sparseOnly, layout, { ...sv, prune: true });
  legRows.push(["sparse: sparse_vector, prune: true (+ rescore)", fmt(pruned.p50, 1), fmt(pruned.p95, 1), fmt(pruned.p99, 1), recall(pruned)]);
  const dense = await measure((q) => ({ dense: q.dense, legs: ["dense"], k: 10, candidates: 100 }), layout, sv);
  legRows.push(["dense: kNN (HNSW, num_candidates 100)", fmt(dense.p50, 1), fmt(dense.p95, 1), fmt(dense.p99, 1), ""]);
  console.log(table(legRows));
  console.log(`(${load()})`);
}
