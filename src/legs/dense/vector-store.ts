import { ensureCapacity } from "../../typed-arrays.js";
import type { Metric } from "../../types.js";
import { MAX_BUILD_THREADS } from "./build-threads.js";
import { createDistanceKernel, type DistanceKernel } from "./distance-kernel.js";
import type { FloatRows } from "./float-rows.js";

const NO_VECTOR = new Float32Array(0);
/** Largest batch `similarities` takes: level-0 link lists hold at most 2M ≤ 200 nodes. */
export const MAX_BATCH = 256;

/** A query vector prepared for a vector store; `row` set means "the stored vector of that slot". @internal */
export interface DenseQuery {
  vector: Float32Array;
  norm: number;
  row?: number;
}

/** Where a vector's exact floats are: row `row` of `rows`. @internal */
export interface FloatRowLocation {
  rows: FloatRows;
  row: number;
}

/** What the HNSW graph, the scans and the engine need of a store of dense vectors. @internal */
export interface DenseVectors {
  readonly dimension: number;
  readonly size: number;
  /** True when `similarity` is an approximation and results need `exactSimilarity` rescoring. */
  readonly quantized: boolean;
  readonly kernelKind: "simd" | "js";
  /**
   * Adds the next slot (must equal the current size); `vector` may be absent. `location` says
   * where its floats can be read back, for a store that does not keep them.
   */
  add(slot: number, vector: ArrayLike<number> | undefined, location?: FloatRowLocation): void;
  has(slot: number): boolean;
  prepare(vector: ArrayLike<number>): DenseQuery;
  /** A stored slot as a query (graph construction). */
  asQuery(slot: number): DenseQuery;
  /** The similarity the graph navigates by: exact for float vectors, approximate for quantized ones. */
  similarity(query: DenseQuery, slot: number): number;
  /** `similarity` of the query with `count` slots, written to `out`, in one kernel call. */
  similarities(query: DenseQuery, slots: Uint32Array, count: number, out: Float64Array): void;
  /** `similarity` between two stored slots. */
  similarityBetween(a: number, b: number): number;
  /** `similarityBetween(a, slots[i])` for `count` slots, written to `out`, the same values (in fewer kernel calls where it can). */
  similaritiesFrom(a: number, slots: Uint32Array, count: number, out: Float64Array): void;
  /** True when `similarityBetween(a, b)` always equals `similarityBetween(b, a)` bit for bit. */
  readonly symmetric: boolean;
  /**
   * True when `similarity` cannot tell two stored slots apart — each is as similar to the other as
   * to itself: the same floats; under cosine also directions whose float32 cosine rounds to the
   * self-similarity; over int8 codes, the same codes. The graph links such copies differently from
   * other neighbours. `between` is their similarity, when the caller has it.
   */
  sameVector(a: number, b: number, between?: number): boolean;
  /** The exact similarity, from the float vector. */
  exactSimilarity(query: DenseQuery, slot: number): number;
  /** Calls `visit` with the exact similarity of every accepted slot that has a vector, in slot order. */
  exactScan(query: DenseQuery, accept: Uint8Array, visit: (slot: number, score: number) => void): void;
  /** A copy of a slot's float vector, or undefined. */
  vector(slot: number): Float32Array | undefined;
  /** Bytes held in memory (allocated capacity included). */
  bytes(): number;
  /** Releases what the store holds open (files rows are read back from). */
  close(): void;
}

/** A query vector with its norm; a Float32Array is used as it is (read during the search only). @internal */
export function prepareDenseQuery(vector: ArrayLike<number>): DenseQuery {
  const v = vector instanceof Float32Array ? vector : Float32Array.from(vector);
  let sum = 0;
  for (let i = 0; i < v.length; i++) sum += v[i]! * v[i]!;
  return { vector: v, norm: Math.sqrt(sum) };
}

/**
 * What another thread needs to read a float store's vectors (`VectorStore.attach`): the shared
 * WebAssembly memory the rows are in, and copies of the norms and presence marks in shared
 * memory. Valid while no vector is added. @internal
 */
export interface SharedVectors {
  dimension: number;
  metric: Metric;
  memory: WebAssembly.Memory;
  size: number;
  norms: Float32Array<ArrayBufferLike>;
  selfSimilarities: Float32Array<ArrayBufferLike>;
  present: Uint8Array<ArrayBufferLike>;
}

/**
 * Every dense vector in one contiguous float32 buffer (row = slot, zero-padded to a multiple of 8
 * floats for the SIMD kernel), norms beside it, and similarity over it: cosine, dot product or
 * negative squared L2 (higher is better). The buffer starts with the current query, then scratch
 * space for batched calls (one per thread when the buffer is shared memory, so that threads
 * building the graph together each have their own), then the rows.
 * Slots without a vector are marked absent. @internal
 */
