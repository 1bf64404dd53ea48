import type { DenseQuantization, Metric } from "../../types.js";
import { TopKHeap } from "../../top-k-heap.js";
import type { BuildThreadPool } from "./build-threads.js";
import type { DensePart } from "./dense-part.js";
import { flatSearch } from "./flat-index.js";
import type { FloatRows } from "./float-rows.js";
import type { RetrievalScores } from "../retrieval-scores.js";
import { compactGraph } from "./graph-compaction.js";
import { HnswIndex, type HnswParams } from "./hnsw-index.js";
import { buildGraphInParallel } from "./parallel-graph-build.js";
import { QuantizedVectorStore } from "./quantized-vector-store.js";
import { MAX_BATCH, VectorStore, type DenseVectors } from "./vector-store.js";

/**
 * When the dense leg scans exactly instead of walking the graph: when at most `exactScanMax`
 * documents are accepted, or fewer than `exactScanFraction` of the live ones. @internal
 */
export interface DensePlanner {
  exactScanMax: number;
  exactScanFraction: number;
}

/**
 * Below 2,000 accepted documents an exact scan beats walking the graph; and below 15% of the
 * collection too: a filtered graph walk visits about 1/share as many nodes to fill its list
 * (100k × 384 benchmark: 10% → graph 12.3 ms, scan 6.9 ms; 50% → graph 2.7 ms, scan 26 ms).
 */
export const DEFAULT_DENSE_PLANNER: DensePlanner = { exactScanMax: 2_000, exactScanFraction: 0.15 };
/** Default HNSW candidate list size at query time. */
export const DEFAULT_EF_SEARCH = 100;
/**
 * Over int8 codes, this many times the hits wanted (at most ef) are rescored from the float
 * vectors: each costs a read, and the true top k sits well inside 3k by approximate score.
 */
export const RESCORE_OVERSAMPLING = 3;

/**
 * Fewest vectors a segment brings for its graph insertion to use several threads. Measured at 384
 * dimensions on a 20,000-vector graph: starting a worker costs about 0.25 s (once per index) and
 * each threaded batch about 10 ms of copies into shared memory, while inserting a vector takes
 * about 1 ms, so from about 1,000 vectors a second thread saves more than both.
 */
export const PARALLEL_BUILD_MIN = 1_000;

type GraphSnapshot = ReturnType<HnswIndex["snapshot"]>;

/**
 * The dense leg: every slot's vector in one store (float32, or int8 codes with floats read back
 * from segment files) and an HNSW graph over slots, created with the first vector. Slots without
 * a vector are held as absent. Merges keep slots, so they leave it alone; a compaction moves the
 * vectors to their new slots and carries the graph over (graph-compaction.ts). @internal
 */
export class DenseLeg {
  private store: DenseVectors | null = null;
  private graph: HnswIndex | null = null;
  /** While loading, vectors are stored but graph insertion waits for a saved graph to be restored. */
  private graphDeferred = false;
  /** Rows of segments merged away that the store still reads (until compaction or close). */
  private retiredRows: FloatRows[] = [];
  /** Float vectors go in shared memory, so that graph builds can use threads. */
  private sharedVectors = false;
  /** Threads for graph insertion, when the caller has them ready. */
  private build: { pool: BuildThreadPool; threads: number } | null = null;

  constructor(
    private dimensionSet: number | null,
    readonly metric: Metric,
    readonly hnsw: HnswParams,
    readonly quantization: DenseQuantization,
    private readonly planner: DensePlanner = DEFAULT_DENSE_PLANNER,
  ) {}

  get dimension(): number | null {
    return this.dimensionSet;
  }

  /** True when the store reads floats back from `rows` given with segments (so it keeps them open). */
  readsRows(part: DensePart): boolean {
    return this.quantization === "int8" && part.denseRows.length > 0;
  }

  /** Appends a segment's vectors at slots `base`…; `rows` reads them back for a quantized store. */
  add(base: number, docCount: number, part: DensePart, rows?: FloatRows): void {
    if (part.dimension > 0 && !this.store) this.create(part.dimension, base);
    const { store, graph } = this;
    if (store && graph) {
      const helpers = this.graphDeferred ? 0 : this.buildHelpers(store, part.dimension === 0 ? 0 : part.denseRows.length / part.dimension);
      for (let doc = 0; doc < docCount; doc++) {
        const row = part.denseRowOf[doc]!;
        const vector = row < 0 ? undefined : part.denseRows.subarray(row * part.dimension, (row + 1) * part.dimension);
        store.add(base + doc, vector, row >= 0 && rows ? { rows, row } : undefined);
        if (!this.graphDeferred && helpers === 0) graph.insert(base + doc);
      }
      if (helpers > 0) buildGraphInParallel(graph, store as VectorStore, this.build!.pool, helpers);
    }
  }

