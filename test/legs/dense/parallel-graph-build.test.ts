import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { BuildThreadPool } from "../../../src/legs/dense/build-threads.js";
import { flatSearch } from "../../../src/legs/dense/flat-index.js";
import { HnswIndex } from "../../../src/legs/dense/hnsw-index.js";
import { buildGraphInParallel } from "../../../src/legs/dense/parallel-graph-build.js";
import { VectorStore } from "../../../src/legs/dense/vector-store.js";
import { decodeGraph, encodeGraph } from "../../../src/store/graph-codec.js";
import type { Metric } from "../../../src/types.js";
import { embeddingLike } from "../../helpers/embeddings.js";
import { seededRandom, shuffle } from "../../helpers/random.js";
import { BUILT_WORKER, nodeBuildThreadsOf } from "../../helpers/build-threads.js";

const N = 10_000;
const DIM = 48;
const K = 10;
/** Small enough that recall is below 1 and a worse graph shows. */
const EF = 40;
const PARAMS = { M: 12, efConstruction: 100, seed: 42 };
/** Recall a parallel build may lose against the sequential one (it measured above it as often as below). */
const TOLERANCE = 0.01;

let vectors: number[][];
let queries: number[][];
let pool: BuildThreadPool;
beforeAll(async () => {
  vectors = embeddingLike(23, N + 100, DIM);
  queries = vectors.slice(N);
  pool = new BuildThreadPool(nodeBuildThreadsOf(BUILT_WORKER));
  // Three helpers: on a two-core machine they interleave with this thread more than one would.
  expect(await pool.ensure(3)).toBe(3);
});
afterAll(async () => {
  await pool.close();
});

/** Every `hole`-th slot has no vector (as documents without one), the rest `vectors`. */
function fill(store: VectorStore, hole: number): void {
  for (let slot = 0; slot < N; slot++) store.add(slot, slot % hole === 5 ? undefined : vectors[slot]);
}

/** Recall@10 of graph walks against exact scans over the accepted slots. */
function recall(store: VectorStore, graph: HnswIndex, accept: Uint8Array): number {
  let found = 0;
  let total = 0;
  for (const raw of queries) {
    const q = store.prepare(raw);
    const truth = new Set(flatSearch(store, q, K, accept, (a, b) => a - b).slots);
    const walked = graph.search(q, K, EF, accept);
    for (const slot of walked.slots) expect(accept[slot]).toBe(1);
    found += walked.slots.filter((s) => truth.has(s)).length;
    total += truth.size;
  }
  return found / total;
}

const every = (predicate: (slot: number) => boolean) => Uint8Array.from({ length: N }, (_, slot) => (predicate(slot) ? 1 : 0));
/** All slots; about half, a tenth and a hundredth of them; and all but every ninth (deleted). */
const ACCEPTS: [string, Uint8Array][] = [
  ["all", every(() => true)],
  ["50%", every((s) => s % 100 < 50)],
  ["10%", every((s) => s % 100 < 10)],
  ["1%", every((s) => s % 100 === 7)],
  ["deleted every 9th", every((s) => s % 9 !== 0)],
];

describe.each<Metric>(["cosine", "l2", "dot"])("a graph built on four threads (%s)", (metric) => {
  let sequentialStore: VectorStore;
  let sequential: HnswIndex;
  let parallelStore: VectorStore;
  let parallel: HnswIndex;
  beforeAll(() => {
    sequentialStore = new VectorStore(DIM, metric);
    fill(sequentialStore, 97);
    sequential = new HnswIndex(sequentialStore, PARAMS);
    sequential.catchUp();
    parallelStore = new VectorStore(DIM, metric, "simd", { shared: true });
    fill(parallelStore, 97);
    parallel = new HnswIndex(parallelStore, PARAMS);
    // A first batch in order, then the rest on four threads: the build continues a graph.
    for (let slot = 0; slot < 1000; slot++) parallel.insert(slot);
    buildGraphInParallel(parallel, parallelStore, pool, 3);
  });

  it.each(ACCEPTS)("recall@10 against an exact scan (%s accepted) is the sequential build's or better, within 0.01", (_, accept) => {
    const before = recall(sequentialStore, sequential, accept);
    const after = recall(parallelStore, parallel, accept);
    expect(after).toBeGreaterThanOrEqual(before - TOLERANCE);
  });

  it("is a valid graph that saves and reads back: no self, repeated or dangling links, every node reachable from the entry point as in the sequential build", () => {
    const snapshot = parallel.snapshot();
    expect(snapshot.nodeCount).toBe(N);
    const decoded = decodeGraph(encodeGraph(PARAMS, snapshot), "parallel.hnsw").snapshot;
    const stride = 2 * PARAMS.M + 1;
    for (let node = 0; node < N; node++) {
      const count = decoded.links0[node * stride]!;
      const links = Array.from(decoded.links0.subarray(node * stride + 1, node * stride + 1 + count));
      if (!parallelStore.has(node)) {
        expect(count).toBe(0);
        continue;
      }
      expect(count).toBeGreaterThan(0);
      expect(links).not.toContain(node);
      expect(new Set(links).size).toBe(links.length);
      for (const n of links) expect(parallelStore.has(n)).toBe(true);
    }
    // Level 0 is as connected as the sequential build's: under dot product, which is no metric,
    // both leave vectors of small norm out of every list.
    expect(unreached(decoded, parallelStore)).toBeLessThanOrEqual(unreached(sequential.snapshot(), sequentialStore) + N / 100);
    if (metric !== "dot") expect(unreached(decoded, parallelStore)).toBe(0);
  });
});

