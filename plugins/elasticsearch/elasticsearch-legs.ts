import type { Client } from "@elastic/elasticsearch";
import { BackendError, type LegName, type SparseTokenContribution, type CompletionPath } from "../../src/index.js";
import { compareIds, DEFAULT_EF_SEARCH, getOwn, isPlainObject, type CompletionRequest, type LegBackend, type ResolvedQuery, type RetrievedLeg, wantsCompletion } from "../../src/backend.js";
import { CarriedVectors } from "./carried-vectors.js";
import { describeError } from "./describe-error.js";
import { featureName, renameFeatures } from "./feature-names.js";
import type { IndexLayout } from "./index-layout.js";
import { exactScoreScript, similarityFromScore } from "./similarity.js";
import { translateFilter, type EsQuery } from "./translate-filter.js";

/**
 * Extra hits fetched beyond the candidates in every leg, so that equal scores at the cut are
 * broken by id (as in the embedded engine) rather than by Elasticsearch's internal doc order,
 * which follows write history.
 */
const TIE_MARGIN = 16;
/** Elasticsearch's cap on kNN `num_candidates`. */
const MAX_NUM_CANDIDATES = 10_000;
/** Elasticsearch's default `index.max_result_window`: from + size of one search. */
const MAX_RESULT_WINDOW = 10_000;

type SearchBody = Record<string, unknown>;
interface EsHit {
  _id: string;
  _score: number | null;
  _source?: Record<string, unknown>;
  fields?: Record<string, unknown[]>;
}

/**
 * The legs over an Elasticsearch index. Each call is one `_msearch` round trip carrying every leg:
 * the sparse leg as a `sparse_vector` query without token pruning where the cluster has it
 * (8.15+), else a bool of boosted `term` queries on the sparse field (the same exact dot
 * product); the dense leg as `knn` (exhaustive when exactness is asked of an HNSW field); the text
 * leg as `match` (rank-only, like the embedded text leg). Filters go inside every leg. Raw scores
 * are recovered from `_score`. When the query will need score completion, each leg's hits also
 * carry the other legs' vectors and sparse weights (where the mapping lets them), so completion
 * is computed here, without a second request. One instance serves one query.
 */
export class ElasticsearchLegs implements LegBackend {
  private readonly carried: CarriedVectors;
  private path: CompletionPath = "none";

  constructor(
    private readonly client: Client,
    private readonly index: string,
    private readonly layout: IndexLayout,
    private readonly server: { painless: boolean; sparseVectorQuery: boolean; prune?: boolean; completeFromHits?: boolean; opensearch?: boolean },
  ) {
    this.carried = new CarriedVectors(layout.metric);
  }

  async retrieve(legs: readonly LegName[], query: ResolvedQuery, candidates: number): Promise<RetrievedLeg[]> {
    const carry = this.server.completeFromHits === true && wantsCompletion(query);
    const bodies = legs.map((leg) => this.legBody(leg, query, candidates, carry));
    const responses = await this.msearch(bodies.filter((b): b is SearchBody => b !== null));
    let next = 0;
    return legs.map((leg, i): RetrievedLeg => {
      const hits = bodies[i] === null ? [] : responses[next++]!;
      if (carry) this.keepCarried(leg, query, hits);
      const scored = hits.map((h) => ({ id: h._id, score: leg === "text" ? h._score! : this.rawScore(leg, h._score!) }));
      // Elasticsearch breaks ties by internal doc id; Tandem by id, everywhere.
      scored.sort((a, b) => b.score - a.score || compareIds(a.id, b.id));
      scored.length = Math.min(scored.length, candidates);
      if (leg === "text") {
        // Rank-only like the embedded text leg, but equal relevance (equal _score) shares a rank.
        let rank = 0;
        return { leg, kind: "rank-only", hits: scored.map((h, n) => ({ id: h.id, rank: n > 0 && h.score === scored[n - 1]!.score ? rank : (rank = n + 1) })) };
      }
      if (leg === "sparse") return { leg, kind: "impact", hits: scored, theoreticalMin: 0, exact: !this.prunes(query) };
      return { leg, kind: "similarity", hits: scored, theoreticalMin: this.layout.metric === "cosine" ? -1 : undefined };
    });
  }

