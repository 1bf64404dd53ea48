import { TopKHeap } from "../top-k-heap.js";
import { ensureCapacity } from "../typed-arrays.js";
import type { Metric } from "../types.js";
import { norm, similarity } from "./similarity.js";

/** A query vector prepared for a dense index. @internal */
export interface DenseQuery {
  vector: Float32Array;
  norm: number;
}

/**
 * Exact dense index: every vector in one contiguous Float32Array (row = slot), norms beside it.
 * Slots without a vector are marked absent. Search scans every accepted slot. @internal
 */
export class FlatIndex {
  private data: Float32Array;
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
    if (slot !== this.slotCount) throw new RangeError(`FlatIndex: slot ${slot} added out of order (next is ${this.slotCount})`);
    this.data = ensureCapacity(this.data, (slot + 1) * this.dimension);
    this.norms = ensureCapacity(this.norms, slot + 1);
    this.present = ensureCapacity(this.present, slot + 1);
    if (vector) {
      this.data.set(vector, slot * this.dimension);
      this.norms[slot] = norm(this.data.subarray(slot * this.dimension, (slot + 1) * this.dimension));
      this.present[slot] = 1;
    }
    this.slotCount = slot + 1;
  }

  has(slot: number): boolean {
    return this.present[slot] === 1;
  }

  prepare(vector: ArrayLike<number>): DenseQuery {
    const v = Float32Array.from(vector);
    return { vector: v, norm: norm(v) };
  }

  /** Exact similarity of the query with one slot, or undefined if the slot has no vector. */
  score(query: DenseQuery, slot: number): number | undefined {
    if (this.present[slot] !== 1) return undefined;
    return similarity(this.metric, query.vector, query.norm, this.data, slot, this.norms[slot]!);
  }

  /** Exact top-k over slots with `accept[slot] === 1` that have a vector. */
  search(
    query: DenseQuery,
    k: number,
    accept: Uint8Array,
    tieBreak: (a: number, b: number) => number,
  ): { slots: number[]; scores: number[] } {
    const heap = new TopKHeap(k, tieBreak);
    for (let slot = 0; slot < this.slotCount; slot++) {
      if (accept[slot] === 0 || this.present[slot] === 0) continue;
      heap.push(similarity(this.metric, query.vector, query.norm, this.data, slot, this.norms[slot]!), slot);
    }
    return heap.drain();
  }

  /** A copy of a slot's stored vector. */
  vector(slot: number): Float32Array | undefined {
    if (this.present[slot] !== 1) return undefined;
    return this.data.slice(slot * this.dimension, (slot + 1) * this.dimension);
  }
}
