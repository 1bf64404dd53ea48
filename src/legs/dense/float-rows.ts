/**
 * Where a quantized store reads the exact float vectors it does not keep in memory: the rows of
 * a segment file, or (for stores used on their own) arrays held by the caller. @internal
 */
export interface FloatRows {
  /** Copies row `row` into `out` (`out.length` floats). */
  read(row: number, out: Float32Array): void;
  /** Copies `count` consecutive rows from `first` into `out`, one after another. */
  readRows(first: number, count: number, out: Float32Array): void;
  close(): void;
}

/** Rows held in memory, e.g. a benchmark's data standing in for files. */
export class InMemoryRows implements FloatRows {
  constructor(private readonly rows: ArrayLike<number>[]) {}

  read(row: number, out: Float32Array): void {
    const source = this.rows[row]!;
    for (let d = 0; d < out.length; d++) out[d] = source[d]!;
  }

  readRows(first: number, count: number, out: Float32Array): void {
    const dimension = out.length / count;
    for (let i = 0; i < count; i++) this.read(first + i, out.subarray(i * dimension, (i + 1) * dimension));
  }

  close(): void {}
}
