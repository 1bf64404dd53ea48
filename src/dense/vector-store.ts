import { ensureCapacity } from "../typed-arrays.js";
import type { Metric } from "../types.js";

/** A query vector prepared for a vector store. @internal */
export interface DenseQuery {
  vector: Float32Array;
  norm: number;
}

/**
 * Every dense vector in one contiguous Float32Array (row = slot), norms beside it, and the
 * similarity kernels over it: cosine, dot product, or negative squared L2 (higher is better).
 * Slots without a vector are marked absent. @internal
 */
export class VectorStore {
  data: Float32Array;
  private norms = new Float32Array(16);
  private present = new Uint8Array(16);
  private slotCount = 0;

  constructor(
    readonly dimension: number,
    readonly metric: Metric,
  ) {
    this.data = new Float32Array(16 * dimension);
  }

  get size(): number {
    return this.slotCount;
  }

  /** Adds the next slot (must equal the current size); `vector` may be absent. */
  add(slot: number, vector: ArrayLike<number> | undefined): void {
    if (slot !== this.slotCount) throw new RangeError(`VectorStore: slot ${slot} added out of order (next is ${this.slotCount})`);
    this.data = ensureCapacity(this.data, (slot + 1) * this.dimension);
    this.norms = ensureCapacity(this.norms, slot + 1);
    this.present = ensureCapacity(this.present, slot + 1);
    if (vector) {
      this.data.set(vector, slot * this.dimension);
      this.norms[slot] = Math.sqrt(dotAt(this.data, slot * this.dimension, this.data, slot * this.dimension, this.dimension));
      this.present[slot] = 1;
    }
    this.slotCount = slot + 1;
  }

  has(slot: number): boolean {
    return this.present[slot] === 1;
  }

  prepare(vector: ArrayLike<number>): DenseQuery {
    const v = Float32Array.from(vector);
    return { vector: v, norm: Math.sqrt(dotAt(v, 0, v, 0, v.length)) };
  }

  /** Exact similarity of a query with a slot that has a vector. */
  similarity(query: DenseQuery, slot: number): number {
    const dim = this.dimension;
    if (this.metric === "l2") return Math.fround(-squaredDistanceAt(query.vector, 0, this.data, slot * dim, dim));
    const dot = dotAt(query.vector, 0, this.data, slot * dim, dim);
    return Math.fround(this.metric === "dot" ? dot : dot / (query.norm * this.norms[slot]!));
  }

  /** Similarity between two stored slots (graph construction). */
  similarityBetween(a: number, b: number): number {
    const dim = this.dimension;
    if (this.metric === "l2") return -squaredDistanceAt(this.data, a * dim, this.data, b * dim, dim);
    const dot = dotAt(this.data, a * dim, this.data, b * dim, dim);
    return this.metric === "dot" ? dot : dot / (this.norms[a]! * this.norms[b]!);
  }

  /** Similarity of a stored slot with every other, as a query (graph construction). */
  asQuery(slot: number): DenseQuery {
    const dim = this.dimension;
    return { vector: this.data.subarray(slot * dim, (slot + 1) * dim), norm: this.norms[slot]! };
  }

  /** A copy of a slot's vector, or undefined. */
  vector(slot: number): Float32Array | undefined {
    if (this.present[slot] !== 1) return undefined;
    return this.data.slice(slot * this.dimension, (slot + 1) * this.dimension);
  }

  /** Bytes held for vectors and norms (capacity included). */
  bytes(): number {
    return this.data.byteLength + this.norms.byteLength + this.present.byteLength;
  }
}

/** Σ a[i]·b[i] over `dim` values from the given offsets, unrolled by four. */
export function dotAt(a: Float32Array, ai: number, b: Float32Array, bi: number, dim: number): number {
  let s0 = 0;
  let s1 = 0;
  let s2 = 0;
  let s3 = 0;
  let i = 0;
  for (; i + 3 < dim; i += 4) {
    s0 += a[ai + i]! * b[bi + i]!;
    s1 += a[ai + i + 1]! * b[bi + i + 1]!;
    s2 += a[ai + i + 2]! * b[bi + i + 2]!;
    s3 += a[ai + i + 3]! * b[bi + i + 3]!;
  }
  for (; i < dim; i++) s0 += a[ai + i]! * b[bi + i]!;
  return s0 + s1 + s2 + s3;
}

/** Σ (a[i] − b[i])² over `dim` values from the given offsets, unrolled by four. */
export function squaredDistanceAt(a: Float32Array, ai: number, b: Float32Array, bi: number, dim: number): number {
  let s0 = 0;
  let s1 = 0;
  let s2 = 0;
  let s3 = 0;
  let i = 0;
  for (; i + 3 < dim; i += 4) {
    const d0 = a[ai + i]! - b[bi + i]!;
    const d1 = a[ai + i + 1]! - b[bi + i + 1]!;
    const d2 = a[ai + i + 2]! - b[bi + i + 2]!;
    const d3 = a[ai + i + 3]! - b[bi + i + 3]!;
    s0 += d0 * d0;
    s1 += d1 * d1;
    s2 += d2 * d2;
    s3 += d3 * d3;
  }
  for (; i < dim; i++) {
    const d = a[ai + i]! - b[bi + i]!;
    s0 += d * d;
  }
  return s0 + s1 + s2 + s3;
}
