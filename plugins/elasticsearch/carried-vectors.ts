import { getOwn, isPlainObject, scoreDenseVectors, scoreSparseVectors, setOwn, type ResolvedQuery } from "../../src/backend.js";
import type { Metric, SparseVector } from "../../src/index.js";

/**
 * A sparse weight as Elasticsearch keeps it: `sparse_vector` and `rank_features` values are
 * Lucene FeatureFields, whose term frequency holds the float's top 16 bits (sign, exponent and 8
 * mantissa bits), so the stored weight is the float32 truncated to 9 significant bits.
 */
export function featureFieldWeight(weight: number): number {
  featureBits[0] = weight;
  featureWords[0] = featureWords[0]! & ~0x7fff;
  return featureBits[0];
}
const featureBits = new Float32Array(1);
const featureWords = new Uint32Array(featureBits.buffer);

/**
 * The vectors and sparse weights the legs' hits carried, by id, and the exact leg scores computed
 * from them with the embedded engine's own arithmetic (scoreSparseVectors, scoreDenseVectors):
 * score completion without a second request. Sparse weights
 * are first reduced to the precision the cluster stores (FeatureField), so a completed sparse
 * score equals, up to float32 summation order, the `_score` the cluster gives the same document.
 */
export class CarriedVectors {
  private readonly sparse = new Map<string, SparseVector | null>();
  private readonly dense = new Map<string, number[] | null>();

  constructor(private readonly metric: Metric) {}

  /** Records what a hit carried for the sparse leg: its weights (only the query's tokens matter), or null for none. */
  addSparse(id: string, weights: unknown, query: SparseVector): void {
    if (this.sparse.has(id)) return;
    if (!isPlainObject(weights)) {
      this.sparse.set(id, null);
      return;
    }
    const kept: SparseVector = {};
    // Tokens are data: "constructor" must not find Object.prototype's.
    for (const token of Object.keys(query)) {
      const w = getOwn(weights, token);
      if (typeof w === "number" && w > 0) setOwn(kept, token, featureFieldWeight(w));
    }
    this.sparse.set(id, kept);
  }

  /** Records a hit's dense vector, or null for none. */
  addDense(id: string, vector: unknown): void {
    if (this.dense.has(id)) return;
    this.dense.set(id, Array.isArray(vector) && vector.every((x) => typeof x === "number") ? (vector) : null);
  }

  /** Whether every id's data for the leg was carried (a carried "none" counts: it means no vector). */
  has(leg: "sparse" | "dense", ids: readonly string[]): boolean {
    const map = leg === "sparse" ? this.sparse : this.dense;
    return ids.every((id) => map.has(id));
  }

  /** Exact leg scores of these ids (all carried), undefined where a document has none in the leg. */
  scores(leg: "sparse" | "dense", ids: readonly string[], query: ResolvedQuery): (number | undefined)[] {
    return leg === "sparse" ? this.sparseScores(ids, query) : this.denseScores(ids, query);
  }

  private sparseScores(ids: readonly string[], query: ResolvedQuery): (number | undefined)[] {
    return scoreSparseVectors(query.sparse ?? {}, ids.map((id) => this.sparse.get(id) ?? undefined));
  }

  private denseScores(ids: readonly string[], query: ResolvedQuery): (number | undefined)[] {
    if (!query.dense) return ids.map(() => undefined);
    // Vectors of another length cannot be scored against the query (the mapping fixes dims).
    return scoreDenseVectors(this.metric, query.dense, ids.map((id) => this.dense.get(id) ?? undefined));
  }
}
