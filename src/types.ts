/** Shared types of the public API. Everything here is plain data. */


/** How the dense leg compares vectors. Higher similarity is always better. */
export type Metric = "cosine" | "dot" | "l2";

/**
 * How the embedded engine holds dense vectors in memory: "none" keeps float32; "int8" keeps one
 * byte per dimension (a range per dimension) and reads the float vectors back from the index
 * files to rescore the final candidates exactly (about a quarter of the memory).
 */
export type DenseQuantization = "none" | "int8";

/** The retrieval legs a query can run. */
export type LegName = "sparse" | "dense" | "text";

/** What a leg's score means, so fusion knows how to treat it. */
export type ScoreKind = "impact" | "similarity" | "rank-only";

/** A scalar metadata value usable in filters. */
export type FieldScalar = string | number | boolean;

/** A metadata value: a scalar or an array of strings or numbers (arrays match if any element matches). */
export type FieldValue = FieldScalar | string[] | number[];

/**
 * SPLADE-style sparse vector: token → weight. A weight is 0 (dropped) or from 2^-126 (the
 * smallest normal float32) to 1e18; the vector's norm is at most 1e18 (README, "Input rules").
 */
export type SparseVector = Record<string, number>;

/** A document as given to `upsert` and returned by `get`. */
export interface Document {
  /** Non-empty, unique; upserting an existing id replaces the document everywhere. */
  id: string;
  /** Free text for the text leg. */
  text?: string;
  /** Sparse vector for the sparse leg. */
  sparse?: SparseVector;
  /**
   * Dense vector for the dense leg: exactly the index's dimension, components of magnitude at
   * most 1e18, norm at most 1e18 (and, under cosine, not so small that it underflows in float32).
   */
  dense?: number[] | Float32Array;
  /** Flat metadata for filters. */
  fields?: Record<string, FieldValue>;
}

/** Bounds of a `range` filter; any subset of them. */
export interface RangeBounds {
  /** Matches values greater than or equal to this. */
  gte?: number | string;
  /** Matches values greater than this. */
  gt?: number | string;
  /** Matches values less than or equal to this. */
  lte?: number | string;
  /** Matches values less than this. */
  lt?: number | string;
}

/**
 * The metadata filter language (README, "How scores, fusion and filters behave"). Array fields
 * match if any element matches; numbers compare with numbers and strings with strings; a missing
 * field matches no `term`, `terms` or `range`. `and`, `or` and `not` nest at most
 * {@link MAX_FILTER_DEPTH} levels deep.
 */
export type Filter =
  | {
      /** One field equals the value (for an array field: any element does). */
      term: Record<string, FieldScalar>;
    }
  | {
      /** One field equals any of the values. */
      terms: Record<string, FieldScalar[]>;
    }
  | {
      /** One field lies within the bounds. */
      range: Record<string, RangeBounds>;
    }
  | {
      /** Every filter matches. */
      and: Filter[];
    }
  | {
      /** At least one filter matches. */
      or: Filter[];
    }
  | {
      /** The filter does not match. */
      not: Filter;
    };

/** How the legs' results are combined. */
export type FusionMethod = "rrf" | "convex" | "dbsf";

/** Score normalizers for `convex` fusion. */
export type Normalizer = "minmax" | "zscore" | "tmm" | "l2" | "none";

/** How the legs' results are fused into one ranking (README, "How scores, fusion and filters behave"). */
export interface FusionOptions {
  /**
   * Fusion method. Default `convex` (with `normalize: "zscore"`), the setting chosen by
   * measurement on six collections (README, "Choosing the default fusion").
   */
  method?: FusionMethod;
  /** RRF rank constant (> 0). Default 60. */
  rankConstant?: number;
  /**
   * Per-leg weights (0 to 1e6). Default 1 for `sparse` and `dense`; the rank-only `text` leg
   * weighs 0.3 when a sparse leg runs beside it (both carry lexical evidence) and 1 otherwise.
   */
  weights?: Partial<Record<LegName, number>>;
  /** Normalizer for `convex`. Default `zscore`. */
  normalize?: Normalizer;
  /**
   * Score completion: a candidate found by one leg gets its exact score from the other
   * score-based legs instead of a missing value. Default true (used by `convex` and `dbsf`).
   */
  completion?: boolean;
}

