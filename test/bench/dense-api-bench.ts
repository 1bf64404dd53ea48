import { loadavg } from "node:os";
import { HybridIndex, MemoryStorage, type HnswParams } from "../../src/index.js";
import { flatSearch } from "../../src/legs/dense/flat-index.js";
import { VectorStore } from "../../src/legs/dense/vector-store.js";
import { benchVectors } from "./bench-data.js";
import { EFS, K, loadHnswlib, type HnswlibIndex } from "./hnswlib-peer.js";
import { fmt, table } from "./stats.js";

const TARGETS = [0.9, 0.95, 0.99];

interface Point {
  ef: number;
  recall: number;
  /** Mean microseconds per query over every round. */
  us: number;
}

interface ApiBenchOptions {
  sizes: number[];
  dimension: number;
  queries: number;
  params: HnswParams;
  /** Query rounds per ef: each alternates a pass of Tandem and one of hnswlib-node over every query. */
  rounds: number;
  /** `candidates` given with every query (default: none, the index's default). */
  candidates?: number;
}

/** The smallest-ef point reaching `target`. */
function atRecall(points: Point[], target: number): Point | undefined {
  return points.find((p) => p.recall >= target);
}

/**
 * `npm run bench -- dense`: Tandem's dense leg through the public API (`HybridIndex.search` with
 * `legs: ["dense"]`, a Float32Array query, k 10, default candidates) against hnswlib-node in the
 * same process, over the same ef sweep, the two alternating query by query so load on the machine
 * hits both alike; a query's time is its fastest over the rounds (robust to preemption on a shared
 * machine), averaged over the queries.
 * Prints recall@10 against an exact scan, queries/s ratios at equal recall, the fixed cost per
 * query at ef 10 (public API minus the graph walk alone), and build times on one and two threads
 * (hnswlib-node's on one) with the recall of both graphs.
 */
export async function denseApiBench(options: ApiBenchOptions): Promise<void> {
  const HNSW = loadHnswlib();
  const { dimension, params } = options;
  console.log(`\n## Dense ANN through the public API: Tandem vs hnswlib-node (C++), one process`);
  console.log(`M=${params.M} efConstruction=${params.efConstruction} k=${K} dimension=${dimension} metric=cosine, ${options.queries} queries × ${options.rounds} rounds per ef, engines alternating query by query, each query's fastest time over the rounds`);
  console.log(`load average at start: ${loadavg().map((x) => fmt(x)).join(", ")}`);
  if (!HNSW) console.log("hnswlib-node is not installed: peer columns are skipped");
  for (const n of options.sizes) {
    const all = benchVectors(1000 + n, n + options.queries, dimension);
    const row = (i: number) => all.subarray(i * dimension, (i + 1) * dimension);
    const queries = Array.from({ length: options.queries }, (_, i) => row(n + i));
    const docs = Array.from({ length: n }, (_, i) => ({ id: `d${i}`, dense: row(i) }));
    console.log(`\n### n = ${n.toLocaleString("en")} × ${dimension}`);

    const exactStore = new VectorStore(dimension, "cosine");
    for (let i = 0; i < n; i++) exactStore.add(i, row(i));
    const everything = new Uint8Array(n).fill(1);
    const truth = queries.map((q) => new Set(flatSearch(exactStore, exactStore.prepare(q), K, everything, (a, b) => a - b).slots.map((s) => `d${s}`)));

    // The graph is built in the upsert: on one thread (the index queried below), then on two (its
    // time includes starting the worker thread).
    const built = async (threads: number) => {
      const index = await HybridIndex.open(new MemoryStorage(), { metric: "cosine", hnsw: params, threads });
      const started = performance.now();
      await index.upsert(docs);
      return { index, seconds: (performance.now() - started) / 1000 };
    };
    const { index, seconds: build } = await built(1);
    const two = await built(2);
    let peer: HnswlibIndex | undefined;
    let peerBuild = NaN;
    if (HNSW) {
      peer = new HNSW("cosine", dimension);
      peer.initIndex(n, params.M, params.efConstruction, params.seed);
      const rows = docs.map((d) => Array.from(d.dense));
      const started = performance.now();
      for (let i = 0; i < n; i++) peer.addPoint(rows[i]!, i);
      peerBuild = (performance.now() - started) / 1000;
    }
    console.log(`build: Tandem ${fmt(build, 1)} s on one thread, hnswlib-node ${fmt(peerBuild, 1)} s (one thread): ${fmt(build / peerBuild)}×`);
    console.log(`build: Tandem ${fmt(two.seconds, 1)} s on two threads: ${fmt(build / two.seconds)}× faster than on one, ${fmt(two.seconds / peerBuild)}× hnswlib-node's one-thread time`);
    const recallAt = async (built: HybridIndex, ef: number) => {
      let hits = 0;
      for (let i = 0; i < queries.length; i++) for (const h of (await built.search({ dense: queries[i]!, k: K, ef, legs: ["dense"] })).hits) if (truth[i]!.has(h.id)) hits++;
      return hits / (K * queries.length);
    };
    console.log(`recall@10 at ef 10 / 64: one-thread graph ${fmt(await recallAt(index, 10), 3)} / ${fmt(await recallAt(index, 64), 3)}, two-thread graph ${fmt(await recallAt(two.index, 10), 3)} / ${fmt(await recallAt(two.index, 64), 3)}`);
    await two.index.close();

    const tandem = index;
    const window = options.candidates === undefined ? {} : { candidates: options.candidates };
    const plain = queries.map((q) => Array.from(q));
    /**
     * One pass over the queries at `ef`, the two engines alternating query by query (so a burst of
     * load on the shared machine hits both alike), keeping each query's fastest time so far in
     * `best` (the time of a query preempted by another process is dropped): hits of each.
     */
    const pass = async (ef: number, best: { us: Float64Array; peerUs: Float64Array }) => {
      peer?.setEf(ef);
      const out = { hits: 0, peerHits: 0 };
      for (let i = 0; i < queries.length; i++) {
        let started = performance.now();
        const { hits } = await tandem.search({ dense: queries[i]!, k: K, ef, legs: ["dense"], ...window });
        best.us[i] = Math.min(best.us[i]!, (performance.now() - started) * 1000);
        for (const h of hits) if (truth[i]!.has(h.id)) out.hits++;
        if (!peer) continue;
        started = performance.now();
        const { neighbors } = peer.searchKnn(plain[i]!, K);
        best.peerUs[i] = Math.min(best.peerUs[i]!, (performance.now() - started) * 1000);
        for (const label of neighbors) if (truth[i]!.has(`d${label}`)) out.peerHits++;
      }
      return out;
    };
    const fresh = () => ({ us: new Float64Array(queries.length).fill(Infinity), peerUs: new Float64Array(queries.length).fill(Infinity) });
    // Warm-up: let the JIT settle on both paths.
    await pass(64, fresh());
    const mine: Point[] = [];
    const theirs: Point[] = [];
    for (const ef of EFS) {
      const best = fresh();
      let hits = 0;
      let peerHits = 0;
      for (let r = 0; r < options.rounds; r++) {
        const p = await pass(ef, best);
        hits += p.hits;
        peerHits += p.peerHits;
      }
      const total = K * queries.length * options.rounds;
      mine.push({ ef, recall: hits / total, us: mean(best.us) });
      if (peer) theirs.push({ ef, recall: peerHits / total, us: mean(best.peerUs) });
    }
    const rows: (string | number)[][] = [["ef", "recall T", "µs/query T", "QPS T", "recall H", "µs/query H", "QPS H"]];
    mine.forEach((p, i) => {
      const h = theirs[i];
      rows.push([p.ef, fmt(p.recall, 3), fmt(p.us, 1), fmt(1e6 / p.us, 0), h ? fmt(h.recall, 3) : "-", h ? fmt(h.us, 1) : "-", h ? fmt(1e6 / h.us, 0) : "-"]);
    });
    console.log(table(rows));
    for (const target of TARGETS) {
      const a = atRecall(mine, target);
      const b = atRecall(theirs, target);
      if (a && b) console.log(`queries/s Tandem ÷ hnswlib-node at recall@10 ≥ ${target}: ${fmt(b.us / a.us)} (Tandem ef ${a.ef} ${fmt(a.us, 1)} µs, hnswlib-node ef ${b.ef} ${fmt(b.us, 1)} µs)`);
      else console.log(`recall@10 ≥ ${target}: not reached by ${a ? "hnswlib-node" : "Tandem"} within ef ≤ ${EFS[EFS.length - 1]}`);
    }
    const top = mine[mine.length - 1]!;
    const topPeer = theirs[theirs.length - 1];
    if (topPeer) console.log(`at ef ${top.ef}: Tandem ${fmt(top.us, 1)} µs, hnswlib-node ${fmt(topPeer.us, 1)} µs (ratio ${fmt(top.us / topPeer.us)}×)`);
    await pipelineOverhead(tandem, queries, options.rounds, window);
    await tandem.close();
  }
}