  async complete(requests: readonly CompletionRequest[], query: ResolvedQuery): Promise<(number | undefined)[][]> {
    // What the hits carried is scored here; the rest (a leg whose field the index cannot return,
    // ids no leg retrieved) is asked of the cluster.
    const local = requests.map(({ leg, ids }) => this.carried.has(leg, ids));
    const bodies = requests.map(({ leg, ids }, i) => (local[i] ? null : this.completionBody(leg, query, ids)));
    const remote = bodies.filter((b): b is SearchBody => b !== null);
    this.path = remote.length > 0 ? "second-request" : "hits";
    const responses = await this.msearch(remote);
    let next = 0;
    return requests.map(({ leg, ids }, i) => {
      if (local[i]) return this.carried.scores(leg, ids, query);
      if (bodies[i] === null) return ids.map(() => undefined);
      const scores = new Map(responses[next++]!.map((h) => [h._id, this.rawScore(leg, h._score ?? 0)]));
      return ids.map((id) => scores.get(id));
    });
  }

  completionPath(): CompletionPath {
    return this.path;
  }

  /** Records the other legs' data each hit carried (see {@link carriedFields}). */
  private keepCarried(leg: LegName, query: ResolvedQuery, hits: EsHit[]): void {
    const { sparse, dense } = this.carriedFields(leg, query);
    for (const hit of hits) {
      if (sparse) this.carried.addSparse(hit._id, this.storedWeights(hit._source), query.sparse ?? {});
      if (dense === "source") this.carried.addDense(hit._id, pathValue(hit._source, this.layout.fields.dense!));
      if (dense === "docvalues") this.carried.addDense(hit._id, hit.fields?.[this.layout.fields.dense!]?.[0]);
    }
  }

  /**
   * What a leg's hits carry for completing the other legs: the sparse weights when the sparse leg
   * runs beside this one and `_source` keeps them; the dense vector when the dense leg runs beside
   * it, from `_source` or else from the vector index (`docvalue_fields`).
   */
  private carriedFields(leg: LegName, query: ResolvedQuery): { sparse: boolean; dense: "source" | "docvalues" | null } {
    const { carries } = this.layout;
    return {
      sparse: leg !== "sparse" && query.legs.includes("sparse") && carries.sparse === "source",
      dense: leg !== "dense" && query.legs.includes("dense") && query.dense ? carries.dense : null,
    };
  }

  async locate(ids: readonly string[], query: ResolvedQuery): Promise<{ exists: boolean; matchesFilter: boolean }[]> {
    if (ids.length === 0) return [];
    const base = { size: ids.length, _source: false, track_total_hits: false };
    const byIds = { ids: { values: [...ids] } };
    const filter = this.filterClauses(query);
    // One round trip: the ids that exist, and (with a filter) those of them that match it.
    const bodies: SearchBody[] = [{ ...base, query: byIds }];
    if (filter.length > 0) bodies.push({ ...base, query: { bool: { filter: [byIds, ...filter] } } });
    const responses = await this.msearch(bodies);
    const existing = new Set(responses[0]!.map((h) => h._id));
    const matching = filter.length > 0 ? new Set(responses[1]!.map((h) => h._id)) : existing;
    return ids.map((id) => ({ exists: existing.has(id), matchesFilter: matching.has(id) }));
  }

  async explainSparse(query: ResolvedQuery, ids: string[]): Promise<SparseTokenContribution[][]> {
    const field = this.layout.fields.sparse;
    if (!field || ids.length === 0) return ids.map(() => []);
    const response = await this.call(() => this.client.mget({ index: this.index, ids, _source_includes: [field] }));
    const byId = new Map((response.docs as { _id: string; found?: boolean; _source?: Record<string, unknown> }[]).map((d) => [d._id, d.found ? this.storedWeights(d._source) : undefined]));
    return ids.map((id) => {
      const weights = byId.get(id) ?? {};
      // Tokens are data: "constructor" must not find Object.prototype's.
      return Object.entries(query.sparse ?? {})
        .filter(([token]) => typeof getOwn(weights, token) === "number")
        .map(([token, q]) => ({ token, query: q, doc: weights[token]!, contribution: q * weights[token]! }))
        .sort((a, b) => b.contribution - a.contribution || compareIds(a.token, b.token));
    });
  }

