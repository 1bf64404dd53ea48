import { ensureCapacity } from "../../typed-arrays.js";
import type { Metric } from "../../types.js";
import { createDistanceKernel, type DistanceKernel } from "./distance-kernel.js";
import { InMemoryRows, type FloatRows } from "./float-rows.js";
import { ScalarQuantizer } from "./scalar-quantizer.js";
import { MAX_BATCH, prepareDenseQuery, type DenseQuery, type DenseVectors, type FloatRowLocation } from "./vector-store.js";

/**
 * Quantization starts when this many distinct vectors are stored (copies of one vector would fit
 * every range to a single point and give every later vector the same codes), and the ranges are
 * refitted over every stored vector each time the count grows 4-fold, so early vectors do not fix
 * the ranges for good. Before it similarities are exact.
 */
const FIRST_FIT = 1024;
/**
 * Stored vectors kept prepared as queries for graph construction, where the neighbour heuristic
 * compares each candidate with the few neighbours kept so far.
 */
const PREPARED_ROWS = 64;
const NO_VECTOR = new Float32Array(0);
/** Rows an exact scan reads in one positional read when consecutive slots have consecutive rows. */
const SCAN_BLOCK = 256;

/** A query prepared for code rows: dot(query, decoded row) ≈ offset + unit × integer dot. */
interface CodeQuery {
  offset: number;
  unit: number;
  /** Squared norm of the query, for L2. */
  norm2: number;
}

/**
 * Dense vectors kept in memory as int8 codes (one byte per dimension, a range per dimension; for
 * cosine, of the unit vector), with the exact float vectors read back from where they are stored
 * (segment files) only to rescore final candidates. The graph navigates by an approximate
 * similarity: the float query, as int16 weights, against the codes, in integer SIMD.
 *
 * Kernel memory: float query row | float scratch row | int16 query row | batch list | batch
 * results | int16 rows of stored vectors prepared as queries | code rows (zero-padded to a
 * multiple of 32 bytes). @internal
 */
export class QuantizedVectorStore implements DenseVectors {
  readonly quantized = true;
  /** Codes score a prepared row against another's codes: which slot is prepared matters. */
  readonly symmetric = false;
  private readonly kernel: DistanceKernel;
  private readonly floatStride: number;
  private readonly codeStride: number;
  /** Float index of the scratch row exact vectors are read into. */
  private readonly scratchAt: number;
  /** Byte offsets. */
  private readonly queryCodesAt: number;
  private readonly listAt: number;
  private readonly outAt: number;
  private readonly preparedAt: number;
  private readonly rowsAt: number;
  private norms = new Float32Array(16);
  private present = new Uint8Array(16);
  private sourceOf = new Uint16Array(16);
  private rowOf = new Uint32Array(16);
  private readonly sources: FloatRows[] = [];
  /** Copies of vectors added without a location, so the store also works on its own. */
  private readonly ownCopies: Float32Array[] = [];
  private readonly own = new InMemoryRows(this.ownCopies);
  private slotCount = 0;
  private vectorCount = 0;
  private nextFit = 0;
  /** Hashes of the distinct vectors (as quantized) stored before the first fit. */
  private readonly distinctBeforeFit = new Set<number>();
  private quantizer: ScalarQuantizer | null = null;
  /** Float copies of the vectors stored before the first fit. */
  private pending: (Float32Array | undefined)[] = [];
  private floatLoaded: DenseQuery | null = null;
  private codesLoaded: DenseQuery | null = null;
  private codeQuery: CodeQuery = { offset: 0, unit: 0, norm2: 0 };
  private betweenFrom: { slot: number; query: DenseQuery } | null = null;
  /** Which slot each prepared row holds (-1: none), its row by slot, and each row's offset. */
  private readonly preparedSlot = new Int32Array(PREPARED_ROWS).fill(-1);
  private readonly preparedRowOf = new Map<number, number>();
  private readonly preparedOffset = new Float64Array(PREPARED_ROWS);
  private nextPrepared = 0;
  /** One float and its bits, for hashing. */
  private readonly hashFloat = new Float32Array(1);
  private readonly hashBits = new Uint32Array(this.hashFloat.buffer);
  /** Where an exact scan reads runs of float rows, allocated on the first scan. */
  private scanBlock: Float32Array | null = null;

  constructor(
    readonly dimension: number,
    readonly metric: Metric,
    kernel: "simd" | "js" = "simd",
  ) {
    this.kernel = createDistanceKernel(kernel);
    this.floatStride = Math.ceil(dimension / 8) * 8;
    this.codeStride = Math.ceil(dimension / 32) * 32;
    this.scratchAt = this.floatStride;
    this.queryCodesAt = 4 * 2 * this.floatStride;
    this.listAt = this.queryCodesAt + 2 * this.codeStride;
    this.outAt = this.listAt + 4 * MAX_BATCH;
    this.preparedAt = this.outAt + 4 * MAX_BATCH;
    this.rowsAt = this.preparedAt + PREPARED_ROWS * 2 * this.codeStride;
    this.reserveRows(16);
  }

