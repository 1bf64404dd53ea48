import type { Metric } from "../../types.js";
import { VectorStore } from "./vector-store.js";

/**
 * Exact similarities of `vectors` (undefined for none, or of another length) with the query under
 * `metric`, with the dense leg's own arithmetic (float32 kernel, the result rounded to float32),
 * so a backend scoring vectors it fetched agrees bit for bit with the embedded engine.
 * @internal
 */
export function scoreDenseVectors(metric: Metric, query: ArrayLike<number>, vectors: readonly (ArrayLike<number> | undefined)[]): (number | undefined)[] {
  const store = new VectorStore(query.length, metric);
  vectors.forEach((v, slot) => store.add(slot, v && v.length === query.length ? v : undefined));
  const prepared = store.prepare(query);
  return vectors.map((_, slot) => (store.has(slot) ? store.exactSimilarity(prepared, slot) : undefined));
}