/** Nodes with a vector that a walk of level 0 from the entry point does not reach. */
function unreached(graph: ReturnType<HnswIndex["snapshot"]>, store: VectorStore): number {
  const stride = 2 * PARAMS.M + 1;
  const seen = new Uint8Array(N);
  const stack = [graph.entryPoint];
  seen[graph.entryPoint] = 1;
  while (stack.length > 0) {
    const node = stack.pop()!;
    const count = graph.links0[node * stride]!;
    for (let i = 1; i <= count; i++) {
      const n = graph.links0[node * stride + i]!;
      if (!seen[n]) {
        seen[n] = 1;
        stack.push(n);
      }
    }
  }
  let missed = 0;
  for (let node = 0; node < N; node++) if (store.has(node) && !seen[node]) missed++;
  return missed;
}

describe("a graph build on one thread", () => {
  it("without helpers inserts what the sequential build inserts, byte for byte", () => {
    const a = new VectorStore(DIM, "cosine");
    const b = new VectorStore(DIM, "cosine", "simd", { shared: true });
    fill(a, 97);
    fill(b, 97);
    const sequential = new HnswIndex(a, PARAMS);
    sequential.catchUp();
    const alone = new HnswIndex(b, PARAMS);
    buildGraphInParallel(alone, b, pool, 0);
    expect(encodeGraph(PARAMS, alone.snapshot())).toEqual(encodeGraph(PARAMS, sequential.snapshot()));
  });
});

describe.each<Metric>(["cosine", "l2"])("exact-duplicate vectors in a graph built on four threads (%s)", (metric) => {
  // 1,300 copies of one vector among 1,300 distinct ones, shuffled (as hnsw-duplicates.test.ts,
  // whose one-thread graph meets the same bars).
  const D = 32;
  const data = embeddingLike(7, 1300 + 1 + 50, D);
  const copied = data[1300]!;
  const probes = [...data.slice(1301), copied];
  const items = shuffle([...data.slice(0, 1300).map((v) => ({ v, copy: false })), ...Array.from({ length: 1300 }, () => ({ v: copied, copy: true }))], 3);
  const rows = items.map((x) => x.v);
  const distinct = items.flatMap((x, slot) => (x.copy ? [] : [slot]));
  const copies = items.flatMap((x, slot) => (x.copy ? [slot] : []));
  let store: VectorStore;
  let graph: HnswIndex;
  beforeAll(() => {
    store = new VectorStore(D, metric, "simd", { shared: true });
    rows.forEach((v, slot) => store.add(slot, v));
    graph = new HnswIndex(store, { M: 16, efConstruction: 200, seed: 42 });
    buildGraphInParallel(graph, store, pool, 3);
  });

  /** Recall@10 at ef 64, a hit counting when it scores at least the k-th best (tied copies alike). */
  function tiedRecall(queries: number[][], accept: Uint8Array): number {
    let found = 0;
    let wanted = 0;
    for (const raw of queries) {
      const q = store.prepare(raw);
      const truth = flatSearch(store, q, K, accept, (a, b) => a - b);
      const got = graph.search(q, K, 64, accept);
      for (const slot of got.slots) expect(accept[slot]).toBe(1);
      found += Math.min(truth.slots.length, got.scores.filter((s) => s >= truth.scores[truth.scores.length - 1]!).length);
      wanted += truth.slots.length;
    }
    return found / wanted;
  }

  it("keeps recall@10 ≥ 0.95, finds every distinct vector as its own nearest neighbour and returns k copies, also with most copies deleted", () => {
    const all = new Uint8Array(rows.length).fill(1);
    const someCopies = all.slice();
    const rand = seededRandom(5);
    for (const slot of copies) if (rand() < 0.8) someCopies[slot] = 0;
    for (const accept of [all, someCopies]) {
      expect(tiedRecall([...probes, ...distinct.slice(0, 300).map((s) => rows[s]!)], accept)).toBeGreaterThanOrEqual(0.95);
      const missed = distinct.filter((slot) => {
        const q = store.prepare(rows[slot]!);
        return graph.search(q, 1, 64, accept).scores[0] !== flatSearch(store, q, 1, accept, (a, b) => a - b).scores[0];
      });
      expect(missed).toEqual([]);
      const q = store.prepare(copied);
      expect(graph.search(q, K, 64, accept).scores).toEqual(flatSearch(store, q, K, accept, (a, b) => a - b).scores);
    }
  });
});