  get size(): number {
    return this.slotCount;
  }

  get kernelKind(): "simd" | "js" {
    return this.kernel.kind;
  }

  /** True once vectors are held as codes (from the first 1,024 vectors on). */
  get isQuantizing(): boolean {
    return this.quantizer !== null;
  }

  /**
   * Adds the next slot (must equal the current size); `vector` may be absent. `location` says
   * where its floats can be read back later; without one the store keeps a copy.
   */
  add(slot: number, vector: ArrayLike<number> | undefined, location?: FloatRowLocation): void {
    if (slot !== this.slotCount) throw new RangeError(`QuantizedVectorStore: slot ${slot} added out of order (next is ${this.slotCount})`);
    this.reserveRows(slot + 1);
    this.norms = ensureCapacity(this.norms, slot + 1);
    this.present = ensureCapacity(this.present, slot + 1);
    this.sourceOf = ensureCapacity(this.sourceOf, slot + 1);
    this.rowOf = ensureCapacity(this.rowOf, slot + 1);
    this.slotCount = slot + 1;
    if (!vector) return;
    // The norm is computed as the float store computes it, so exact scores agree bit for bit.
    this.kernel.floats.set(vector, this.scratchAt);
    this.norms[slot] = Math.sqrt(this.kernel.dot(this.scratchAt, this.scratchAt, this.floatStride));
    this.present[slot] = 1;
    if (!location) {
      this.ownCopies.push(Float32Array.from(vector));
      location = { rows: this.own, row: this.ownCopies.length - 1 };
    }
    this.sourceOf[slot] = this.sourceIndex(location.rows);
    this.rowOf[slot] = location.row;
    this.vectorCount++;
    if (this.quantizer) {
      this.quantizer.encode(vector, this.codeScale(slot), this.kernel.bytes, this.codeAt(slot));
      if (this.vectorCount === this.nextFit) this.fit();
      return;
    }
    this.pending[slot] = Float32Array.from(vector);
    this.distinctBeforeFit.add(this.quantizedHash(slot));
    if (this.distinctBeforeFit.size === FIRST_FIT) this.fit();
  }

  has(slot: number): boolean {
    return this.present[slot] === 1;
  }

  prepare(vector: ArrayLike<number>): DenseQuery {
    return prepareDenseQuery(vector);
  }

  asQuery(slot: number): DenseQuery {
    if (this.quantizer) return { vector: NO_VECTOR, norm: this.norms[slot]!, row: slot };
    return prepareDenseQuery(this.pending[slot]!);
  }

  similarity(query: DenseQuery, slot: number): number {
    if (!this.quantizer) return this.exactSimilarity(query, slot);
    const q = this.loadCodes(query);
    const dot = q.offset + q.unit * this.kernel.dotCodes(this.queryCodesAt, this.codeAt(slot), this.codeStride);
    return this.fromDot(dot, q.norm2, slot);
  }

  similarities(query: DenseQuery, slots: Uint32Array, count: number, out: Float64Array): void {
    if (!this.quantizer) {
      for (let i = 0; i < count; i++) out[i] = this.exactSimilarity(query, slots[i]!);
      return;
    }
    const q = this.loadCodes(query);
    const words = this.kernel.words;
    const list = this.listAt >> 2;
    for (let i = 0; i < count; i++) words[list + i] = this.codeAt(slots[i]!);
    this.kernel.dotCodesMany(this.queryCodesAt, this.listAt, count, this.codeStride, this.outAt);
    const results = this.kernel.int32;
    const at = this.outAt >> 2;
    for (let i = 0; i < count; i++) out[i] = this.fromDot(q.offset + q.unit * results[at + i]!, q.norm2, slots[i]!);
  }

  similaritiesFrom(a: number, slots: Uint32Array, count: number, out: Float64Array): void {
    for (let i = 0; i < count; i++) out[i] = this.similarityBetween(a, slots[i]!);
  }

  similarityBetween(a: number, b: number): number {
    if (!this.quantizer) {
      if (this.betweenFrom?.slot !== a) this.betweenFrom = { slot: a, query: this.asQuery(a) };
      return this.exactSimilarity(this.betweenFrom.query, b);
    }
    const row = this.preparedRow(a);
    const dot = this.preparedOffset[row]! + this.kernel.dotCodes(this.preparedAt + row * 2 * this.codeStride, this.codeAt(b), this.codeStride) / this.quantizer.codeQueryFactor;
    return this.fromDot(dot, this.norms[a]! * this.norms[a]!, b);
  }

