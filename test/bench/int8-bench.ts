import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { isMainThread, parentPort, Worker, workerData } from "node:worker_threads";
import { HnswIndex, type HnswParams } from "../../src/legs/dense/hnsw-index.js";
import { QuantizedVectorStore } from "../../src/legs/dense/quantized-vector-store.js";
import { RESCORE_OVERSAMPLING } from "../../src/engine/embedded-engine.js";
import { NodeStorage } from "../../src/store/node-storage.js";
import { SegmentFloatRows } from "../../src/store/segment-float-rows.js";
import { TopKHeap } from "../../src/top-k-heap.js";
import { fmt, latencySummary, table } from "./stats.js";

export interface RecallPoint {
  ef: number;
  recall: number;
  qps: number;
  p50: number;
  p99: number;
}

interface Int8Run {
  data: Float32Array;
  dimension: number;
  n: number;
  perm: number[];
  queries: Float32Array[];
  truth: Set<number>[];
  params: HnswParams;
  efs: number[];
  k: number;
  /** The float32 run and hnswlib-node's, at the same ef values, for the ratios (absent when not run). */
  float?: { points: RecallPoint[]; bytesPerVector: number; vectorBytesPerVector: number; build: number };
  peer: RecallPoint[];
}

interface Int8Input {
  data: Float32Array;
  dimension: number;
  n: number;
  perm: number[];
  queries: Float32Array[];
  truth: number[][];
  params: HnswParams;
  efs: number[];
  k: number;
}

interface Int8Result {
  build: number;
  vectorBytes: number;
  graphBytes: number;
  points: (RecallPoint & { before: number })[];
}

/**
 * The same graph over int8 codes, measured in a worker thread: its own V8 isolate, so the graph
 * code's type feedback is not shared with the float32 run (sharing it makes the store calls
 * polymorphic and slows both). The exact floats are written to a file and read back with
 * positional reads for rescoring, as an index reads them from its segments; search time
 * includes the rescoring.
 */
export async function int8Comparison(run: Int8Run): Promise<void> {
  const { data, dimension, n, perm, queries, params, efs, k } = run;
  const input: Int8Input = { data, dimension, n, perm, queries, params, efs, k, truth: run.truth.map((t) => [...t]) };
  const result = await new Promise<Int8Result>((resolve, reject) => {
    const worker = new Worker(new URL(import.meta.url), { workerData: { int8Bench: input } });
    worker.once("message", resolve);
    worker.once("error", reject);
  });
  const { points, build } = result;
  const bytes = (result.vectorBytes + result.graphBytes) / n;
  console.log(`\nint8 quantization (same graph parameters; floats read back from a file to rescore the best min(ef, ${RESCORE_OVERSAMPLING}k)):`);
  const float = run.float;
  console.log(`build ${fmt(build, 1)} s including quantization fits${float ? ` (float32 ${fmt(float.build, 1)} s)` : ""}`);
  const ratio = (a: number, b: number | undefined) => (b === undefined ? "" : ` vs float32 ${fmt(b, 0)} (${fmt(a / b)}×)`);
  console.log(`memory: vectors ${fmt(result.vectorBytes / n, 0)} bytes/vector${ratio(result.vectorBytes / n, float?.vectorBytesPerVector)}; with the graph ${fmt(bytes, 0)}${ratio(bytes, float?.bytesPerVector)}`);
  const out: (string | number)[][] = [["ef", "recall int8 (no rescoring)", "recall int8 rescored", "recall float32", "QPS int8", "QPS float32", "p50 int8", "p99 int8"]];
  points.forEach((p, i) => {
    const f = float?.points[i];
    out.push([p.ef, fmt(p.before, 3), fmt(p.recall, 3), f ? fmt(f.recall, 3) : "-", fmt(p.qps, 0), f ? fmt(f.qps, 0) : "-", fmt(p.p50, 3), fmt(p.p99, 3)]);
  });
  console.log(table(out));
  for (const target of [0.9, 0.95]) {
    const a = points.find((p) => p.recall >= target);
    const f = float?.points.find((p) => p.recall >= target);
    const h = run.peer.find((p) => p.recall >= target);
    if (!a) {
      console.log(`recall@10 ${target}: not reached by int8 within ef ≤ ${run.efs[run.efs.length - 1]}`);
      continue;
    }
    const vsFloat = f ? `${fmt(a.qps / f.qps)}× float32 (ef ${f.ef})` : "float32 not run or did not reach it";
    const vsPeer = h ? `${fmt(a.qps / h.qps)}× hnswlib-node (ef ${h.ef})` : "hnswlib-node not run or did not reach it";
    console.log(`int8 QPS at recall@10 ≥ ${target} (ef ${a.ef}): ${vsFloat}, ${vsPeer}`);
  }
}

async function measureInt8(run: Int8Input): Promise<Int8Result> {
  const { data, dimension, n, perm, queries, k } = run;
  const truth = run.truth.map((t) => new Set(t));
  const dir = mkdtempSync(join(tmpdir(), "tandem-int8-bench-"));
  try {
    const file = join(dir, "vectors.f32");
    const ordered = new Float32Array(n * dimension);
    for (let i = 0; i < n; i++) ordered.set(data.subarray(perm[i]! * dimension, (perm[i]! + 1) * dimension), i * dimension);
    writeFileSync(file, new Uint8Array(ordered.buffer));
    const rows = new SegmentFloatRows(file, (await new NodeStorage(dir).openFile("vectors.f32"))!, { denseRowsAt: 0, dimension });
    const store = new QuantizedVectorStore(dimension, "cosine");
    const graph = new HnswIndex(store, run.params);
    const started = performance.now();
    for (let i = 0; i < n; i++) {
      store.add(i, ordered.subarray(i * dimension, (i + 1) * dimension), { rows, row: i });
      graph.insert(i);
    }
    const build = (performance.now() - started) / 1000;
    const accept = new Uint8Array(n).fill(1);
    const byId = (a: number, b: number) => a - b;
    const prepared = queries.map((q) => store.prepare(q));
    for (const q of prepared) graph.search(q, k, 64, accept);
    const points: Int8Result["points"] = [];
    for (const ef of run.efs) {
      let hits = 0;
      let hitsBefore = 0;
      const ms: number[] = [];
      prepared.forEach((q, qi) => {
        const s = performance.now();
        // As the engine does: the best min(ef, 3k) by approximate similarity are rescored.
        const found = graph.search(q, Math.min(ef, RESCORE_OVERSAMPLING * k), ef, accept);
        const ranked = new TopKHeap(k, byId);
        for (const slot of found.slots) ranked.push(store.exactSimilarity(q, slot), slot);
        const top = ranked.drain();
        ms.push(performance.now() - s);
        for (const slot of top.slots) if (truth[qi]!.has(perm[slot]!)) hits++;
        const approxTop = found.slots.map((slot, i) => [found.scores[i]!, slot] as const).sort((a, b) => b[0] - a[0]).slice(0, k);
        for (const [, slot] of approxTop) if (truth[qi]!.has(perm[slot]!)) hitsBefore++;
      });
      points.push({ ef, recall: hits / (k * queries.length), before: hitsBefore / (k * queries.length), ...latencySummary(ms) });
    }
    rows.close();
    return { build, vectorBytes: store.bytes(), graphBytes: graph.bytes(), points };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

if (!isMainThread && workerData?.int8Bench) void measureInt8(workerData.int8Bench as Int8Input).then((result) => parentPort!.postMessage(result));
