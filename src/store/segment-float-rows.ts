import { CorruptIndexError } from "../errors.js";
import type { FloatRows } from "../legs/dense/float-rows.js";
import type { DenseRowsLayout } from "./segment-codec.js";
import type { StorageFile } from "./storage.js";

/**
 * The dense rows of one segment file, read back one row at a time with positional reads, so a
 * quantized index keeps only codes in memory. The file is opened once and stays open: segments
 * are immutable, and an open file survives its removal by a compaction in another process.
 * @internal
 */
export class SegmentFloatRows implements FloatRows {
  private file: StorageFile | null;

  /**
   * Takes ownership of `file`, the segment opened for positional reads.
   * @param path Names the file in messages.
   */
  constructor(
    private readonly path: string,
    file: StorageFile,
    private readonly layout: DenseRowsLayout,
  ) {
    this.file = file;
  }

  read(row: number, out: Float32Array): void {
    this.readRows(row, 1, out);
  }

  readRows(first: number, count: number, out: Float32Array): void {
    if (this.file === null) throw new Error(`${this.path}: read after close`);
    const length = 4 * this.layout.dimension * count;
    const got = this.file.read(this.layout.denseRowsAt + 4 * this.layout.dimension * first, new Uint8Array(out.buffer, out.byteOffset, length));
    if (got !== length) throw new CorruptIndexError(`${this.path}: dense rows ${first}–${first + count - 1} are cut short (${got} of ${length} bytes)`);
  }

  close(): void {
    this.file?.close();
    this.file = null;
  }
}