/**
 * Relevance filtering after fusion, over the whole fusion window; the rules run in the order of
 * {@link RelevanceRule}. With `explain`, every hit a rule removed is listed in
 * {@link SearchResult.dropped}.
 */
export interface RelevanceOptions {
  /** Drop hits whose fused score is below this. */
  minScore?: number;
  /** Drop hits whose raw sparse score is below this (hits with no sparse score are dropped). */
  minSparse?: number;
  /** Drop hits whose raw dense similarity is below this (hits with no dense score are dropped). */
  minDense?: number;
  /**
   * Drop hits whose calibrated probability of relevance is below this (0 to 1). Needs a
   * calibration model: the query's `calibration`, or the one stored in the index.
   */
  minProbability?: number;
  /**
   * Keep hits whose fused score is at least lowest + relative × (top − lowest), top and lowest
   * taken over the hits the absolute thresholds kept (0 < relative ≤ 1). Measured from the
   * lowest score, so it means the same on every score scale (negative similarities, z-scores)
   * and the top hit is always kept.
   */
  relative?: number;
  /**
   * Cut the list before the N-th peak of its score curve (N ≥ 1), as Weaviate's autocut: the
   * point just after a drop steeper than an even descent from the top to the lowest score. Can
   * keep a single hit; lists of fewer than three hits and equal scores are kept whole.
   */
  autocut?: number;
  /** Never return fewer than this many hits (if that many were found). Default 0. */
  minHits?: number;
  /** Never return more than this many hits. */
  maxHits?: number;
}

/**
 * The sparse leg's query algorithm (all exact, equal results):
 * - `exhaustive`: every posting of every query term, term at a time;
 * - `maxscore`: MaxScore dynamic pruning (Turtle & Flood 1995), document at a time;
 * - `blockmax`: block-max pruning (BMP: Mallia, Suel & Tonellotto, SIGIR 2024) over blocks of 32
 *   documents with 8-bit block maxima, blocks visited by decreasing bound;
 * - `auto`: per segment, `exhaustive` below 8,192 documents, else `blockmax`.
 */
export type SparseAlgorithm = "auto" | "exhaustive" | "maxscore" | "blockmax";

/**
 * Approximations of the sparse leg's block-max search (BMP's). Scores of the hits returned stay
 * exact; which hits are returned may differ from the exact top candidates.
 */
export interface SparsePruning {
  /**
   * In (0, 1]: a block is skipped when its upper bound × alpha does not exceed the current
   * k-th score, so lower alpha stops earlier. 1 (the default) is exact.
   */
  alpha?: number;
  /** An integer ≥ 1: only the query's `maxTerms` heaviest terms count toward block bounds. */
  maxTerms?: number;
  /**
   * In (0, 1]: only the smallest set of the query's heaviest terms holding this share of its
   * total weight counts toward block bounds. With `maxTerms` too, the smaller set applies.
   */
  termMass?: number;
}

