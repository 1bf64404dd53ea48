import fc from "fast-check";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { HybridIndex, InvalidOptionError, MemoryStorage, type Filter, type Metric } from "../../src/index.js";
import { HnswIndex } from "../../src/legs/dense/hnsw-index.js";
import { VectorStore } from "../../src/legs/dense/vector-store.js";
import { decodeGraph, encodeGraph } from "../../src/store/graph-codec.js";
import { parseManifest } from "../../src/store/manifest.js";
import { BUILT_WORKER, nodeBuildThreadsOf } from "../helpers/build-threads.js";
import { bucketedCorpus, recallAgainstExact, type BucketedDoc } from "../helpers/dense-recall.js";
import { useTempDirs } from "../helpers/temp-dirs.js";

const N = 8000;
const DIM = 48;
const K = 10;
const HNSW = { M: 12, efConstruction: 100, seed: 42 };
/** The graph answers every query that does not ask for `exact`, whatever share of documents a filter accepts. */
const GRAPH_ALWAYS = { exactScanMax: 0, exactScanFraction: 0 };
const FILTERS: [string, Filter | undefined][] = [
  ["all", undefined],
  ["50%", { range: { bucket: { lt: 50 } } }],
  ["10%", { range: { bucket: { lt: 10 } } }],
  ["1%", { term: { bucket: 7 } }],
];

const tempDir = useTempDirs("tandem-threads-");
let queries: number[][];
let docs: BucketedDoc[];
beforeAll(() => {
  ({ docs, queries } = bucketedCorpus(31, N, 100, DIM));
});

/** Recall@10 of the graph (ef 40) against exact search of the same index, averaged over the queries. */
const recall = (index: HybridIndex, filter?: Filter) => recallAgainstExact(index, queries, K, { filter, ef: 40 });

/** Every query's hits (ids and scores), unfiltered and filtered. */
async function answers(index: HybridIndex): Promise<unknown[]> {
  const out: unknown[] = [];
  for (const [, filter] of FILTERS) for (const dense of queries) out.push((await index.search({ dense, k: K, filter })).hits.map((h) => [h.id, h.score]));
  return out;
}

/** The graph file an index directory's manifest names, decoded. */
async function savedGraph(dir: string) {
  const { manifest } = parseManifest(await readFile(join(dir, "manifest.json")), "manifest.json");
  return decodeGraph(new Uint8Array(await readFile(join(dir, manifest.graph!.file))), manifest.graph!.file);
}

describe.each<Metric>(["cosine", "l2"])("an index whose upserts build the graph on four threads (%s)", (metric) => {
  const jobs = { count: 0 };
  let sequential: HybridIndex;
  let parallel: HybridIndex;
  let dir: string;
  beforeAll(async () => {
    sequential = await HybridIndex.open(new MemoryStorage(), { metric, hnsw: HNSW, threads: 1, densePlanner: GRAPH_ALWAYS });
    // Kept for the whole describe (the temp dirs of `tempDir` go after each test).
    dir = await mkdtemp(join(tmpdir(), "tandem-threads-"));
    parallel = await HybridIndex.open(dir, { metric, hnsw: HNSW, threads: 4, densePlanner: GRAPH_ALWAYS, buildThreads: nodeBuildThreadsOf(BUILT_WORKER, jobs) });
    for (const index of [sequential, parallel]) {
      // A first batch, then one that continues the graph, deletions, and replacements.
      await index.upsert(docs.slice(0, 3000));
      await index.upsert(docs.slice(3000));
      await index.delete(docs.filter((_, i) => i % 9 === 0).map((d) => d.id));
      await index.upsert(docs.filter((_, i) => i % 13 === 0).map((d, j) => ({ ...d, dense: docs[(j * 7) % N]!.dense })));
    }
  });
  afterAll(async () => {
    await sequential.close();
    await parallel.close();
    await rm(dir, { recursive: true, force: true });
  });

  it("sent the two large batches to three helper threads each (the 616 replacements stay on one)", () => {
    expect(jobs.count).toBe(6);
  });

  it.each(FILTERS)("recall@10 against exact search (%s accepted, after deletes and replacements) is the one-thread build's or better, within 0.01", async (_, filter) => {
    expect(await recall(parallel, filter)).toBeGreaterThanOrEqual((await recall(sequential, filter)) - 0.01);
  });

  it("saves a graph that reopens and answers exactly as before closing", async () => {
    const before = await answers(parallel);
    await parallel.close();
    parallel = await HybridIndex.open(dir, { threads: 4, densePlanner: GRAPH_ALWAYS, buildThreads: nodeBuildThreadsOf(BUILT_WORKER, jobs) });
    expect(await answers(parallel)).toEqual(before);
    expect((await savedGraph(dir)).snapshot.nodeCount).toBe(N + docs.filter((_, i) => i % 13 === 0).length);
  });
});