export class VectorStore implements DenseVectors {
  readonly quantized = false;
  readonly symmetric = true;
  private readonly kernel: DistanceKernel;
  /** Floats per row: the dimension rounded up to a multiple of 8. */
  private readonly stride: number;
  /** Where the batch's row-offset list and results live, and where rows start. */
  private readonly listAt: number;
  private readonly outAt: number;
  private readonly rowsAt: number;
  private norms: Float32Array<ArrayBufferLike> = new Float32Array(16);
  /** Under cosine, each vector's similarity with itself (1 give or take a rounding). */
  private selfSimilarities: Float32Array<ArrayBufferLike> = new Float32Array(16);
  private present: Uint8Array<ArrayBufferLike> = new Uint8Array(16);
  private slotCount = 0;
  private loaded: DenseQuery | null = null;

  /**
   * `memory.shared`: true keeps the rows in shared memory where the runtime has it (for a graph
   * built on several threads: see `sharedVectors`); a shared memory attaches to another store's
   * rows as thread `memory.thread` (1 and up; 0 is the store that owns them).
   */
  constructor(
    readonly dimension: number,
    readonly metric: Metric,
    kernel: "simd" | "js" = "simd",
    memory: { shared?: boolean | WebAssembly.Memory; thread?: number } = {},
  ) {
    this.kernel = createDistanceKernel(kernel, memory.shared === undefined ? {} : { shared: memory.shared });
    this.stride = Math.ceil(dimension / 8) * 8;
    const scratchAreas = this.kernel.sharedMemory ? MAX_BUILD_THREADS : 1;
    this.listAt = this.stride + 2 * MAX_BATCH * (memory.thread ?? 0);
    this.outAt = this.listAt + MAX_BATCH;
    this.rowsAt = this.stride + 2 * MAX_BATCH * scratchAreas;
    this.kernel.reserve(this.offset(16));
  }

  /** A view of another thread's store (`sharedVectors`) for thread `thread`, for graph construction only. */
  static attach(shared: SharedVectors, thread: number): VectorStore {
    if (!(thread >= 1 && thread < MAX_BUILD_THREADS)) throw new RangeError(`VectorStore: thread ${thread} is out of range`);
    const store = new VectorStore(shared.dimension, shared.metric, "simd", { shared: shared.memory, thread });
    store.norms = shared.norms;
    store.selfSimilarities = shared.selfSimilarities;
    store.present = shared.present;
    store.slotCount = shared.size;
    return store;
  }

  /** What threads need to read this store's vectors, or null when its rows are not in shared memory. */
  sharedVectors(): SharedVectors | null {
    const memory = this.kernel.sharedMemory;
    if (!memory) return null;
    const copy = <T extends Float32Array<ArrayBufferLike> | Uint8Array<ArrayBufferLike>>(array: T, Ctor: new (buffer: SharedArrayBuffer) => T): T => {
      const shared = new Ctor(new SharedArrayBuffer(Math.max(1, this.slotCount) * array.BYTES_PER_ELEMENT));
      shared.set(array.subarray(0, this.slotCount));
      return shared;
    };
    return {
      dimension: this.dimension,
      metric: this.metric,
      memory,
      size: this.slotCount,
      norms: copy(this.norms, Float32Array),
      selfSimilarities: this.metric === "cosine" ? copy(this.selfSimilarities, Float32Array) : new Float32Array(0),
      present: copy(this.present, Uint8Array),
    };
  }

  get size(): number {
    return this.slotCount;
  }

  get kernelKind(): "simd" | "js" {
    return this.kernel.kind;
  }

  /** True when the rows are in shared memory (other threads can attach to them). */
  get sharesMemory(): boolean {
    return this.kernel.sharedMemory !== undefined;
  }

  /** Adds the next slot (must equal the current size); `vector` may be absent. The floats are kept here. */
  add(slot: number, vector: ArrayLike<number> | undefined): void {
    if (slot !== this.slotCount) throw new RangeError(`VectorStore: slot ${slot} added out of order (next is ${this.slotCount})`);
    this.kernel.reserve(this.offset(slot + 1));
    this.norms = ensureCapacity(this.norms, slot + 1);
    this.present = ensureCapacity(this.present, slot + 1);
    if (this.metric === "cosine") this.selfSimilarities = ensureCapacity(this.selfSimilarities, slot + 1);
    if (vector) {
      const at = this.offset(slot);
      this.kernel.floats.set(vector, at);
      this.norms[slot] = Math.sqrt(this.kernel.dot(at, at, this.stride));
      this.present[slot] = 1;
      if (this.metric === "cosine") this.selfSimilarities[slot] = this.similarityBetween(slot, slot);
    }
    this.slotCount = slot + 1;
  }

