import { InvalidQueryError } from "../errors.js";
import type { ResolvedFusion } from "../fusion/fuse.js";
import { DEFAULT_FUSION_METHOD, DEFAULT_NORMALIZER, defaultWeights } from "../fusion/fusion-defaults.js";
import { validateFilter } from "../filter/validate-filter.js";
import { CalibrationModel } from "../relevance/calibration-model.js";
import { describeValue } from "../describe-value.js";
import type { Filter, LegName, Metric, RelevanceOptions, SearchQuery, SparseAlgorithm, SparsePruning, SparseVector } from "../types.js";
import { validateDense, validateSparse } from "./validate-document.js";
import { validateQueryShape } from "./validate-query-shape.js";

export const LEG_NAMES: readonly LegName[] = ["sparse", "dense", "text"];
const FUSION_METHODS = ["rrf", "convex", "dbsf"] as const;
const NORMALIZERS = ["minmax", "zscore", "tmm", "l2", "none"] as const;
export const SPARSE_ALGORITHMS: readonly SparseAlgorithm[] = ["auto", "exhaustive", "maxscore", "blockmax"];
/** Upper bound on k and candidates: a guard against accidental full-corpus requests. */
export const MAX_HITS = 10_000;
/**
 * Hits each leg retrieves before fusion when the query does not say: the fusion window. A
 * constant, never derived from `from` or `k`, so every page is cut from the same ranking — except
 * for a query of one leg without relevance rules or calibration, whose ranking is the leg's own:
 * it retrieves `from + k`.
 */
export const DEFAULT_CANDIDATES = 100;

/** A validated query with every default applied. @internal */
export interface ResolvedQuery {
  text?: string;
  sparse?: SparseVector;
  dense?: Float32Array;
  k: number;
  from: number;
  filter?: Filter;
  /** The legs that will run, in fixed order sparse, dense, text. */
  legs: LegName[];
  candidates: number;
  exact: boolean;
  /** HNSW candidate list size (undefined: the index default). */
  ef?: number;
  sparseAlgorithm: SparseAlgorithm;
  /** Approximations asked for (validated; undefined: none). */
  sparsePruning?: SparsePruning;
  fusion: ResolvedFusion;
  relevance: RelevanceOptions;
  /** The calibration model giving every hit a probability (the query's, else the index's default). */
  calibration?: CalibrationModel;
  explain: boolean;
  /** Distinct ids to explain whether retrieved or not (`explain: { ids }`), in request order. */
  explainIds?: string[];
}

/** What the index can do, for resolving which legs run. @internal */
export interface IndexCapabilities {
  dimension: number | null;
  metric: Metric;
  textLeg: boolean;
  /**
   * The index's stored calibration model, used when a query names none; throws
   * InvalidModelError when the stored model cannot be read.
   */
  defaultCalibration?: () => CalibrationModel | undefined;
}

/**
 * Validates a query and applies defaults; `where` prefixes error messages. The resolved query
 * holds a copy of the dense vector, unless `borrowDense` and the query is answered from one leg
 * (see `isSingleLegPage`): a backend that reads the vector before its `retrieve` call returns
 * (the embedded engine) then works on a Float32Array given without copying it.
 *
 * @internal
 */