/**
 * What the public API adds to the graph walk at ef 10: the same queries through `search` (default
 * candidates: k) and through the dense leg alone (reached inside the index: the benchmark's only
 * use of internals).
 */
async function pipelineOverhead(index: HybridIndex, queries: Float32Array[], rounds: number, window: { candidates?: number }): Promise<void> {
  const engine = (index as unknown as { engine: { dense: { retrieve: (...args: unknown[]) => unknown }; alive: Uint8Array; liveCount: number } }).engine;
  const dense = engine.dense;
  const byId = (a: number, b: number) => a - b;
  const api = new Float64Array(queries.length).fill(Infinity);
  const leg = new Float64Array(queries.length).fill(Infinity);
  // Alternating query by query, each query's fastest time over the rounds; which of the two runs
  // first (and finds the graph's nodes in cache) alternates too.
  for (let r = 0; r < rounds + 1; r++) {
    for (let i = 0; i < queries.length; i++) {
      const q = queries[i]!;
      const viaApi = async () => {
        const started = performance.now();
        await index.search({ dense: q, k: K, ef: 10, legs: ["dense"], ...window });
        api[i] = Math.min(api[i]!, (performance.now() - started) * 1000);
      };
      const alone = () => {
        const started = performance.now();
        dense.retrieve(q, K, { ef: 10 }, engine.alive, engine.liveCount, engine.liveCount, byId);
        leg[i] = Math.min(leg[i]!, (performance.now() - started) * 1000);
      };
      if ((i + r) % 2 === 0) {
        await viaApi();
        alone();
      } else {
        alone();
        await viaApi();
      }
    }
  }
  console.log(`per-query cost at ef 10: public API ${fmt(mean(api), 1)} µs, dense leg alone ${fmt(mean(leg), 1)} µs, pipeline overhead ${fmt(mean(api) - mean(leg), 1)} µs`);
}

function mean(values: Float64Array): number {
  return values.reduce((a, b) => a + b, 0) / values.length;
}