/** A hybrid query. At least one of `text`, `sparse`, `dense` must be given. */
export interface SearchQuery {
  /** Free text for the text leg. */
  text?: string;
  /** Sparse query vector for the sparse leg (same rules as a document's). */
  sparse?: SparseVector;
  /** Dense query vector for the dense leg: exactly the index's dimension. */
  dense?: number[] | Float32Array;
  /** Hits to return (1..10000). Default 10. `from + k` must not exceed `candidates`. */
  k?: number;
  /** Hits to skip, for pagination. Default 0. Pages are slices of the ranking of the `candidates` window. */
  from?: number;
  /** Applied inside every leg before top-k. */
  filter?: Filter;
  /** Legs to run. Default: every leg the query has data for. */
  legs?: LegName[];
  /**
   * Hits each leg retrieves before fusion: the fusion window (1..10000). Default 100, whatever
   * `from` and `k` are, so pages are slices of one ranking; `from + k` must not exceed it (as
   * Elasticsearch's `rank_window_size`), otherwise the query is refused. A query that runs one leg
   * with no `relevance` rule and no calibration model ranks by that leg alone: its default is
   * `from + k`, the page is taken straight from the leg's hits, and pages stay slices of the
   * leg's ranking (for the HNSW graph, while `from + k` ≤ `ef`).
   */
  candidates?: number;
  /** Exact top candidates in every leg (no approximation). */
  exact?: boolean;
  /** HNSW candidate list size for the dense leg (≥ candidates is used). Default 100. */
  ef?: number;
  /**
   * How the sparse leg finds its top candidates in the embedded engine ({@link SparseAlgorithm}).
   * Default `"auto"`. Every choice returns the same hits with bit-identical scores unless
   * `sparsePruning` makes the search approximate. An unknown name is refused (InvalidQueryError).
   */
  sparseAlgorithm?: SparseAlgorithm;
  /**
   * Approximate sparse retrieval, traded for speed ({@link SparsePruning}); the result's
   * `sparseExact` says whether the sparse leg's top candidates are still provably exact. Needs
   * `sparseAlgorithm` `"auto"` or `"blockmax"`; refused with `exact: true`. Default: none (exact).
   */
  sparsePruning?: SparsePruning;
  /** How the legs are fused. Default: convex fusion of z-scores (see {@link FusionOptions}). */
  fusion?: FusionOptions;
  /** Relevance filtering after fusion. Default: none. */
  relevance?: RelevanceOptions;
  /**
   * A calibration model (from `tandem calibrate`, read with `CalibrationModel.parse`, or its
   * parsed JSON): every hit then carries `probability`, P(relevant), and
   * `relevance.minProbability` can filter on it. Default: the model stored in the index (the
   * `calibration` attachment), if any; `false` turns that off.
   */
  calibration?: CalibrationModelLike | CalibrationModelJson | false;
  /**
   * Attach an explanation to every hit and list the hits relevance filtering dropped. With
   * `{ ids }`, also explain those documents, retrieved or not ("why not this document?"), in
   * {@link SearchResult.explainIds}; this implies `explain: true`.
   */
  explain?: boolean | ExplainOptions;
}

/** Explanation options beyond `explain: true`. */
export interface ExplainOptions {
  /** Documents to explain whether or not the search found them (at most 10,000 non-empty ids). */
  ids: string[];
}

/** A leg's view of one hit. `rank` is absent when the score was completed, not retrieved. */
export interface HitLeg {
  /**
   * The leg's raw score: sparse Σ q·d over shared tokens, dense cosine, dot product or −squared
   * L2 (higher is better). Absent for the rank-only text leg.
   */
  score?: number;
  /**
   * 1-based competition rank in the leg's retrieved list (equal scores share the rank of the
   * first of them). Absent when the score was completed.
   */
  rank?: number;
  /** Present (true) when the score was computed by score completion, not retrieved. */
  completed?: true;
}

/** One token's share of a hit's sparse score. */
export interface SparseTokenContribution {
  /** The token shared by the query and the document. */
  token: string;
  /** The token's weight in the query. */
  query: number;
  /** The token's weight in the document, as stored (float32). */
  doc: number;
  /** `query × doc`: this token's term of the sparse score. */
  contribution: number;
}

