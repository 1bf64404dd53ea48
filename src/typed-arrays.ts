/** Helpers for growable typed arrays. @internal */

type TypedArray = Float32Array | Float64Array | Uint32Array | Int32Array | Uint16Array | Uint8Array;

/** Returns `array` if it holds `needed` elements, else a copy with at least double the capacity. */
export function ensureCapacity<T extends TypedArray>(array: T, needed: number): T {
  if (needed <= array.length) return array;
  const capacity = Math.max(needed, array.length * 2, 16);
  const Ctor = array.constructor as new (n: number) => T;
  const grown = new Ctor(capacity);
  grown.set(array);
  return grown;
}