  sameVector(a: number, b: number, between?: number): boolean {
    if (!this.quantizer) {
      // Exact similarities until the first fit: the float store's rule.
      if (this.metric === "cosine") {
        const s = between ?? this.similarityBetween(a, b);
        return s >= this.similarityBetween(a, a) && s >= this.similarityBetween(b, b);
      }
      if (this.norms[a] !== this.norms[b]) return false;
      const x = this.pending[a]!;
      const y = this.pending[b]!;
      for (let i = 0; i < this.dimension; i++) if (x[i] !== y[i]) return false;
      return true;
    }
    // Codes are all the graph sees, with the norm only under L2 (cosine codes are of the unit vector).
    if (this.metric === "l2" && this.norms[a] !== this.norms[b]) return false;
    const words = this.kernel.words;
    const x = this.codeAt(a) >> 2;
    const y = this.codeAt(b) >> 2;
    for (let i = 0; i < this.codeStride >> 2; i++) if (words[x + i] !== words[y + i]) return false;
    return true;
  }

  /** The exact similarity, computed as the float store computes it, from the vector read back. */
  exactSimilarity(query: DenseQuery, slot: number): number {
    this.readInto(slot, this.kernel.floats.subarray(this.scratchAt, this.scratchAt + this.dimension));
    return this.scratchSimilarity(query, slot);
  }

  /** `exactSimilarity` for every accepted slot, reading runs of consecutive rows in one read each. */
  exactScan(query: DenseQuery, accept: Uint8Array, visit: (slot: number, score: number) => void): void {
    this.scanBlock ??= new Float32Array(SCAN_BLOCK * this.dimension);
    const block = this.scanBlock;
    const dimension = this.dimension;
    for (let slot = 0; slot < this.slotCount; ) {
      if (accept[slot] !== 1 || this.present[slot] !== 1) {
        slot++;
        continue;
      }
      if (!this.quantizer) {
        visit(slot, this.exactSimilarity(query, slot));
        slot++;
        continue;
      }
      const source = this.sourceOf[slot]!;
      const first = this.rowOf[slot]!;
      let end = slot + 1;
      while (end < this.slotCount && end - slot < SCAN_BLOCK && accept[end] === 1 && this.present[end] === 1 && this.sourceOf[end] === source && this.rowOf[end] === first + (end - slot)) end++;
      this.sources[source]!.readRows(first, end - slot, block.subarray(0, (end - slot) * dimension));
      for (let s = slot; s < end; s++) {
        // A subarray copy (memcpy) beats an element loop here, allocation included.
        this.kernel.floats.set(block.subarray((s - slot) * dimension, (s - slot + 1) * dimension), this.scratchAt);
        visit(s, this.scratchSimilarity(query, s));
      }
      slot = end;
    }
  }

  /** The exact similarity of the query with the float vector in the scratch row. */
  private scratchSimilarity(query: DenseQuery, slot: number): number {
    if (this.floatLoaded !== query) {
      this.kernel.floats.set(query.vector, 0);
      this.floatLoaded = query;
    }
    if (this.metric === "l2") return Math.fround(-this.kernel.squaredL2(0, this.scratchAt, this.floatStride));
    const dot = this.kernel.dot(0, this.scratchAt, this.floatStride);
    return Math.fround(this.metric === "dot" ? dot : dot / (query.norm * this.norms[slot]!));
  }

  vector(slot: number): Float32Array | undefined {
    if (this.present[slot] !== 1) return undefined;
    const out = new Float32Array(this.dimension);
    this.readInto(slot, out);
    return out;
  }

  /** Bytes held in memory: codes, norms, row locations, the quantizer's tables, and float copies the store keeps itself. */
  bytes(): number {
    let copies = 0;
    for (const v of this.pending) if (v) copies += v.byteLength;
    for (const v of this.ownCopies) copies += v.byteLength;
    return (this.quantizer?.bytes() ?? 0) + this.kernel.bytes.byteLength + this.norms.byteLength + this.present.byteLength + this.sourceOf.byteLength + this.rowOf.byteLength + copies;
  }

  /** Releases the float-row sources (open segment files). */
  close(): void {
    for (const source of this.sources) source.close();
    this.sources.length = 0;
  }

  private codeAt(slot: number): number {
    return this.rowsAt + slot * this.codeStride;
  }

  /** For cosine the unit vector is quantized, so one set of ranges serves every length. */
  private codeScale(slot: number): number {
    return this.metric === "cosine" && this.norms[slot]! > 0 ? 1 / this.norms[slot]! : 1;
  }