export function resolveQuery(query: SearchQuery, caps: IndexCapabilities, where = "query", borrowDense = false): ResolvedQuery {
  const fail = (problem: string): never => {
    throw new InvalidQueryError(`${where}: ${problem}`);
  };
  validateQueryShape(query, fail);
  const text = query.text === undefined || query.text === null ? undefined : query.text;
  if (text !== undefined && typeof text !== "string") fail(`"text" must be a string`);
  const sparse = query.sparse === undefined || query.sparse === null ? undefined : validateSparse(query.sparse, fail);
  const dense =
    query.dense === undefined || query.dense === null ? undefined : validateDense(query.dense, caps.dimension, caps.metric, fail, false);
  if (text === undefined && query.sparse == null && dense === undefined) fail(`a query needs "text", "sparse" or "dense"`);

  const k = integer(query.k, 10, 1, MAX_HITS, "k", fail);
  const from = integer(query.from, 0, 0, MAX_HITS, "from", fail);
  const filter = query.filter === undefined || query.filter === null ? undefined : validateFilter(query.filter, where);

  if (query.legs !== undefined) {
    if (!Array.isArray(query.legs)) fail(`"legs" must be an array of ${LEG_NAMES.join(", ")}`);
    for (const leg of query.legs) if (!LEG_NAMES.includes(leg)) fail(`unknown leg "${leg}" (use ${LEG_NAMES.join(", ")})`);
  }
  const allowed = (leg: LegName) => query.legs === undefined || query.legs.includes(leg);
  const legs: LegName[] = [];
  if (sparse && allowed("sparse")) legs.push("sparse");
  if (dense && allowed("dense")) legs.push("dense");
  if (text !== undefined && text.trim() !== "" && allowed("text") && (caps.textLeg || query.legs?.includes("text"))) legs.push("text");

  if (query.fusion !== undefined && (typeof query.fusion !== "object" || query.fusion === null || Array.isArray(query.fusion))) {
    fail(`"fusion" must be an object such as {"method":"convex","normalize":"zscore"}, got ${JSON.stringify(query.fusion)}`);
  }
  const f = query.fusion ?? {};
  const method = f.method ?? DEFAULT_FUSION_METHOD;
  if (!FUSION_METHODS.includes(method)) fail(`unknown fusion method "${method}" (use ${FUSION_METHODS.join(", ")})`);
  const normalize = f.normalize ?? DEFAULT_NORMALIZER;
  if (!NORMALIZERS.includes(normalize)) fail(`unknown normalizer "${normalize}" (use ${NORMALIZERS.join(", ")})`);
  const rankConstant = f.rankConstant ?? 60;
  if (!(typeof rankConstant === "number" && rankConstant > 0 && Number.isFinite(rankConstant))) fail(`rankConstant must be a number > 0, got ${rankConstant}`);
  const weights = defaultWeights(legs);
  for (const [leg, w] of Object.entries(f.weights ?? {})) {
    if (!LEG_NAMES.includes(leg as LegName)) fail(`weights: unknown leg "${leg}" (use ${LEG_NAMES.join(", ")})`);
    if (!(typeof w === "number" && w >= 0 && Number.isFinite(w))) fail(`weights.${leg} must be a finite number ≥ 0, got ${w}`);
    weights[leg as LegName] = w;
  }

  const sparseAlgorithm = query.sparseAlgorithm ?? "auto";
  if (!SPARSE_ALGORITHMS.includes(sparseAlgorithm)) fail(`"sparseAlgorithm" must be one of ${SPARSE_ALGORITHMS.join(", ")}, got ${describeValue(sparseAlgorithm)}`);
  const sparsePruning = validateSparsePruning(query.sparsePruning, fail);
  if (sparsePruning && sparseAlgorithm !== "auto" && sparseAlgorithm !== "blockmax") {
    fail(`"sparsePruning" needs sparseAlgorithm "auto" or "blockmax" (its approximations are block-max pruning's), got sparseAlgorithm "${sparseAlgorithm}"`);
  }
  if (sparsePruning && query.exact === true) fail(`"sparsePruning" makes the sparse leg approximate, which "exact": true refuses`);

  const calibration = resolveCalibration(query.calibration, caps, where, fail);
  const relevance = validateRelevance(query.relevance ?? {}, fail);
  if (relevance.minProbability !== undefined && calibration === undefined) {
    fail(`relevance.minProbability needs a calibration model: give "calibration" (a model from tandem calibrate) or store one in the index`);
  }

  // One leg with no relevance rule and no calibration ranks by the leg alone: its top from + k
  // are the page, so retrieving a window of 100 would be wasted work.
  const defaultCandidates = legs.length === 1 && calibration === undefined && !hasRelevanceRule(relevance) ? from + k : DEFAULT_CANDIDATES;
  const candidates = integer(query.candidates, defaultCandidates, 1, MAX_HITS, "candidates", fail);
  // As Elasticsearch's rank_window_size: a page must lie inside the window, or its hits would
  // come from a different ranking than the pages before it.
  if (from + k > candidates) {
    fail(
      `from + k = ${from + k} (from ${from}, k ${k}) exceeds candidates = ${candidates}, the hits each leg retrieves before fusion` +
        `${query.candidates === undefined || query.candidates === null ? " (default)" : ""}; raise "candidates" to at least ${from + k} so every page is a slice of one ranking`,
    );
  }

  const resolved: ResolvedQuery = {
    text,
    sparse,
    dense,
    k,
    from,
    filter,
    legs,
    candidates,
    exact: query.exact ?? false,
    ef: query.ef === undefined || query.ef === null ? undefined : integer(query.ef, 0, 1, MAX_HITS, "ef", fail),
    sparseAlgorithm,
    ...(sparsePruning ? { sparsePruning } : {}),
    fusion: { method, normalize, rankConstant, weights, completion: f.completion ?? true },
    relevance,
    ...(calibration ? { calibration } : {}),
    explain: explain(query),
    explainIds: typeof query.explain === "object" && query.explain !== null ? [...new Set(query.explain.ids)] : undefined,
  };
  if (dense !== undefined && dense === query.dense && !(borrowDense && isSingleLegPage(resolved))) resolved.dense = dense.slice();
  return resolved;
}