/** How one leg contributed to a hit's fused score. */
export interface LegExplanation {
  /** The leg's raw score, as in {@link HitLeg.score}. */
  score?: number;
  /** The leg's rank, as in {@link HitLeg.rank}. */
  rank?: number;
  /** True when the score was completed, not retrieved. */
  completed?: boolean;
  /**
   * The value fusion used for this leg: the normalized score (`convex`, `dbsf`), or for a
   * rank-only leg in score-based fusion 1 / log2(1 + rank). Absent for `rrf` and a single leg.
   */
  normalized?: number;
  /** The leg's weight in fusion. */
  weight: number;
  /**
   * This leg's term of the fused score: `weight × normalized` (`convex`, `dbsf`), `weight /
   * (rankConstant + rank)` (`rrf`, and a rank-only leg alone), or the raw score for a single
   * score-based leg. A leg that did not score the hit contributes its missing-score floor.
   */
  contribution: number;
  /** Sparse leg only: the matched tokens, largest contribution first. */
  tokens?: SparseTokenContribution[];
}

/** Why a hit has its score (with `explain`). */
export interface HitExplanation {
  /** The fusion method that produced the score, or `single-leg` when one leg ran. */
  method: FusionMethod | "single-leg";
  /** The hit's score, equal to {@link SearchHit.score}: the sum of the legs' contributions. */
  score: number;
  /** Per leg that ran: its part in the score. */
  legs: Partial<Record<LegName, LegExplanation>>;
}

/** One ranked result. */
export interface SearchHit {
  /** The document's id. */
  id: string;
  /**
   * The fused score; higher is better, and hits are sorted by it (ties by id, ascending). Its
   * scale depends on the fusion method, so compare scores only within one method:
   *
   * - `convex` (the default, with `zscore`): Σ weight × normalize(leg score) over the legs; with
   *   z-scores, a leg's term is its score's distance from the pool mean in standard deviations,
   *   so the sum can be negative. A rank-only leg enters as 1 / log2(1 + rank).
   * - `rrf`: Σ weight / (rankConstant + rank) over the legs that retrieved the hit (rank from 1,
   *   constant 60 by default), so at most Σ weight / 61.
   * - `dbsf`: Σ weight × (leg score mapped from mean ± 3σ of the pool to [0, 1], clipped).
   * - One leg only: nothing is fused; the score is the leg's raw score (sparse Σ q·d, dense
   *   cosine, dot product or −squared L2), unweighted; for the rank-only text leg it is the RRF
   *   score weight / (rankConstant + rank).
   *
   * A leg that did not score the hit counts as its lowest value in the pool (0 when every value
   * is higher); see README, "How scores, fusion and filters behave".
   */
  score: number;
  /** Per leg that ran and found or completed the hit: its raw score and rank. */
  legs: Partial<Record<LegName, HitLeg>>;
  /** With a calibration model: the hit's probability of being relevant, from 0 to 1. */
  probability?: number;
  /** With `explain`: how the score was made. */
  explanation?: HitExplanation;
}

/** A relevance-filtering rule, in the order the rules run. */
export type RelevanceRule = "minScore" | "minSparse" | "minDense" | "minProbability" | "relative" | "autocut" | "maxHits";

/** A hit relevance filtering removed, and why. */
export interface DroppedHit {
  /** The document's id. */
  id: string;
  /** The hit's fused score. */
  score: number;
  /** The first rule that removed the hit. */
  rule: RelevanceRule;
  /**
   * The bar the hit missed, on the scale of `value`: the option's value for `minScore`,
   * `minSparse`, `minDense`, `minProbability` and `maxHits`; for `relative` the fused score
   * lowest + relative × (top − lowest); for `autocut` the fused score of the last hit kept.
   */
  threshold: number;
  /**
   * What was compared with `threshold`: the fused score (`minScore`, `relative`, `autocut`), the
   * raw leg score (`minSparse`, `minDense`; null when the hit has no score in that leg), the
   * calibrated probability (`minProbability`), or the
   * hit's 1-based position among the hits the earlier rules kept (`maxHits`).
   */
  value: number | null;
  /** The same in words, e.g. "dense 0.3 < minDense 0.5" (kept for compatibility). */
  reason: string;
}

