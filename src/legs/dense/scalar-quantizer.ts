/**
 * Int8 scalar quantization with a range per dimension: component d of a vector is stored as a
 * code c in 0–255 standing for lower[d] + c × step[d]. Values outside the fitted range are clamped
 * (the exact rescoring of final candidates corrects what that costs). @internal
 */
export class ScalarQuantizer {
  /** lower × step and step² per dimension, and Σ lower², for queries made from code rows. */
  private readonly lowerStep: Float64Array;
  private readonly stepSquared: Float64Array;
  private readonly lowerNorm2: number;
  /** Largest int16 weight magnitude that keeps a dot product with codes exact in 32-bit integers. */
  private readonly weightLimit: number;
  /** Weight scale for queries made from code rows, from the largest weight any code row can give. */
  readonly codeQueryFactor: number;
  private weightTable: Int16Array | null = null;

  private constructor(
    readonly lower: Float32Array,
    readonly step: Float32Array,
  ) {
    const dimension = lower.length;
    this.lowerStep = new Float64Array(dimension);
    this.stepSquared = new Float64Array(dimension);
    let lowerNorm2 = 0;
    let largest = 0;
    for (let d = 0; d < dimension; d++) {
      this.lowerStep[d] = lower[d]! * step[d]!;
      this.stepSquared[d] = step[d]! * step[d]!;
      lowerNorm2 += lower[d]! * lower[d]!;
      largest = Math.max(largest, Math.abs(this.lowerStep[d]!), Math.abs(this.lowerStep[d]! + 255 * this.stepSquared[d]!));
    }
    this.lowerNorm2 = lowerNorm2;
    this.weightLimit = Math.min(32767, Math.floor(0x7fffffff / (255 * dimension)));
    this.codeQueryFactor = largest > 0 ? this.weightLimit / largest : 0;
  }

  /** Per-dimension minimum and maximum over `rows`. */
  static fit(dimension: number, rows: Iterable<ArrayLike<number>>): ScalarQuantizer {
    const min = new Float32Array(dimension).fill(Infinity);
    const max = new Float32Array(dimension).fill(-Infinity);
    for (const row of rows) {
      for (let d = 0; d < dimension; d++) {
        const v = row[d]!;
        if (v < min[d]!) min[d] = v;
        if (v > max[d]!) max[d] = v;
      }
    }
    const step = new Float32Array(dimension);
    for (let d = 0; d < dimension; d++) {
      if (min[d] === Infinity) min[d] = max[d] = 0;
      // A constant dimension (real embeddings have a few) gets step 0: code 0 decodes to its value,
      // and it adds nothing to the weights' range, which would otherwise cost every other dimension precision.
      step[d] = max[d]! > min[d]! ? (max[d]! - min[d]!) / 255 : 0;
    }
    return new ScalarQuantizer(min, step);
  }

  get dimension(): number {
    return this.lower.length;
  }

  /** Writes the codes of `vector` (scaled by `scale`) to `out` from `at`. */
  encode(vector: ArrayLike<number>, scale: number, out: Uint8Array, at: number): void {
    for (let d = 0; d < this.lower.length; d++) {
      const c = this.step[d]! > 0 ? Math.round((vector[d]! * scale - this.lower[d]!) / this.step[d]!) : 0;
      out[at + d] = c < 0 ? 0 : c > 255 ? 255 : c;
    }
  }

  /** The vector a code row stands for. */
  decode(codes: Uint8Array, at: number): Float32Array {
    const out = new Float32Array(this.lower.length);
    for (let d = 0; d < out.length; d++) out[d] = this.lower[d]! + codes[at + d]! * this.step[d]!;
    return out;
  }

  /**
   * Prepares `query` for dot products with code rows of `n` codes: writes int16 weights to
   * `out` from index `at` and returns `offset` and `unit` such that
   * dot(query, decoded row) ≈ offset + unit × Σ weight[d] × code[d]. The weights use as much of
   * the int16 range as keeps that sum exact in 32-bit integers.
   */
  prepareQuery(query: ArrayLike<number>, n: number, out: Int16Array, at: number): { offset: number; unit: number } {
    const dimension = this.lower.length;
    let offset = 0;
    let largest = 0;
    for (let d = 0; d < dimension; d++) {
      offset += query[d]! * this.lower[d]!;
      largest = Math.max(largest, Math.abs(query[d]! * this.step[d]!));
    }
    const factor = largest > 0 ? this.weightLimit / largest : 0;
    for (let d = 0; d < dimension; d++) out[at + d] = Math.round(query[d]! * this.step[d]! * factor);
    out.fill(0, at + dimension, at + n);
    return { offset, unit: factor > 0 ? 1 / factor : 0 };
  }

  /**
   * `prepareQuery` for the vector a code row stands for, without decoding it (graph construction
   * compares stored vectors with each other): weights are looked up per dimension and code.
   * The unit is 1 / codeQueryFactor; returns the offset.
   */
  prepareCodeQuery(codes: Uint8Array, at: number, n: number, out: Int16Array, outAt: number): number {
    const dimension = this.lower.length;
    const weights = this.codeWeights();
    let offset = this.lowerNorm2;
    for (let d = 0; d < dimension; d++) {
      const c = codes[at + d]!;
      offset += this.lowerStep[d]! * c;
      out[outAt + d] = weights[(d << 8) | c]!;
    }
    out.fill(0, outAt + dimension, outAt + n);
    return offset;
  }

  /** Bytes held (ranges and the weight table). */
  bytes(): number {
    return 8 * this.lower.length + 16 * this.lower.length + (this.weightTable?.byteLength ?? 0);
  }

  /** int16 weight of each (dimension, code): the decoded value × step, scaled by codeQueryFactor. */
  private codeWeights(): Int16Array {
    if (!this.weightTable) {
      const table = new Int16Array(this.lower.length * 256);
      for (let d = 0; d < this.lower.length; d++) {
        for (let c = 0; c < 256; c++) table[(d << 8) | c] = Math.round((this.lowerStep[d]! + this.stepSquared[d]! * c) * this.codeQueryFactor);
      }
      this.weightTable = table;
    }
    return this.weightTable;
  }
}
