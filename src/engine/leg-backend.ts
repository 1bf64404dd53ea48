import type { RetrievedLeg } from "../fusion/candidate-pool.js";
import type { CompletionPath, LegName, SparseTokenContribution } from "../types.js";
import type { ResolvedQuery } from "./resolve-query.js";

/**
 * Ids of candidates a leg did not retrieve, whose exact scores the pipeline asks for.
 *
 * @internal
 */
export interface CompletionRequest {
  leg: "sparse" | "dense";
  ids: string[];
  /** The backend's references to the documents (`RetrievedLeg.refs`), aligned with `ids`, when it gave them. */
  refs?: Int32Array;
}

/**
 * What a storage backend (embedded, Elasticsearch) provides to the search pipeline. Fusion and
 * relevance filtering are the pipeline's, so every backend ranks the same way. Calls take every
 * leg at once so a remote backend can answer them in one round trip.
 *
 * @internal
 */
export interface LegBackend {
  /** Per leg, its best `candidates` hits among documents matching the query's filter, best first. */
  retrieve(legs: readonly LegName[], query: ResolvedQuery, candidates: number): Promise<RetrievedLeg[]>;
  /** Per request, exact leg scores for its ids (undefined where the document has none in that leg). */
  complete(requests: readonly CompletionRequest[], query: ResolvedQuery): Promise<(number | undefined)[][]>;
  /**
   * Per id, whether the document exists and whether it matches the query's filter (true without
   * a filter), for explaining requested ids. Called only when the query asks for that.
   */
  locate(ids: readonly string[], query: ResolvedQuery): Promise<{ exists: boolean; matchesFilter: boolean }[]>;
  /**
   * How the last `complete` call got its scores, for `explain` (`hits` or `second-request`);
   * a backend without this method reads them from its own storage (`stored`).
   */
  completionPath?(): CompletionPath;
  /** Matched tokens of the query with each document, for explanations. */
  explainSparse(query: ResolvedQuery, ids: string[]): Promise<SparseTokenContribution[][]>;
}