/**
 * Where a requested document ended up ({@link IdExplanation.status}):
 * - `returned`: on the page of hits;
 * - `outside-page`: kept by relevance filtering, but before `from` or after `from + k`;
 * - `dropped`: in the candidate pool, removed by a relevance rule ({@link IdExplanation.dropped});
 * - `not-retrieved`: matches the filter, but no leg retrieved it within `candidates`;
 * - `filtered-out`: exists but does not match the query's filter;
 * - `unknown`: no document has this id.
 */
export type IdStatus = "returned" | "outside-page" | "dropped" | "not-retrieved" | "filtered-out" | "unknown";

/** One leg's view of a requested document. */
export interface IdLegExplanation {
  /** Whether the leg retrieved the document within its `candidates` hits. */
  retrieved: boolean;
  /** 1-based competition rank in the leg's retrieved list, as in {@link HitLeg.rank}; absent when not retrieved. */
  rank?: number;
  /**
   * The leg's exact raw score for the document, as in {@link HitLeg.score}: retrieved, or
   * computed by score completion. Absent for the rank-only text leg and where the document has
   * no score in the leg (no vector); 0 in the sparse leg when it shares no token with the query.
   */
  score?: number;
}

/** Why a requested document is, or is not, among the hits (`explain: { ids }`). */
export interface IdExplanation {
  /** The requested id. */
  id: string;
  /** Whether a document with this id exists. */
  exists: boolean;
  /** Whether it exists and matches the query's filter (true when the query has no filter). */
  matchesFilter: boolean;
  /** Where it ended up. */
  status: IdStatus;
  /** Per leg that ran (for documents matching the filter): retrieved or not, rank and exact score. */
  legs: Partial<Record<LegName, IdLegExplanation>>;
  /**
   * Its fused score. For a document no leg retrieved, the score it would have if added to the
   * candidate pool, computed with the pool's normalization statistics (mean, deviation, minimum,
   * maximum, norm and missing-score floor of the pool's candidates, left unchanged by it), so it
   * compares directly with the hits' scores. Absent for `filtered-out` and `unknown`.
   */
  score?: number;
  /**
   * Its 1-based position in the fused ranking of the candidate pool, before relevance filtering
   * (ties by id); for a document no leg retrieved, where it would rank if added.
   */
  fusedRank?: number;
  /** For `dropped`: the first relevance rule that removed it, as in {@link SearchResult.dropped}. */
  dropped?: Omit<DroppedHit, "id" | "score">;
}

/**
 * Where score completion got the scores of candidates a leg did not retrieve
 * ({@link SearchResult.completion}):
 * - `none`: nothing was completed (every candidate had every score, the fusion method needs
 *   only ranks, completion is off, or one leg ran);
 * - `stored`: read from the index's own stored vectors (the embedded engine);
 * - `hits`: computed in this process from the vectors and sparse weights the legs' hits carried
 *   (Elasticsearch: no request beyond the legs' one);
 * - `second-request`: asked of the cluster in a second request (Elasticsearch, when the index
 *   cannot return a leg's vectors with the hits, e.g. a mapping that excludes them from `_source`).
 */
export type CompletionPath = "none" | "stored" | "hits" | "second-request";

/** What `search` returns. */
export interface SearchResult {
  /** The page of hits (`from`, `k`), best first. */
  hits: SearchHit[];
  /** With `explain`: hits relevance filtering removed, and why. */
  dropped?: DroppedHit[];
  /** The legs that ran. */
  legs: LegName[];
  /** With `explain`: where score completion got its scores ({@link CompletionPath}). */
  completion?: CompletionPath;
  /** With `explain: { ids }`: one entry per distinct requested id, in request order. */
  explainIds?: IdExplanation[];
  /**
   * Whether the sparse leg's top candidates are provably its exact top (false when
   * `sparsePruning` made the search approximate); absent when no sparse leg ran.
   */
  sparseExact?: boolean;
}

