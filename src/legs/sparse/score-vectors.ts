import type { SparseVector } from "../../types.js";
import type { SparseEntries } from "../../valid-document.js";
import { buildSparsePart } from "./sparse-part.js";
import { SparseSegment } from "./sparse-segment.js";

/**
 * Exact sparse scores Σ q·d of `vectors` (float32 weights, all positive; undefined for none) with
 * the query, with the sparse leg's own arithmetic — float32 operands summed in token order, the
 * sum rounded to float32 — so a backend scoring vectors it fetched agrees bit for bit with the
 * embedded engine. Undefined where a vector shares no token with the query.
 * @internal
 */
export function scoreSparseVectors(query: SparseVector, vectors: readonly (SparseVector | undefined)[]): (number | undefined)[] {
  const entries = vectors.map((v): SparseEntries | undefined => {
    if (!v) return undefined;
    const tokens = Object.keys(v).filter((t) => Math.fround(v[t]!) > 0);
    return tokens.length === 0 ? undefined : { tokens, weights: Float32Array.from(tokens, (t) => v[t]!) };
  });
  const segment = new SparseSegment(buildSparsePart(entries));
  const compiled = segment.compileQuery(query);
  return vectors.map((_, doc) => segment.score(compiled, doc));
}