function explain(query: SearchQuery): boolean {
  return query.explain !== undefined && query.explain !== null && query.explain !== false;
}

/**
 * Whether a query's page can be cut straight from one leg's hits: one leg, nothing to fuse, no
 * relevance rule, calibration or explanation (each of which needs the candidate pool). @internal
 */
export function isSingleLegPage(query: ResolvedQuery): boolean {
  return query.legs.length === 1 && !query.explain && query.calibration === undefined && !hasRelevanceRule(query.relevance);
}

/** True when a relevance rule is set: it needs the fusion window, not just the page. */
export function hasRelevanceRule(r: RelevanceOptions): boolean {
  // Over the keys given (usually none), not over every rule: this runs for every query.
  for (const key in r) if (RELEVANCE_RULES.has(key) && (r as Record<string, unknown>)[key] !== undefined) return true;
  return false;
}

const RELEVANCE_RULES = new Set(["minScore", "minSparse", "minDense", "minProbability", "relative", "autocut", "minHits", "maxHits"]);

function integer(v: unknown, fallback: number, min: number, max: number, name: string, fail: (p: string) => never): number {
  if (v === undefined || v === null) return fallback;
  if (typeof v !== "number" || !Number.isInteger(v) || v < min || v > max) fail(`"${name}" must be an integer from ${min} to ${max}, got ${JSON.stringify(v)}`);
  return v;
}

/** The pruning options, checked field by field; undefined when none is given. */
function validateSparsePruning(given: unknown, fail: (p: string) => never): SparsePruning | undefined {
  if (given === undefined || given === null) return undefined;
  if (typeof given !== "object" || Array.isArray(given)) fail(`"sparsePruning" must be an object such as {"alpha":0.9}, got ${describeValue(given)}`);
  const p = given as Record<string, unknown>;
  for (const key of Object.keys(p)) {
    if (key !== "alpha" && key !== "maxTerms" && key !== "termMass") fail(`sparsePruning: unknown option "${key}" (use alpha, maxTerms, termMass)`);
  }
  const out: SparsePruning = {};
  const fraction = (key: "alpha" | "termMass") => {
    const v = p[key];
    if (v === undefined || v === null) return;
    if (!(typeof v === "number" && v > 0 && v <= 1)) fail(`sparsePruning.${key} must be a number in (0, 1], got ${describeValue(v)}`);
    out[key] = v;
  };
  fraction("alpha");
  fraction("termMass");
  if (p.maxTerms !== undefined && p.maxTerms !== null) {
    const v = p.maxTerms;
    if (!(typeof v === "number" && Number.isInteger(v) && v >= 1)) fail(`sparsePruning.maxTerms must be an integer ≥ 1, got ${describeValue(v)}`);
    out.maxTerms = v;
  }
  return Object.keys(out).length > 0 ? out : undefined;
}

function resolveCalibration(given: SearchQuery["calibration"], caps: IndexCapabilities, where: string, fail: (p: string) => never): CalibrationModel | undefined {
  if (given === false) return undefined;
  if (given === undefined || given === null) return caps.defaultCalibration?.();
  if (typeof given !== "object") fail(`"calibration" must be a calibration model or false, got ${JSON.stringify(given)}`);
  return CalibrationModel.from(given, `${where}: calibration`);
}

function validateRelevance(r: RelevanceOptions, fail: (p: string) => never): RelevanceOptions {
  for (const key of ["minScore", "minSparse", "minDense"] as const) {
    const v = r[key];
    if (v !== undefined && !(typeof v === "number" && Number.isFinite(v))) fail(`${key} must be a finite number, got ${v}`);
  }
  if (r.minProbability !== undefined && !(typeof r.minProbability === "number" && r.minProbability >= 0 && r.minProbability <= 1)) {
    fail(`minProbability must be a probability from 0 to 1, got ${r.minProbability}`);
  }
  if (r.relative !== undefined && !(typeof r.relative === "number" && r.relative > 0 && r.relative <= 1)) {
    fail(`relative must be a number in (0, 1], got ${r.relative}`);
  }
  if (r.autocut !== undefined) integer(r.autocut, 0, 1, MAX_HITS, "autocut", fail);
  if (r.minHits !== undefined) integer(r.minHits, 0, 0, MAX_HITS, "minHits", fail);
  if (r.maxHits !== undefined) integer(r.maxHits, 0, 1, MAX_HITS, "maxHits", fail);
  // A copy: the search may outlive this call (a remote backend), and the caller may reuse its object.
  return { ...r };
}
