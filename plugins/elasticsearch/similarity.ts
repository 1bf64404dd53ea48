import type { Metric } from "../../src/index.js";

/** Elasticsearch `dense_vector` similarities Tandem can read scores back from. */
export type EsSimilarity = "cosine" | "dot_product" | "max_inner_product" | "l2_norm";

/** The similarity a new index gets for a Tandem metric (`dot` allows vectors of any length). */
export function similarityFor(metric: Metric): EsSimilarity {
  return metric === "cosine" ? "cosine" : metric === "dot" ? "max_inner_product" : "l2_norm";
}

/**
 * OpenSearch k-NN's `space_type` for a Tandem metric. Its Lucene engine scores them as
 * Elasticsearch scores cosine, max_inner_product and l2_norm, so scores are read back alike.
 */
export function spaceTypeFor(metric: Metric): string {
  return metric === "cosine" ? "cosinesimil" : metric === "dot" ? "innerproduct" : "l2";
}

/** The similarity whose score transform an OpenSearch `space_type` shares, or null for one Tandem cannot score. */
export function similarityOfSpace(spaceType: string): EsSimilarity | null {
  return spaceType === "cosinesimil" ? "cosine" : spaceType === "innerproduct" ? "max_inner_product" : spaceType === "l2" ? "l2_norm" : null;
}

/** The Tandem metric whose raw similarity an Elasticsearch similarity's score encodes. */
export function metricOf(similarity: EsSimilarity): Metric {
  return similarity === "cosine" ? "cosine" : similarity === "l2_norm" ? "l2" : "dot";
}

/**
 * Recovers the raw similarity the embedded engine reports (cosine, dot product, or minus the
 * squared L2 distance) from a kNN `_score`, inverting Elasticsearch's documented transforms:
 * cosine and dot_product (1 + s) / 2; max_inner_product s < 0 ? 1 / (1 - s) : s + 1;
 * l2_norm 1 / (1 + d²). `_score` is a float32, so about 7 significant digits survive.
 */
export function similarityFromScore(similarity: EsSimilarity, score: number): number {
  switch (similarity) {
    case "cosine":
    case "dot_product":
      return 2 * score - 1;
    case "max_inner_product":
      return score < 1 ? 1 - 1 / score : score - 1;
    case "l2_norm":
      return 1 - 1 / score;
  }
}

/**
 * A Painless script giving the same `_score` as kNN would, for exact (brute-force) scoring on
 * an index whose vectors sit in an HNSW graph. Needs the lang-painless module; on OpenSearch,
 * the vector functions come from the k-NN plugin (raw cosine, inner product, squared L2 over
 * `doc[field]`).
 */
export function exactScoreScript(similarity: EsSimilarity, opensearch = false): string {
  if (opensearch) {
    switch (similarity) {
      case "cosine":
        return "(1.0 + cosineSimilarity(params.q, doc[params.f])) / 2.0";
      case "dot_product":
      case "max_inner_product":
        return "double d = innerProduct(params.q, doc[params.f]); return d < 0 ? 1.0 / (1.0 - d) : d + 1.0;";
      case "l2_norm":
        return "1.0 / (1.0 + l2Squared(params.q, doc[params.f]))";
    }
  }
  switch (similarity) {
    case "cosine":
      return "(1.0 + cosineSimilarity(params.q, params.f)) / 2.0";
    case "dot_product":
      return "(1.0 + dotProduct(params.q, params.f)) / 2.0";
    case "max_inner_product":
      return "double d = dotProduct(params.q, params.f); return d < 0 ? 1.0 / (1.0 - d) : d + 1.0;";
    case "l2_norm":
      return "double d = l2norm(params.q, params.f); return 1.0 / (1.0 + d * d);";
  }
}
