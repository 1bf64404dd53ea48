import { flatSearch } from "../../src/legs/dense/flat-index.js";
import { HnswIndex, type HnswParams } from "../../src/legs/dense/hnsw-index.js";
import { VectorStore } from "../../src/legs/dense/vector-store.js";
import { benchVectors, localIntrinsicDimensionality } from "./bench-data.js";
import { int8Comparison } from "./int8-bench.js";
import { EFS, K, loadHnswlib } from "./hnswlib-peer.js";
import { fmt, latencySummary, table } from "./stats.js";


interface Point {
  ef: number;
  recall: number;
  qps: number;
  p50: number;
  p99: number;
}

/** Smallest-ef point reaching `target` recall, for the QPS ratio at equal recall. */
function atRecall(points: Point[], target: number): Point | undefined {
  return points.find((p) => p.recall >= target);
}

/**
 * Runs each size with both insertion orders. `kernel` picks the distance kernel; compare
 * kernels in separate runs, since mixing them in one process makes V8's call sites polymorphic.
 * `int8Only` measures just the int8-quantized index (for sizes where the full run takes hours).
 */
export async function denseBench(
  sizes: number[],
  dimension: number,
  queryCount: number,
  params: HnswParams,
  kernel: "simd" | "js",
  orders: readonly ("random" | "by-topic")[] = ["random", "by-topic"],
  int8Only = false,
): Promise<void> {
  const HNSW = loadHnswlib();
  console.log(`\n## Dense ANN: Tandem HNSW (pure TypeScript) vs hnswlib-node (C++), single thread`);
  console.log(`M=${params.M} efConstruction=${params.efConstruction} k=${K} dimension=${dimension} metric=cosine, ${queryCount} queries`);
  if (!HNSW) console.log("hnswlib-node is not installed: peer columns are skipped");
  for (const n of sizes) {
    const all = benchVectors(1000 + n, n + queryCount, dimension);
    const data = all.subarray(0, n * dimension);
    const queries = Array.from({ length: queryCount }, (_, i) => all.subarray((n + i) * dimension, (n + i + 1) * dimension));
    const lid = localIntrinsicDimensionality(data.subarray(0, Math.min(n, 5000) * dimension), dimension, 50);
    console.log(`\n### n = ${n.toLocaleString("en")} (local intrinsic dimensionality ≈ ${fmt(lid, 1)})`);

    const store = new VectorStore(dimension, "cosine");
    for (let i = 0; i < n; i++) store.add(i, data.subarray(i * dimension, (i + 1) * dimension));
    const accept = new Uint8Array(n).fill(1);
    const byId = (a: number, b: number) => a - b;
    const prepared = queries.map((q) => store.prepare(q));
    let t = performance.now();
    const truth = prepared.map((q) => new Set(flatSearch(store, q, K, accept, byId).slots));
    const exactMs = (performance.now() - t) / queryCount;

    for (const order of orders) {
      // Insertion order: the generator's (topics interleaved), or grouped by nearest topic direction.
      const perm = Array.from({ length: n }, (_, i) => i);
      if (order === "by-topic") perm.sort((a, b) => data[a * dimension]! - data[b * dimension]! || a - b);
      if (int8Only) {
        console.log(`\ninsertion order: ${order}; exact scan ${fmt(exactMs, 2)} ms/query`);
        await int8Comparison({ data, dimension, n, perm, queries, truth, params, efs: EFS, k: K, peer: [] });
        continue;
      }
      const runTandem = (kernel: "simd" | "js") => {
        const orderedStore = new VectorStore(dimension, "cosine", kernel);
        for (let i = 0; i < n; i++) orderedStore.add(i, data.subarray(perm[i]! * dimension, (perm[i]! + 1) * dimension));
        const graph = new HnswIndex(orderedStore, params);
        const started = performance.now();
        for (let i = 0; i < n; i++) graph.insert(i);
        const build = (performance.now() - started) / 1000;
        const points: Point[] = [];
        const queriesHere = queries.map((q) => orderedStore.prepare(q));
        for (const q of queriesHere) graph.search(q, K, 64, accept); // warm-up: let the JIT settle
        for (const ef of EFS) {
          let hits = 0;
          const ms: number[] = [];
          queriesHere.forEach((q, qi) => {
            const s = performance.now();
            const r = graph.search(q, K, ef, accept);
            ms.push(performance.now() - s);
            for (const slot of r.slots) if (truth[qi]!.has(perm[slot]!)) hits++;
          });
          points.push({ ef, recall: hits / (K * queryCount), ...latencySummary(ms) });
        }
        return { build, points, graph, store: orderedStore, bytes: orderedStore.bytes() + graph.bytes() };
      };
      const tandem = runTandem(kernel);
      const tandemPoints = tandem.points;
      const buildTandem = tandem.build;
      const bytesTandem = tandem.bytes;

      const peerPoints: Point[] = [];
      let buildPeer = NaN;
      if (HNSW) {
        const peer = new HNSW("cosine", dimension);
        peer.initIndex(n, params.M, params.efConstruction, params.seed);
        const rows = Array.from({ length: n }, (_, i) => Array.from(data.subarray(perm[i]! * dimension, (perm[i]! + 1) * dimension)));
        t = performance.now();
        for (let i = 0; i < n; i++) peer.addPoint(rows[i]!, i);
        buildPeer = (performance.now() - t) / 1000;
        const plain = queries.map((q) => Array.from(q));
        peer.setEf(64);
        for (const q of plain) peer.searchKnn(q, K);
        for (const ef of EFS) {
          peer.setEf(ef);
          let hits = 0;
          const ms: number[] = [];
          plain.forEach((q, qi) => {
            const s = performance.now();
            const r = peer.searchKnn(q, K);
            ms.push(performance.now() - s);
            for (const slot of r.neighbors) if (truth[qi]!.has(perm[slot]!)) hits++;
          });
          peerPoints.push({ ef, recall: hits / (K * queryCount), ...latencySummary(ms) });
        }
      }

      console.log(`\ninsertion order: ${order}; build: Tandem ${fmt(buildTandem, 1)} s, hnswlib-node ${fmt(buildPeer, 1)} s (ratio ${fmt(buildTandem / buildPeer)}×); exact scan ${fmt(exactMs, 2)} ms/query`);
      console.log(`memory: Tandem ${fmt(bytesTandem / n, 0)} bytes/vector allocated (float32 vectors ${dimension * 4} + norms + graph links, with growth slack)`);
      console.log(`distance kernel: ${tandem.store.kernelKind === "simd" ? "WebAssembly 128-bit SIMD" : "scalar JavaScript"}`);
      const rows: (string | number)[][] = [["ef", "recall T", "QPS T", "p50 T", "p99 T", "recall H", "QPS H", "p50 H", "p99 H"]];
      tandemPoints.forEach((p, i) => {
        const h = peerPoints[i];
        rows.push([p.ef, fmt(p.recall, 3), fmt(p.qps, 0), fmt(p.p50, 3), fmt(p.p99, 3), h ? fmt(h.recall, 3) : "-", h ? fmt(h.qps, 0) : "-", h ? fmt(h.p50, 3) : "-", h ? fmt(h.p99, 3) : "-"]);
      });
      console.log(table(rows));
      for (const target of [0.9, 0.95]) {
        const a = atRecall(tandemPoints, target);
        const b = atRecall(peerPoints, target);
        if (a && b) console.log(`QPS ratio Tandem/hnswlib-node at recall@10 ≥ ${target}: ${fmt(a.qps / b.qps)} (Tandem ef ${a.ef}, hnswlib ef ${b.ef})`);
        else console.log(`recall@10 ${target}: not reached by ${a ? "hnswlib-node" : "Tandem"} within ef ≤ ${EFS[EFS.length - 1]}`);
      }
      if (order === "random") {
        filteredRecall(tandem.graph, tandem.store, queries.map((q) => tandem.store.prepare(q)), perm, n);
        const float = { points: tandemPoints, bytesPerVector: bytesTandem / n, vectorBytesPerVector: tandem.store.bytes() / n, build: buildTandem };
        await int8Comparison({ data, dimension, n, perm, queries, truth, params, efs: EFS, k: K, float, peer: peerPoints });
      }
    }
  }
}

