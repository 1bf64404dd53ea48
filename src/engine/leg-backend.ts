import type { RetrievedLeg } from "../fusion/candidate-pool.js";
import type { LegName, SparseTokenContribution } from "../types.js";
import type { ResolvedQuery } from "./resolve-query.js";

/**
 * What a storage backend (embedded, Elasticsearch) provides to the search pipeline. Fusion and
 * relevance filtering are the pipeline's, so every backend ranks the same way.
 */
export interface LegBackend {
  /** The leg's best `candidates` hits among documents matching the query's filter, best first. */
  retrieve(leg: LegName, query: ResolvedQuery, candidates: number): Promise<RetrievedLeg>;
  /** Exact leg scores for the given ids (undefined where the document has none in that leg). */
  complete(leg: "sparse" | "dense", query: ResolvedQuery, ids: string[]): Promise<(number | undefined)[]>;
  /** Matched tokens of the query with each document, for explanations. */
  explainSparse(query: ResolvedQuery, ids: string[]): Promise<SparseTokenContribution[][]>;
}