  /** Keeps float vectors in shared memory (where the runtime has it), so that graph builds can use threads. Call before the first vector. */
  shareVectors(): void {
    this.sharedVectors = true;
  }

  /** Threads for inserting large segments into the graph: up to `threads`, this one included. */
  useBuildThreads(pool: BuildThreadPool, threads: number): void {
    this.build = { pool, threads };
  }

  /** Helper threads to insert `vectors` new vectors with: none for few vectors, int8 codes or private memory. */
  private buildHelpers(store: DenseVectors, vectors: number): number {
    const build = this.build;
    if (!build || build.threads < 2 || vectors < PARALLEL_BUILD_MIN || !(store instanceof VectorStore) || !store.sharesMemory) return 0;
    return Math.min(build.threads - 1, build.pool.ready);
  }

  /** The rows of a segment merged away: still read by the store until a compaction or close. */
  retire(rows: FloatRows): void {
    this.retiredRows.push(rows);
  }

  has(slot: number): boolean {
    return this.store?.has(slot) ?? false;
  }

  /** A copy of the slot's float vector, or undefined. */
  vector(slot: number): Float32Array | undefined {
    return this.store?.vector(slot);
  }

  /**
   * The best `k` accepted slots, best first: an exact scan when asked for or when few documents are
   * accepted (see {@link DensePlanner}), otherwise the HNSW graph. Over quantized vectors, the best
   * min(ef, 3k) by approximate similarity are rescored with their exact float vectors. With
   * `seen`, the exact similarities the search computed are recorded there, for score completion:
   * every one of an exact scan's; the graph walk's over float vectors under the SIMD kernel, whose
   * batch results are the ones `similarities` gives; over int8 codes, the rescored ones (the walk's
   * are approximate).
   */
  retrieve(
    vector: ArrayLike<number>,
    k: number,
    options: { exact?: boolean; ef?: number },
    accept: Uint8Array,
    accepted: number,
    live: number,
    tieBreak: (a: number, b: number) => number,
    seen?: RetrievalScores,
  ): { slots: number[]; scores: number[] } {
    const { store, graph } = this;
    if (!store || !graph) return { slots: [], scores: [] };
    const q = store.prepare(vector);
    if (options.exact) return flatSearch(store, q, k, accept, tieBreak, true, seen);
    const ef = Math.max(options.ef ?? DEFAULT_EF_SEARCH, k);
    const depth = store.quantized ? Math.min(ef, RESCORE_OVERSAMPLING * k) : k;
    let found: { slots: number[]; scores: number[] };
    if (accepted <= this.planner.exactScanMax || accepted < this.planner.exactScanFraction * live) {
      found = flatSearch(store, q, depth, accept, tieBreak, false, store.quantized ? undefined : seen);
      if (!store.quantized) return found;
    } else {
      graph.catchUp();
      found = graph.search(q, depth, ef, accept, tieBreak, !store.quantized && store.kernelKind === "simd" ? seen : undefined);
      // Float scores are exact and the walk returns them best first, ties by `tieBreak`.
      if (!store.quantized) return found;
    }
    const ranked = new TopKHeap(k, tieBreak);
    for (const slot of found.slots) {
      const score = store.exactSimilarity(q, slot);
      ranked.push(score, slot);
      seen?.record(slot, score);
    }
    return ranked.drain();
  }

