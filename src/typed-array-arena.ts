/**
 * Typed arrays carved out of one buffer. A typed array of more than a few dozen bytes gets its own
 * backing store, allocated outside the heap and tracked for the collector — a cost the fusion
 * pipeline paid a dozen times per query on arrays of a few hundred elements; views of one buffer
 * per stage cost one. Arrays start zeroed. Asking for more than was reserved is a programming
 * error (RangeError from the view). @internal
 */
export class TypedArrayArena {
  private readonly buffer: ArrayBuffer;
  private used = 0;

  /** Room for `float64s` 8-byte, `int32s` 4-byte and `bytes` 1-byte elements, in any number of arrays. */
  constructor(float64s: number, int32s: number, bytes = 0, arrays = 16) {
    // Each array may waste up to 7 bytes to alignment.
    this.buffer = new ArrayBuffer(8 * float64s + 4 * int32s + bytes + 8 * arrays);
  }

  float64(length: number): Float64Array {
    const array = new Float64Array(this.buffer, this.take(8 * length, 8), length);
    return array;
  }

  int32(length: number): Int32Array {
    return new Int32Array(this.buffer, this.take(4 * length, 4), length);
  }

  uint8(length: number): Uint8Array {
    return new Uint8Array(this.buffer, this.take(length, 1), length);
  }

  private take(bytes: number, align: number): number {
    const at = Math.ceil(this.used / align) * align;
    this.used = at + bytes;
    return at;
  }
}