  /** The sparse weights a source document holds, by token (feature names read back), or undefined. */
  private storedWeights(source: Record<string, unknown> | undefined): Record<string, number> | undefined {
    const stored = pathValue(source, this.layout.fields.sparse!);
    return isPlainObject(stored) ? renameFeatures(stored, this.layout.featureNames, false) : undefined;
  }

  private rawScore(leg: LegName, score: number): number {
    return leg === "dense" ? similarityFromScore(this.layout.similarity, score) : score;
  }

  private filterClauses(query: ResolvedQuery): EsQuery[] {
    if (!query.filter) return [];
    const prefix = this.layout.fields.metadata === "" ? "" : `${this.layout.fields.metadata}.`;
    return [translateFilter(query.filter, (f) => prefix + f)];
  }

  /** Whether the sparse leg uses the cluster's token pruning: asked for, not an exact query, a `sparse_vector` query. */
  private prunes(query: ResolvedQuery): boolean {
    return this.server.prune === true && !query.exact && this.server.sparseVectorQuery && this.layout.sparseType === "sparse_vector";
  }

  /** Clauses whose summed scores are the sparse dot product; a document must match one of them. */
  private sparseClauses(query: ResolvedQuery): EsQuery[] {
    const field = this.layout.fields.sparse!;
    const weights = Object.entries(query.sparse ?? {}).map(([token, weight]): [string, number] => [featureName(token, this.layout.featureNames), weight]);
    if (weights.length === 0) return [];
    if (this.server.sparseVectorQuery && this.layout.sparseType === "sparse_vector") {
      // Pruning (on by default for new indices in 9.1+) would drop query tokens: keep them all.
      return [{ sparse_vector: { field, query_vector: Object.fromEntries(weights), prune: false } }];
    }
    // OpenSearch has no term query on rank_features; rank_feature's linear function gives the
    // stored weight times the boost, the same product.
    if (this.server.opensearch) return weights.map(([token, weight]) => ({ rank_feature: { field: `${field}.${token}`, linear: {}, boost: weight } }));
    return weights.map(([token, weight]) => ({ term: { [field]: { value: token, boost: weight } } }));
  }

  private legBody(leg: LegName, query: ResolvedQuery, candidates: number, carry: boolean): SearchBody | null {
    const filter = this.filterClauses(query);
    const size = Math.min(candidates + TIE_MARGIN, MAX_RESULT_WINDOW);
    const base: SearchBody = { size, _source: false, track_total_hits: false };
    if (carry) {
      const { sparse, dense } = this.carriedFields(leg, query);
      const includes = [...(sparse ? [this.layout.fields.sparse!] : []), ...(dense === "source" ? [this.layout.fields.dense!] : [])];
      if (includes.length > 0) base._source = { includes };
      if (dense === "docvalues") base.docvalue_fields = [this.layout.fields.dense!];
    }
    switch (leg) {
      case "sparse": {
        if (!this.layout.fields.sparse) return null;
        const should = this.sparseClauses(query);
        if (should.length === 0) return null;
        if (this.prunes(query)) {
          // Token pruning drops frequent, light query tokens from retrieval; a rescore over the
          // window adds back exactly what they contribute, so returned scores stay exact.
          const field = this.layout.fields.sparse;
          const vector = Object.fromEntries(Object.entries(query.sparse ?? {}));
          return {
            ...base,
            query: { bool: { should: [{ sparse_vector: { field, query_vector: vector, prune: true } }], minimum_should_match: 1, filter } },
            rescore: {
              window_size: size,
              query: {
                rescore_query: { sparse_vector: { field, query_vector: vector, prune: true, pruning_config: { only_score_pruned_tokens: true } } },
                query_weight: 1,
                rescore_query_weight: 1,
                score_mode: "total",
              },
            },
          };
        }
        return { ...base, query: { bool: { should, minimum_should_match: 1, filter } } };
      }
      case "dense": {
        if (!this.layout.fields.dense || !query.dense) return null;
        return { ...base, ...this.denseSearch(query, size, filter, query.exact) };
      }
      case "text": {
        if (!this.layout.fields.text) return null;
        return { ...base, query: { bool: { must: [{ match: { [this.layout.fields.text]: query.text ?? "" } }], filter } } };
      }
    }
  }