  /**
   * Exact similarities of `slots` with the query (undefined for negative entries and where a slot
   * has no vector). Float vectors under the SIMD kernel are scored in kernel batches, whose float32
   * results are the ones a slot at a time gives (the JavaScript kernel's single dot product keeps
   * double precision, so it scores one at a time).
   */
  similarities(vector: ArrayLike<number>, slots: ArrayLike<number>): (number | undefined)[] {
    const n = slots.length;
    const out: (number | undefined)[] = new Array<number | undefined>(n).fill(undefined);
    const store = this.store;
    if (!store) return out;
    const q = store.prepare(vector);
    if (store.quantized || store.kernelKind !== "simd") {
      for (let i = 0; i < n; i++) {
        const slot = slots[i]!;
        if (slot >= 0 && store.has(slot)) out[i] = store.exactSimilarity(q, slot);
      }
      return out;
    }
    const batch = new Uint32Array(Math.min(n, MAX_BATCH));
    const from = new Int32Array(batch.length);
    const scores = new Float64Array(batch.length);
    let count = 0;
    const flush = () => {
      store.similarities(q, batch, count, scores);
      for (let b = 0; b < count; b++) out[from[b]!] = scores[b]!;
      count = 0;
    };
    for (let i = 0; i < n; i++) {
      const slot = slots[i]!;
      if (!(slot >= 0) || !store.has(slot)) continue;
      batch[count] = slot;
      from[count++] = i;
      if (count === batch.length) flush();
    }
    if (count > 0) flush();
    return out;
  }

  /** Stores vectors without inserting them into the graph until `finishLoading`. */
  deferGraph(): void {
    this.graphDeferred = true;
  }

  /** Slots that `finishLoading(saved)` inserts into the graph. */
  graphBacklog(saved?: GraphSnapshot): number {
    if (!this.store) return 0;
    return this.store.size - (saved && saved.nodeCount <= this.store.size ? saved.nodeCount : 0);
  }

  /** Restores a saved graph covering the first slots, then inserts the rest (on threads when they are many). */
  finishLoading(saved?: GraphSnapshot): void {
    this.graphDeferred = false;
    if (!this.store || !this.graph) return;
    if (saved && saved.nodeCount <= this.store.size) this.graph.restore(saved);
    const helpers = this.buildHelpers(this.store, this.store.size - this.graph.size);
    if (helpers > 0) buildGraphInParallel(this.graph, this.store as VectorStore, this.build!.pool, helpers);
    else this.graph.catchUp();
  }

  /** The graph's state to save (covering every slot), if there is a graph. */
  snapshot(): GraphSnapshot | undefined {
    if (!this.graph) return undefined;
    this.graph.catchUp();
    return this.graph.snapshot();
  }

  /** The graph over the slots `remap` keeps, renumbered (nothing rebuilt), for a compaction. */
  compactedGraph(remap: Int32Array): GraphSnapshot | undefined {
    if (!this.store || !this.graph) return undefined;
    this.graph.catchUp();
    return compactGraph(this.graph.snapshot(), this.hnsw.M, this.store, remap);
  }

  /**
   * Swaps in a committed compaction: vectors move to their new slots (read from the old store),
   * the carried-over graph is restored over them; `part` and `rows` are the compacted segment's.
   */
  applyCompaction(remap: Int32Array, part: DensePart, graph: GraphSnapshot | undefined, rows?: FloatRows): void {
    const old = this.store;
    this.store = null;
    this.graph = null;
    if (old) {
      const store = this.newStore(old.dimension);
      for (let slot = 0; slot < remap.length; slot++) {
        const to = remap[slot]!;
        if (to < 0) continue;
        const row = part.denseRowOf[to]!;
        store.add(to, row >= 0 ? old.vector(slot) : undefined, row >= 0 && rows ? { rows, row } : undefined);
      }
      this.store = store;
      this.graph = new HnswIndex(store, this.hnsw);
      if (graph) this.graph.restore(graph);
      this.graph.catchUp();
      old.close();
    }
    this.closeRetired();
  }

  /** Memory held: vectors and graph. */
  bytes(): { vectors: number; graph: number } {
    return { vectors: this.store?.bytes() ?? 0, graph: this.graph?.bytes() ?? 0 };
  }

  close(): void {
    this.store?.close();
    this.closeRetired();
  }

  private closeRetired(): void {
    for (const rows of this.retiredRows) rows.close();
    this.retiredRows = [];
  }

  private newStore(dimension: number): DenseVectors {
    if (this.quantization === "int8") return new QuantizedVectorStore(dimension, this.metric);
    return new VectorStore(dimension, this.metric, "simd", this.sharedVectors ? { shared: true } : {});
  }

  /** Creates the store and graph when the first vector arrives; the `slots` before it have none. */
  private create(dimension: number, slots: number): void {
    this.dimensionSet = dimension;
    const store = this.newStore(dimension);
    const graph = new HnswIndex(store, this.hnsw);
    for (let slot = 0; slot < slots; slot++) {
      store.add(slot, undefined);
      if (!this.graphDeferred) graph.insert(slot);
    }
    this.store = store;
    this.graph = graph;
  }
}