describe("threads: 1 and the fallbacks build the graph as one thread always has", () => {
  /** The graph a lone HnswIndex builds over the documents' vectors, inserted in order. */
  function inOrder(metric: Metric, count: number): Uint8Array {
    const store = new VectorStore(DIM, metric);
    for (let slot = 0; slot < count; slot++) store.add(slot, docs[slot]!.dense);
    const graph = new HnswIndex(store, HNSW);
    graph.catchUp();
    return encodeGraph(HNSW, graph.snapshot());
  }

  async function graphOf(options: Parameters<typeof HybridIndex.open>[1], batches: number[][]): Promise<Uint8Array> {
    const dir = await tempDir();
    const index = await HybridIndex.open(dir, { metric: "cosine", hnsw: HNSW, ...options });
    for (const [from, to] of batches) await index.upsert(docs.slice(from, to));
    await index.close();
    const { params, snapshot } = await savedGraph(dir);
    return encodeGraph(params, snapshot);
  }

  it("threads: 1 saves the same bytes as the graph built in order", async () => {
    expect(await graphOf({ threads: 1 }, [[0, 4000]])).toEqual(inOrder("cosine", 4000));
  });

  it("batches under 1,000 dense vectors stay on one thread: the same bytes", async () => {
    const jobs = { count: 0 };
    expect(await graphOf({ threads: 4, buildThreads: nodeBuildThreadsOf(BUILT_WORKER, jobs) }, [[0, 999], [999, 1998]])).toEqual(inOrder("cosine", 1998));
    expect(jobs.count).toBe(0);
  });

  it("threads that cannot start leave the build on one thread: the same bytes", async () => {
    const broken = { available: 4, start: () => Promise.reject(new Error("no worker threads here")) };
    expect(await graphOf({ threads: 4, buildThreads: broken }, [[0, 2000]])).toEqual(inOrder("cosine", 2000));
  });
});

describe("a threads option that is not an integer from 1 to 64 (fault kind: an option accepted unchecked)", () => {
  it("is an InvalidOptionError naming threads and the value; integers from 1 to 64 open", async () => {
    await fc.assert(
      fc.asyncProperty(fc.oneof(fc.anything(), fc.integer({ min: -3, max: 70 }), fc.double()), async (threads) => {
        const valid = Number.isInteger(threads) && (threads as number) >= 1 && (threads as number) <= 64;
        const opened = HybridIndex.open(new MemoryStorage(), { threads: threads as number });
        if (valid) {
          await (await opened).close();
          return;
        }
        if (threads === undefined) return void (await (await opened).close());
        const err = await opened.then(
          () => undefined,
          (e: unknown) => e,
        );
        expect(err).toBeInstanceOf(InvalidOptionError);
        expect((err as InvalidOptionError).code).toBe("INVALID_OPTION");
        expect((err as Error).message).toMatch(/^threads must be an integer from 1 to 64, got /);
      }),
      { seed: 13, numRuns: 200 },
    );
  });
});