  private denseSearch(query: ResolvedQuery, k: number, filter: EsQuery[], exact: boolean): SearchBody {
    const field = this.layout.fields.dense!;
    const vector = Array.from(query.dense!);
    const type = this.layout.denseIndexType ?? "hnsw";
    const opensearch = this.server.opensearch === true;
    // A flat field is searched by brute force already; an HNSW one needs a script for exactness...
    if (exact && (opensearch || !type.endsWith("flat")) && this.server.painless) {
      return {
        query: {
          script_score: {
            query: { bool: { filter: [...filter, { exists: { field } }] } },
            script: { source: exactScoreScript(this.layout.similarity, opensearch), params: { q: vector, f: field } },
          },
        },
      };
    }
    if (opensearch) {
      // The k-NN plugin's query; a filter inside it is applied while searching the graph. Without
      // Painless, exactness is asked of the graph search with the widest candidate list.
      const ef = exact ? MAX_NUM_CANDIDATES : Math.min(MAX_NUM_CANDIDATES, Math.max(query.ef ?? DEFAULT_EF_SEARCH, k));
      const knn: Record<string, unknown> = { vector, k, method_parameters: { ef_search: ef } };
      if (filter.length > 0) knn.filter = { bool: { filter } };
      return { query: { knn: { [field]: knn } } };
    }
    if (exact && !type.endsWith("flat")) {
      // ...or, without Painless, a filtered kNN: Lucene scores every vector of a segment whose
      // filtered documents number at most num_candidates (exact up to 10,000 per segment).
      return { knn: { field, query_vector: vector, k, num_candidates: MAX_NUM_CANDIDATES, filter: [...filter, { exists: { field } }] } };
    }
    const numCandidates = Math.min(MAX_NUM_CANDIDATES, Math.max(query.ef ?? DEFAULT_EF_SEARCH, k));
    return { knn: { field, query_vector: vector, k, num_candidates: numCandidates, filter } };
  }

  private completionBody(leg: "sparse" | "dense", query: ResolvedQuery, ids: string[]): SearchBody | null {
    const filter = [{ ids: { values: ids } }, ...this.filterClauses(query)];
    const base = { size: ids.length, _source: false, track_total_hits: false };
    if (leg === "sparse") {
      if (!this.layout.fields.sparse) return null;
      // As in the embedded engine, a document sharing no token with the query has no sparse score.
      return { ...base, query: { bool: { filter, should: this.sparseClauses(query), minimum_should_match: 1 } } };
    }
    if (!this.layout.fields.dense || !query.dense) return null;
    // With the filter down to these ids, Lucene scores them exactly (filter size ≤ k); the k-NN
    // plugin gets the script, which is exact by construction.
    return { ...base, ...this.denseSearch(query, ids.length, filter, this.server.opensearch === true) };
  }

  private async msearch(bodies: SearchBody[]): Promise<EsHit[][]> {
    if (bodies.length === 0) return [];
    const searches = bodies.flatMap((body) => [{ index: this.index }, body]);
    const response = await this.call(() => this.client.msearch({ searches }));
    return response.responses.map((r, i) => {
      if ("error" in r) {
        const error = r.error as { type?: string; reason?: string; root_cause?: { reason?: string }[] };
        throw new BackendError(`index "${this.index}": search ${i + 1} of ${bodies.length} failed: ${error.type}: ${error.root_cause?.[0]?.reason ?? error.reason}`);
      }
      return r.hits.hits as EsHit[];
    });
  }

  private async call<T>(request: () => Promise<T>): Promise<T> {
    try {
      return await request();
    } catch (err) {
      throw new BackendError(`index "${this.index}": ${describeError(err)}`, { cause: err });
    }
  }
}

/**
 * The value at a dotted path of a source document (a key holding the whole path first). Only own
 * properties count: a field named "constructor" or "__proto__" is data, not Object.prototype's.
 */
export function pathValue(source: Record<string, unknown> | undefined, path: string): unknown {
  if (!isPlainObject(source)) return undefined;
  if (Object.hasOwn(source, path)) return source[path];
  let value: unknown = source;
  for (const part of path.split(".")) {
    if (!isPlainObject(value) || !Object.hasOwn(value, part)) return undefined;
    value = value[part];
  }
  return value;
}
