import { closeSync, openSync, readSync } from "node:fs";
import { CorruptIndexError } from "../errors.js";
import type { FloatRows } from "../legs/dense/float-rows.js";
import type { DenseRowsLayout } from "./segment-codec.js";
import { storageFailure } from "./storage-failure.js";

/**
 * The dense rows of one segment file, read back one row at a time with positional reads, so a
 * quantized index keeps only codes in memory. The file is opened once and stays open: segments
 * are immutable, and an open file survives its removal by a compaction in another process.
 * @internal
 */
export class SegmentFloatRows implements FloatRows {
  private fd: number | null;

  /** Takes ownership of `fd`, an open descriptor of `file`. */
  constructor(
    private readonly file: string,
    fd: number,
    private readonly layout: DenseRowsLayout,
  ) {
    this.fd = fd;
  }

  static open(file: string, layout: DenseRowsLayout): SegmentFloatRows {
    return new SegmentFloatRows(file, openSync(file, "r"), layout);
  }

  read(row: number, out: Float32Array): void {
    this.readRows(row, 1, out);
  }

  readRows(first: number, count: number, out: Float32Array): void {
    if (this.fd === null) throw new Error(`${this.file}: read after close`);
    const length = 4 * this.layout.dimension * count;
    const bytes = new Uint8Array(out.buffer, out.byteOffset, length);
    let got: number;
    try {
      got = readSync(this.fd, bytes, 0, length, this.layout.denseRowsAt + 4 * this.layout.dimension * first);
    } catch (err) {
      throw storageFailure(err, this.file, "read");
    }
    if (got !== length) throw new CorruptIndexError(`${this.file}: dense rows ${first}–${first + count - 1} are cut short (${got} of ${length} bytes)`);
  }

  close(): void {
    if (this.fd !== null) closeSync(this.fd);
    this.fd = null;
  }
}