  has(slot: number): boolean {
    return this.present[slot] === 1;
  }

  prepare(vector: ArrayLike<number>): DenseQuery {
    return prepareDenseQuery(vector);
  }

  /** A stored slot as a query (graph construction), without copying it. */
  asQuery(slot: number): DenseQuery {
    return { vector: NO_VECTOR, norm: this.norms[slot]!, row: slot };
  }

  /** Exact similarity of a query with a slot that has a vector. */
  similarity(query: DenseQuery, slot: number): number {
    const q = query.row === undefined ? this.load(query) : this.offset(query.row);
    const d = this.offset(slot);
    if (this.metric === "l2") return Math.fround(-this.kernel.squaredL2(q, d, this.stride));
    const dot = this.kernel.dot(q, d, this.stride);
    return Math.fround(this.metric === "dot" ? dot : dot / (query.norm * this.norms[slot]!));
  }

  exactSimilarity(query: DenseQuery, slot: number): number {
    return this.similarity(query, slot);
  }

  exactScan(query: DenseQuery, accept: Uint8Array, visit: (slot: number, score: number) => void): void {
    for (let slot = 0; slot < this.slotCount; slot++) if (accept[slot] === 1 && this.present[slot] === 1) visit(slot, this.similarity(query, slot));
  }

  /**
   * Similarities of the query with `count` slots (all with vectors), written to `out`; the same
   * values `similarity` gives, computed in one kernel call.
   */
  similarities(query: DenseQuery, slots: Uint32Array, count: number, out: Float64Array): void {
    const q = query.row === undefined ? this.load(query) : this.offset(query.row);
    const words = this.kernel.words;
    for (let i = 0; i < count; i++) words[this.listAt + i] = this.offset(slots[i]!) * 4;
    const floats = this.kernel.floats;
    if (this.metric === "l2") {
      this.kernel.squaredL2Many(q, this.listAt, count, this.stride, this.outAt);
      for (let i = 0; i < count; i++) out[i] = Math.fround(-floats[this.outAt + i]!);
      return;
    }
    this.kernel.dotMany(q, this.listAt, count, this.stride, this.outAt);
    if (this.metric === "dot") {
      for (let i = 0; i < count; i++) out[i] = Math.fround(floats[this.outAt + i]!);
      return;
    }
    for (let i = 0; i < count; i++) out[i] = Math.fround(floats[this.outAt + i]! / (query.norm * this.norms[slots[i]!]!));
  }

  /**
   * Batched `similarityBetween(a, …)`: slot `a` as the query. The same floats: products commute
   * and each row sums in the single call's order, and a cosine divides by the same two norms.
   */
  similaritiesFrom(a: number, slots: Uint32Array, count: number, out: Float64Array): void {
    this.similarities(this.asQuery(a), slots, count, out);
  }

  /** Similarity between two stored slots (graph construction). */
  similarityBetween(a: number, b: number): number {
    const x = this.offset(a);
    const y = this.offset(b);
    if (this.metric === "l2") return Math.fround(-this.kernel.squaredL2(x, y, this.stride));
    const dot = this.kernel.dot(x, y, this.stride);
    return Math.fround(this.metric === "dot" ? dot : dot / (this.norms[a]! * this.norms[b]!));
  }

  sameVector(a: number, b: number, between?: number): boolean {
    if (this.metric === "cosine") {
      // Near 1 a float32 cosine has steps of 6e-8: directions closer than that are one point.
      const s = between ?? this.similarityBetween(a, b);
      return s >= this.selfSimilarities[a]! && s >= this.selfSimilarities[b]!;
    }
    // Equal rows have equal norms: the norm rejects almost every pair before the rows are read.
    if (this.norms[a] !== this.norms[b]) return false;
    const floats = this.kernel.floats;
    const x = this.offset(a);
    const y = this.offset(b);
    for (let i = 0; i < this.dimension; i++) if (floats[x + i] !== floats[y + i]) return false;
    return true;
  }

  /** A copy of a slot's vector, or undefined. */
  vector(slot: number): Float32Array | undefined {
    if (this.present[slot] !== 1) return undefined;
    const at = this.offset(slot);
    return this.kernel.floats.slice(at, at + this.dimension);
  }

  /** Bytes held for vectors and norms (allocated capacity included). */
  bytes(): number {
    return this.kernel.floats.byteLength + this.norms.byteLength + this.present.byteLength;
  }

  close(): void {}

  private offset(slot: number): number {
    return this.rowsAt + slot * this.stride;
  }

  /** Copies the query into the scratch row unless it is already there. */
  private load(query: DenseQuery): number {
    if (this.loaded !== query) {
      this.kernel.floats.set(query.vector, 0);
      this.loaded = query;
    }
    return 0;
  }
}