/** Recall of filtered graph search against exact filtered ground truth at several selectivities. */
function filteredRecall(graph: HnswIndex, store: VectorStore, queries: ReturnType<VectorStore["prepare"]>[], perm: number[], n: number): void {
  const rows: (string | number)[][] = [["selectivity", "recall@10 (graph, ef 128)", "ms/query", "exact scan ms/query"]];
  for (const fraction of [0.5, 0.1, 0.01, 0.001]) {
    const accept = new Uint8Array(n);
    const every = Math.round(1 / fraction);
    for (let slot = 0; slot < n; slot++) if (perm[slot]! % every === 0) accept[slot] = 1;
    let hits = 0;
    let total = 0;
    let graphMs = 0;
    let scanMs = 0;
    for (const q of queries) {
      let t = performance.now();
      const exact = flatSearch(store, q, K, accept, (a, b) => a - b);
      scanMs += performance.now() - t;
      t = performance.now();
      const approx = graph.search(q, K, 128, accept);
      graphMs += performance.now() - t;
      const truth = new Set(exact.slots);
      total += truth.size;
      for (const s of approx.slots) if (truth.has(s)) hits++;
    }
    rows.push([`${fraction * 100}%`, fmt(hits / total, 3), fmt(graphMs / queries.length, 3), fmt(scanMs / queries.length, 3)]);
  }
  console.log("\nfiltered search (the engine switches to the exact scan below 15% or 2,000 documents):");
  console.log(table(rows));
}