  /** The similarity from an (approximate) dot product; L2 uses the exact squared norms. */
  private fromDot(dot: number, queryNorm2: number, slot: number): number {
    if (this.metric !== "l2") return dot;
    const n = this.norms[slot]!;
    return -(queryNorm2 - 2 * dot + n * n);
  }

  /** An FNV-style hash of a pending vector's float32 words as it would be quantized (a collision only delays the first fit). */
  private quantizedHash(slot: number): number {
    const scale = this.codeScale(slot);
    const row = this.pending[slot]!;
    let h = 0x811c9dc5;
    for (let d = 0; d < this.dimension; d++) {
      this.hashFloat[0] = row[d]! * scale;
      h = Math.imul(h ^ this.hashBits[0]!, 0x01000193);
    }
    return h >>> 0;
  }

  /** The prepared row holding `slot` as a query, preparing it (in place of the oldest) if needed. */
  private preparedRow(slot: number): number {
    let row = this.preparedRowOf.get(slot);
    if (row === undefined) {
      row = this.nextPrepared;
      this.nextPrepared = (row + 1) % PREPARED_ROWS;
      if (this.preparedSlot[row]! >= 0) this.preparedRowOf.delete(this.preparedSlot[row]!);
      const at = (this.preparedAt >> 1) + row * this.codeStride;
      this.preparedOffset[row] = this.quantizer!.prepareCodeQuery(this.kernel.bytes, this.codeAt(slot), this.codeStride, this.kernel.int16, at);
      this.preparedSlot[row] = slot;
      this.preparedRowOf.set(slot, row);
    }
    return row;
  }

  /** Writes the query's int16 weights unless they are already loaded. */
  private loadCodes(query: DenseQuery): CodeQuery {
    if (this.codesLoaded === query) return this.codeQuery;
    const quantizer = this.quantizer!;
    if (query.row !== undefined) {
      const offset = quantizer.prepareCodeQuery(this.kernel.bytes, this.codeAt(query.row), this.codeStride, this.kernel.int16, this.queryCodesAt >> 1);
      const norm = this.norms[query.row]!;
      this.codeQuery = { offset, unit: 1 / quantizer.codeQueryFactor, norm2: norm * norm };
    } else {
      let vector: ArrayLike<number> = query.vector;
      if (this.metric === "cosine" && query.norm > 0) vector = query.vector.map((v) => v / query.norm);
      const { offset, unit } = quantizer.prepareQuery(vector, this.codeStride, this.kernel.int16, this.queryCodesAt >> 1);
      this.codeQuery = { offset, unit, norm2: query.norm * query.norm };
    }
    this.codesLoaded = query;
    return this.codeQuery;
  }

  private readInto(slot: number, out: Float32Array): void {
    const pending = this.pending[slot];
    if (pending) out.set(pending);
    else this.sources[this.sourceOf[slot]!]!.read(this.rowOf[slot]!, out);
  }

  private sourceIndex(rows: FloatRows): number {
    const last = this.sources.length - 1;
    if (last >= 0 && this.sources[last] === rows) return last;
    const known = this.sources.indexOf(rows);
    if (known >= 0) return known;
    if (this.sources.length === 0xffff) throw new RangeError("QuantizedVectorStore: too many float-row sources (compact the index)");
    this.sources.push(rows);
    return this.sources.length - 1;
  }

  private reserveRows(slots: number): void {
    this.kernel.reserve(Math.ceil((this.rowsAt + slots * this.codeStride) / 4));
  }

  /** Fits the ranges over every stored vector and re-encodes them all. */
  private fit(): void {
    const quantizer = ScalarQuantizer.fit(this.dimension, this.scaledRows());
    for (const [slot, row] of this.storedRows()) quantizer.encode(row, this.codeScale(slot), this.kernel.bytes, this.codeAt(slot));
    this.quantizer = quantizer;
    this.pending = [];
    this.codesLoaded = null;
    this.betweenFrom = null;
    this.preparedSlot.fill(-1);
    this.preparedRowOf.clear();
    this.nextFit = 4 * this.vectorCount;
    this.distinctBeforeFit.clear();
  }

  /** Every stored vector read back, one at a time into the same array. */
  private *storedRows(): Generator<[number, Float32Array]> {
    const row = new Float32Array(this.dimension);
    for (let slot = 0; slot < this.slotCount; slot++) {
      if (this.present[slot] !== 1) continue;
      this.readInto(slot, row);
      yield [slot, row];
    }
  }

  /** The stored vectors as they are quantized (unit length for cosine). */
  private *scaledRows(): Generator<Float32Array> {
    for (const [slot, row] of this.storedRows()) {
      const scale = this.codeScale(slot);
      if (scale !== 1) for (let d = 0; d < row.length; d++) row[d]! *= scale;
      yield row;
    }
  }
}