/** What the embedded index's `stats()` reports. Counts are numbers of items, sizes are in bytes. */
/** What every backend reports in `stats()`; each adds its own details. */
export interface BackendStats {
  /** Number of live (stored, not deleted) documents. */
  documents: number;
  /** Dense dimension, or null while no dense vector has fixed it. */
  dimension: number | null;
  /** The dense leg's metric. */
  metric: Metric;
  /** Whether the index can run the text leg. */
  textLeg: boolean;
}

/** HNSW build parameters. */
export interface HnswParams {
  /** Links per node on upper levels (level 0 keeps 2M). Default 16, range 2–100. */
  M: number;
  /** Candidate list size while inserting. Default 200. */
  efConstruction: number;
  /** Seed of the level generator: the same inserts in the same order build the same graph. Default 42. */
  seed: number;
}

export interface IndexStats extends BackendStats {
  /** Number of distinct sparse tokens held by the sparse leg's inverted index. */
  vocabulary: number;
  /** Number of live documents with a sparse vector that has at least one non-zero weight. */
  withSparse: number;
  /** Number of live documents with a dense vector. */
  withDense: number;
  /** Number of live documents with text. */
  withText: number;
  /** Number of segment files in the index's log (compaction merges them). */
  segments: number;
  /**
   * Generation of the last commit: increases (not necessarily by one) with every commit of the
   * index's manifest (a write, an attachment, a compaction, a saved graph).
   */
  generation: number;
  /** On-disk format version of the index files. */
  formatVersion: number;
  /** HNSW parameters of the dense leg, fixed when the index was created. */
  hnsw: HnswParams;
  /** How dense vectors are held in memory: float32, or int8 codes with exact rescoring. */
  quantization: DenseQuantization;
  /** Memory held by the dense leg, in bytes. */
  denseBytes: {
    /** Bytes of the vectors in memory (float32 or int8 codes with their ranges) and their norms. */
    vectors: number;
    /** Bytes of the HNSW graph's links. */
    graph: number;
  };
}

/** Turns text into sparse vectors (e.g. BM25, SPLADE). Batched and async. */
export interface SparseEncoder {
  /** One sparse vector per text, in order, for indexing. */
  encodeDocuments(texts: readonly string[]): Promise<SparseVector[]>;
  /** One sparse vector per text, in order, for querying (may differ from documents, e.g. BM25). */
  encodeQueries(texts: readonly string[]): Promise<SparseVector[]>;
}

/** Turns text into dense vectors (e.g. a sentence-embedding model). Batched and async. */
export interface DenseEncoder {
  /** Length of every vector the encoder produces. */
  readonly dimension: number;
  /** One dense vector per text, in order, for indexing. */
  encodeDocuments(texts: readonly string[]): Promise<Float32Array[]>;
  /** One dense vector per text, in order, for querying (some models add a query prefix). */
  encodeQueries(texts: readonly string[]): Promise<Float32Array[]>;
}

/** A calibration model as stored in its JSON file. */
export interface CalibrationModelJson {
  /** Always `"tandem-calibration"`. */
  format: "tandem-calibration";
  /** File version, 1. */
  version: number;
  /** Feature names, each one of the calibration features (README, "Calibrated relevance"). */
  features: string[];
  /** Per feature: the mean subtracted before weighting. */
  mean: number[];
  /** Per feature: the scale divided by before weighting (> 0). */
  scale: number[];
  /** Per feature: its logistic-regression weight on the standardized value. */
  weights: number[];
  /** The logistic regression's intercept. */
  intercept: number;
  /** The probability threshold chosen on the training queries (a suggestion for `minProbability`). */
  threshold?: number;
  /** How the model was fitted (queries, hits, legs, fusion, figures); informative only. */
  training?: Record<string, unknown>;
}

/** A fitted calibration model (a `CalibrationModel`): what it serializes to. */
export interface CalibrationModelLike {
  /** The model's JSON, as its file holds it. */
  toJSON(): CalibrationModelJson;
}
