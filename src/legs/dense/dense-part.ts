import type { Corrupt, SectionList } from "../../typed-arrays.js";

/**
 * A segment's dense leg: `denseRowOf[i]` is document i's row in `denseRows` (−1: none), rows of
 * `dimension` float32s (0 when no document has one). Rows come last in the file, so a quantized
 * index reads single rows back from it. @internal
 */
export interface DensePart {
  dimension: number;
  denseRowOf: Int32Array;
  denseRows: Float32Array;
}

export const DENSE_SECTIONS: SectionList<"denseRowOf" | "denseRows"> = [
  ["denseRowOf", "i32"],
  ["denseRows", "f32"],
];

export function buildDensePart(vectors: readonly (Float32Array | undefined)[]): DensePart {
  const withDense = vectors.filter((v) => v !== undefined);
  const dimension = withDense[0]?.length ?? 0;
  const denseRowOf = new Int32Array(vectors.length).fill(-1);
  const denseRows = new Float32Array(withDense.length * dimension);
  let row = 0;
  vectors.forEach((v, i) => {
    if (!v) return;
    denseRowOf[i] = row;
    denseRows.set(v, row++ * dimension);
  });
  return { dimension, denseRowOf, denseRows };
}

/** The kept documents' rows, in order; `kept[s]` lists input s's kept local numbers. */
export function mergeDenseParts(inputs: readonly DensePart[], kept: readonly number[][]): DensePart {
  let rows = 0;
  inputs.forEach((part, s) => {
    for (const i of kept[s]!) if (part.denseRowOf[i]! >= 0) rows++;
  });
  const dimension = rows === 0 ? 0 : inputs.find((part) => part.dimension > 0)!.dimension;
  const denseRowOf = new Int32Array(kept.reduce((n, k) => n + k.length, 0)).fill(-1);
  const denseRows = new Float32Array(rows * dimension);
  let at = 0;
  let row = 0;
  inputs.forEach((part, s) => {
    for (const i of kept[s]!) {
      const from = part.denseRowOf[i]!;
      if (from >= 0) {
        denseRows.set(part.denseRows.subarray(from * dimension, (from + 1) * dimension), row * dimension);
        denseRowOf[at] = row++;
      }
      at++;
    }
  });
  return { dimension, denseRowOf, denseRows };
}

export function checkDensePart(p: DensePart, docCount: number, corrupt: Corrupt): void {
  if (!Number.isInteger(p.dimension) || p.dimension < 0) corrupt("segment header is invalid");
  if (p.denseRowOf.length !== docCount) corrupt("per-document arrays do not match the document count");
  const rows = p.dimension === 0 ? 0 : p.denseRows.length / p.dimension;
  if (!Number.isInteger(rows) || (p.dimension === 0 && p.denseRows.length > 0)) corrupt("dense rows do not match the dimension");
  for (let i = 0; i < docCount; i++) if (p.denseRowOf[i]! < -1 || p.denseRowOf[i]! >= rows) corrupt("a document's dense row is out of range");
}
