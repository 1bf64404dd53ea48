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

/** Element types of the typed arrays a segment file holds. */
export type SectionKind = "u8" | "u32" | "i32" | "f32";

/** The typed arrays a part of a segment stores, by name, with their element types. @internal */
export type SectionList<K extends string> = readonly (readonly [K, SectionKind])[];

/** A problem found in a file: throws, naming the file. */
export type Corrupt = (problem: string) => never;

/** Checks that `starts` (count + 1 offsets) cover `total` elements in ascending runs. */
export function checkRuns(starts: Uint32Array, count: number, total: number, what: string, corrupt: Corrupt): void {
  if (starts.length !== count + 1 || starts[0] !== 0 || starts[count] !== total) corrupt(`${what} offsets do not cover their data`);
  for (let i = 0; i < count; i++) if (starts[i]! > starts[i + 1]!) corrupt(`${what} offsets are not ascending`);
}
