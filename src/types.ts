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
  gte?: number | string;
  gt?: number | string;
  lte?: number | string;
  lt?: number | string;
}

/** The metadata filter language (DESIGN.md). */
export type Filter =
  | { term: Record<string, FieldScalar> }
  | { terms: Record<string, FieldScalar[]> }
  | { range: Record<string, RangeBounds> }
  | { and: Filter[] }
  | { or: Filter[] }
  | { not: Filter };

/** How the legs' results are combined. */
export type FusionMethod = "rrf" | "convex" | "dbsf";

/** Score normalizers for `convex` fusion. */
export type Normalizer = "minmax" | "zscore" | "tmm" | "l2" | "none";

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

export interface RelevanceOptions {
  /** Drop hits whose fused score is below this. */
  minScore?: number;
  /** Drop hits whose raw sparse score is below this (hits with no sparse score are dropped). */
  minSparse?: number;
  /** Drop hits whose raw dense similarity is below this (hits with no dense score are dropped). */
  minDense?: number;
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

/** A hybrid query. At least one of `text`, `sparse`, `dense` must be given. */
export interface SearchQuery {
  text?: string;
  sparse?: SparseVector;
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
   * Elasticsearch's `rank_window_size`), otherwise the query is refused.
   */
  candidates?: number;
  /** Exact top candidates in every leg (no approximation). */
  exact?: boolean;
  /** HNSW candidate list size for the dense leg (≥ candidates is used). Default 100. */
  ef?: number;
  fusion?: FusionOptions;
  relevance?: RelevanceOptions;
  /** Attach an explanation to every hit and list the hits relevance filtering dropped. */
  explain?: boolean;
}

/** A leg's view of one hit. `rank` is absent when the score was completed, not retrieved. */
export interface HitLeg {
  score?: number;
  rank?: number;
  completed?: true;
}

export interface SparseTokenContribution {
  token: string;
  query: number;
  doc: number;
  contribution: number;
}

export interface LegExplanation {
  score?: number;
  rank?: number;
  completed?: boolean;
  normalized?: number;
  weight: number;
  contribution: number;
  /** Sparse leg only: the matched tokens, largest contribution first. */
  tokens?: SparseTokenContribution[];
}

export interface HitExplanation {
  method: FusionMethod | "single-leg";
  score: number;
  legs: Partial<Record<LegName, LegExplanation>>;
}

export interface SearchHit {
  id: string;
  score: number;
  legs: Partial<Record<LegName, HitLeg>>;
  explanation?: HitExplanation;
}

/** A relevance-filtering rule, in the order the rules run. */
export type RelevanceRule = "minScore" | "minSparse" | "minDense" | "relative" | "autocut" | "maxHits";

/** A hit relevance filtering removed, and why. */
export interface DroppedHit {
  id: string;
  /** The hit's fused score. */
  score: number;
  /** The first rule that removed the hit. */
  rule: RelevanceRule;
  /**
   * The bar the hit missed, on the scale of `value`: the option's value for `minScore`,
   * `minSparse`, `minDense` and `maxHits`; for `relative` the fused score
   * lowest + relative × (top − lowest); for `autocut` the fused score of the last hit kept.
   */
  threshold: number;
  /**
   * What was compared with `threshold`: the fused score (`minScore`, `relative`, `autocut`), the
   * raw leg score (`minSparse`, `minDense`; null when the hit has no score in that leg), or the
   * hit's 1-based position among the hits the earlier rules kept (`maxHits`).
   */
  value: number | null;
  /** The same in words, e.g. "dense 0.3 < minDense 0.5" (kept for compatibility). */
  reason: string;
}

export interface SearchResult {
  hits: SearchHit[];
  /** With `explain`: hits relevance filtering removed, and why. */
  dropped?: DroppedHit[];
  /** The legs that ran. */
  legs: LegName[];
}

export interface IndexStats {
  documents: number;
  dimension: number | null;
  metric: Metric;
  textLeg: boolean;
  vocabulary: number;
  withSparse: number;
  withDense: number;
  withText: number;
  segments: number;
  generation: number;
  formatVersion: number;
  /** HNSW parameters of the dense leg. */
  hnsw: { M: number; efConstruction: number; seed: number };
  /** How dense vectors are held in memory: float32, or int8 codes with exact rescoring. */
  quantization: DenseQuantization;
  /** Memory held by the dense leg, in bytes: vectors (with norms) and graph links. */
  denseBytes: { vectors: number; graph: number };
}

/** Turns text into sparse vectors (e.g. BM25, SPLADE). Batched and async. */
export interface SparseEncoder {
  encodeDocuments(texts: readonly string[]): Promise<SparseVector[]>;
  encodeQueries(texts: readonly string[]): Promise<SparseVector[]>;
}

/** Turns text into dense vectors (e.g. a sentence-embedding model). Batched and async. */
export interface DenseEncoder {
  readonly dimension: number;
  encodeDocuments(texts: readonly string[]): Promise<Float32Array[]>;
  encodeQueries(texts: readonly string[]): Promise<Float32Array[]>;
}
