import type { Filter, HybridIndex, SearchHit } from "../../src/index.js";
import { embeddingLike } from "./embeddings.js";

/** A document with a dense vector and a `bucket` field (its number mod 100), so `bucket` filters keep a chosen share. */
export interface BucketedDoc {
  id: string;
  dense: number[];
  fields: { bucket: number };
}

/** `count` documents ("v0"…) and `queryCount` queries, all embedding-like vectors of `dimension` from `seed`. */
export function bucketedCorpus(seed: number, count: number, queryCount: number, dimension: number): { docs: BucketedDoc[]; queries: number[][] } {
  const vectors = embeddingLike(seed, count + queryCount, dimension);
  return {
    queries: vectors.slice(count),
    docs: vectors.slice(0, count).map((dense, i) => ({ id: `v${i}`, dense, fields: { bucket: i % 100 } })),
  };
}

/**
 * Recall@k of the index's graph search (at `ef`, when given) against its exact search, over the
 * queries; `each` sees every query's two answers (e.g. to check the scores agree).
 */
export async function recallAgainstExact(
  index: HybridIndex,
  queries: number[][],
  k: number,
  options: { filter?: Filter; ef?: number; each?: (approx: SearchHit[], exact: SearchHit[]) => void } = {},
): Promise<number> {
  const { filter, ef, each } = options;
  let found = 0;
  let total = 0;
  for (const dense of queries) {
    const exact = (await index.search({ dense, k, filter, exact: true })).hits;
    const approx = (await index.search({ dense, k, filter, ...(ef === undefined ? {} : { ef }) })).hits;
    const truth = new Set(exact.map((h) => h.id));
    found += approx.filter((h) => truth.has(h.id)).length;
    total += truth.size;
    each?.(approx, exact);
  }
  return found / total;
}
