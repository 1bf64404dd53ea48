import { readFileSync } from "node:fs";
import { DEFAULT_CANDIDATES, MAX_HITS, resolveQuery } from "../engine/resolve-query.js";
import { InvalidInputError, TandemError } from "../errors.js";
import { parseSearchConfig, type SearchConfig } from "../eval/search-config.js";
import { CalibrationModel } from "../relevance/calibration-model.js";
import { validateFilter } from "../filter/validate-filter.js";
import type { Filter, FusionMethod, LegName, Normalizer, SearchQuery, SparseAlgorithm, SparsePruning } from "../types.js";
import { UsageError } from "./usage-error.js";
import { withoutBom } from "./read-input.js";

type OptionSpec = { type: "string" | "boolean"; short?: string };

/** Options every command takes. */
export const BACKEND_OPTIONS: Record<string, OptionSpec> = {
  help: { type: "boolean", short: "h" },
  backend: { type: "string" },
  index: { type: "string" },
  "es-url": { type: "string" },
  "es-index": { type: "string" },
  "es-api-key": { type: "string" },
  "es-username": { type: "string" },
  "es-password": { type: "string" },
  "es-ca": { type: "string" },
};

/** Options of `search` and `eval`. */
export const SEARCH_OPTIONS: Record<string, OptionSpec> = {
  k: { type: "string" },
  from: { type: "string" },
  legs: { type: "string" },
  exact: { type: "boolean" },
  ef: { type: "string" },
  "sparse-algorithm": { type: "string" },
  "sparse-alpha": { type: "string" },
  "sparse-max-terms": { type: "string" },
  "sparse-term-mass": { type: "string" },
  candidates: { type: "string" },
  fusion: { type: "string" },
  "rank-constant": { type: "string" },
  weights: { type: "string" },
  normalize: { type: "string" },
  "no-completion": { type: "boolean" },
  filter: { type: "string" },
  "min-score": { type: "string" },
  "min-sparse": { type: "string" },
  "min-dense": { type: "string" },
  autocut: { type: "string" },
  relative: { type: "string" },
  "min-hits": { type: "string" },
  "max-hits": { type: "string" },
  calibration: { type: "string" },
  "no-calibration": { type: "boolean" },
  "min-probability": { type: "string" },
  config: { type: "string" },
  explain: { type: "boolean" },
  "encode-sparse": { type: "string" },
  "encode-dense": { type: "string" },
  quiet: { type: "boolean" },
};

export const SEARCH_HELP = `Search options:
  --k N                      hits per query (default 10)
  --from N                   hits to skip, for pagination (default 0)
  --legs sparse,dense,text   which legs run (default: every leg the query has data for)
  --exact                    exact top candidates in every leg (no ANN approximation)
  --ef N                     HNSW candidate list size for the dense leg (default 100; at least --candidates)
  --sparse-algorithm exhaustive|maxscore|blockmax|auto
                             how the sparse leg finds its top candidates (default auto: by segment
                             size); all exact, with the same hits and scores
  --sparse-alpha A           approximate sparse retrieval: skip blocks whose bound × A does not beat
                             the k-th score (0 < A ≤ 1; 1 is exact)
  --sparse-max-terms N       approximate: only the query's N heaviest sparse terms bound blocks
  --sparse-term-mass M       approximate: only the heaviest query terms holding M of its weight
                             (0 < M ≤ 1) bound blocks
  --candidates N             hits retrieved per leg before fusion: the window every page is cut
                             from (default 100; one leg without relevance options or calibration:
                             --from + --k); --from + --k must not exceed it
  --fusion rrf|convex|dbsf   fusion method (default convex)
  --rank-constant N          RRF constant (default 60)
  --weights sparse=1,dense=1 per-leg weights (default 1 each)
  --normalize minmax|zscore|tmm|l2|none   normalizer for convex (default zscore)
  --no-completion            do not complete missing leg scores from the other legs
  --config <file>            fusion settings written by "tandem tune" (method, normalizer, weights,
                             RRF constant, candidates); the options above override them
  --filter '<json>'          filter applied to every query, ANDed with the query's own
  --min-score X              drop hits whose fused score is below X
  --min-sparse X             drop hits whose raw sparse score is below X
  --min-dense X              drop hits whose raw dense similarity is below X
  --relative R               keep hits scoring at least lowest + R × (top − lowest) (0 < R ≤ 1)
  --autocut N                cut the list before the N-th peak of its score curve (Weaviate's autocut)
  --calibration <model.json> a calibration model from "tandem calibrate": every hit gets
                             "probability", P(relevant) (default: the model stored in the index, if any)
  --no-calibration           ignore the model stored in the index
  --min-probability P        drop hits whose calibrated probability is below P (0 to 1)
  --min-hits N / --max-hits N  bounds on the hits kept by relevance filtering
  --explain                  add per-hit explanations, the dropped hits and where score completion got its scores
  --encode-sparse bm25       give queries without "sparse" BM25 weights from their text, with the
                             model stored in the index by "tandem index --encode-sparse bm25"
  --encode-sparse <dir>      ...or SPLADE weights from a masked-LM model directory (transformers.js)
  --encode-dense <dir>       give queries without "dense" an embedding from a model directory
  --quiet                    no progress bar while encoding (shown on stderr only when it is a terminal)`;

export type ParsedValues = Record<string, string | boolean | undefined>;

function str(values: ParsedValues, name: string): string | undefined {
  const v = values[name];
  return typeof v === "string" ? v : undefined;
}

/** A numeric option, or undefined when absent. */
export function numberOption(values: ParsedValues, name: string, integer = false): number | undefined {
  const raw = str(values, name);
  if (raw === undefined) return undefined;
  const n = Number(raw);
  if (raw.trim() === "" || !Number.isFinite(n) || (integer && !Number.isInteger(n))) {
    throw new UsageError(`--${name}: expected ${integer ? "an integer" : "a number"}, got "${raw}"`);
  }
  return n;
}

function parseLegs(raw: string): LegName[] {
  const legs = raw.split(",").map((s) => s.trim()).filter(Boolean);
  for (const leg of legs) if (!["sparse", "dense", "text"].includes(leg)) throw new UsageError(`--legs: unknown leg "${leg}" (use sparse, dense, text)`);
  return legs as LegName[];
}

function parseWeights(raw: string): Partial<Record<LegName, number>> {
  const weights: Partial<Record<LegName, number>> = {};
  for (const part of raw.split(",").filter(Boolean)) {
    const [leg, value] = part.split("=");
    const w = Number(value);
    if (!leg || !["sparse", "dense", "text"].includes(leg.trim()) || value === undefined || !Number.isFinite(w) || w < 0) {
      throw new UsageError(`--weights: expected leg=weight pairs like sparse=1,dense=0.5, got "${part}"`);
    }
    weights[leg.trim() as LegName] = w;
  }
  return weights;
}

/** The filter given with --filter, validated. */
export function filterOption(values: ParsedValues): Filter | undefined {
  const raw = str(values, "filter");
  if (raw === undefined) return undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch (err) {
    throw new UsageError(`--filter: not valid JSON (${(err as Error).message})`);
  }
  return validateFilter(parsed, "--filter");
}

/** The query options the command line sets for every query. */
export function searchDefaults(values: ParsedValues): Omit<SearchQuery, "text" | "sparse" | "dense" | "filter"> & { filter?: Filter } {
  const calibration = calibrationOption(values);
  const configFile = str(values, "config");
  const config: SearchConfig | undefined = configFile === undefined ? undefined : parseSearchConfig(readOptionFile(configFile, "--config"), configFile);
  const tuned = config?.fusion ?? {};
  const legs = str(values, "legs");
  const weights = str(values, "weights");
  const k = numberOption(values, "k", true);
  const from = numberOption(values, "from", true);
  const candidates = numberOption(values, "candidates", true) ?? config?.candidates;
  // Without --candidates the window depends on each query's legs (one leg alone retrieves the page):
  // the index's check of every query line, before any runs, refuses a page past it.
  if (candidates !== undefined) checkPageWindow(from ?? 0, k ?? 10, candidates);
  const defaults = {
    k,
    from,
    legs: legs === undefined ? undefined : parseLegs(legs),
    exact: values.exact === true,
    ef: numberOption(values, "ef", true),
    sparseAlgorithm: str(values, "sparse-algorithm") as SparseAlgorithm | undefined,
    sparsePruning: sparsePruningOption(values),
    candidates,
    filter: filterOption(values),
    fusion: {
      method: (str(values, "fusion") as FusionMethod | undefined) ?? tuned.method,
      rankConstant: numberOption(values, "rank-constant") ?? tuned.rankConstant,
      weights: weights === undefined ? tuned.weights : parseWeights(weights),
      normalize: (str(values, "normalize") as Normalizer | undefined) ?? tuned.normalize,
      completion: values["no-completion"] !== true && tuned.completion !== false,
    },
    relevance: {
      minScore: numberOption(values, "min-score"),
      minSparse: numberOption(values, "min-sparse"),
      minDense: numberOption(values, "min-dense"),
      relative: numberOption(values, "relative"),
      autocut: numberOption(values, "autocut", true),
      minHits: numberOption(values, "min-hits", true),
      maxHits: numberOption(values, "max-hits", true),
      minProbability: numberOption(values, "min-probability"),
    },
    ...(calibration === undefined ? {} : { calibration }),
    explain: values.explain === true,
  };
  checkOptions(defaults);
  return defaults;
}

/** `--sparse-alpha`, `--sparse-max-terms`, `--sparse-term-mass` as pruning options, or undefined when none is given. */
function sparsePruningOption(values: ParsedValues): SparsePruning | undefined {
  const pruning: SparsePruning = {};
  const alpha = numberOption(values, "sparse-alpha");
  const maxTerms = numberOption(values, "sparse-max-terms", true);
  const termMass = numberOption(values, "sparse-term-mass");
  if (alpha !== undefined) pruning.alpha = alpha;
  if (maxTerms !== undefined) pruning.maxTerms = maxTerms;
  if (termMass !== undefined) pruning.termMass = termMass;
  return Object.keys(pruning).length > 0 ? pruning : undefined;
}

/**
 * `--calibration <file>` read as a model, `--no-calibration` as false (the index's stored model
 * is not used), else undefined (the index's stored model, if any).
 */
function calibrationOption(values: ParsedValues): CalibrationModel | false | undefined {
  const file = str(values, "calibration");
  if (values["no-calibration"] === true) {
    if (file !== undefined) throw new UsageError("--calibration and --no-calibration exclude each other");
    if (str(values, "min-probability") !== undefined) throw new UsageError("--min-probability needs a calibration model, and --no-calibration turns it off");
    return false;
  }
  if (file === undefined) return undefined;
  return CalibrationModel.parse(readOptionFile(file, "--calibration"), file);
}

/** A file an option names, as text; a missing or unreadable file is an input error naming both. */
export function readOptionFile(file: string, option: string): string {
  try {
    return withoutBom(readFileSync(file, "utf8"));
  } catch (err) {
    throw new InvalidInputError(`${option} ${file}: cannot read the file (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`);
  }
}

/**
 * Checks the options once, on a stand-in query, so a bad value is reported as the option's
 * mistake rather than as one of every query line.
 */
function checkOptions(defaults: Omit<SearchQuery, "text" | "sparse" | "dense">): void {
  // Without --calibration, a model stored in the index may serve --min-probability: the index's
  // own check of each query decides.
  const stored = defaults.calibration === undefined ? () => STAND_IN_MODEL : undefined;
  try {
    // The stand-in's legs are not a query's: the default window is left to each query's own check.
    const candidates = defaults.candidates ?? MAX_HITS;
    resolveQuery({ ...defaults, candidates, text: "options", sparse: { options: 1 } }, { dimension: null, metric: "cosine", textLeg: true, defaultCalibration: stored }, "command-line options");
  } catch (err) {
    if (err instanceof TandemError) throw new UsageError(err.message);
    throw err;
  }
}

const STAND_IN_MODEL = CalibrationModel.from({ format: "tandem-calibration", version: 1, features: [], mean: [], scale: [], weights: [], intercept: 0 }, "stand-in");

/**
 * Refuses a page that reaches past the fusion window, naming the options: every page must be a
 * slice of the ranking of the same `--candidates` hits per leg. `what` says who needs the hits.
 * Values out of range are left to the query's own validation.
 */
export function checkPageWindow(from: number, k: number, candidates: number | undefined, what = `--from ${from} + --k ${k}`): void {
  const window = candidates ?? DEFAULT_CANDIDATES;
  const valid = (n: number, min: number) => Number.isInteger(n) && n >= min && n <= MAX_HITS;
  if (valid(from, 0) && valid(k, 1) && valid(window, 1) && from + k > window) {
    throw new UsageError(
      `${what} needs ${from + k} hits per query, more than --candidates ${window}${candidates === undefined ? " (the default)" : ""}, the hits each leg retrieves before fusion: give --candidates ${from + k} or more`,
    );
  }
}

/** Combines a query line with the command-line options; a query's own filter is ANDed with --filter. */
export function buildQuery(record: Record<string, unknown>, defaults: ReturnType<typeof searchDefaults>, where: string): SearchQuery {
  const own = record.filter === undefined || record.filter === null ? undefined : validateFilter(record.filter, where);
  const filter = own && defaults.filter ? both(defaults.filter, own) : (own ?? defaults.filter);
  return {
    ...defaults,
    text: record.text as string | undefined,
    sparse: record.sparse as SearchQuery["sparse"],
    dense: record.dense as SearchQuery["dense"],
    filter,
  };
}

/**
 * Both filters ANDed. An `and` side contributes its clauses rather than nesting inside another
 * `and`, so combining adds no level of nesting when either side is one (the depth limit applies to
 * the combination).
 */
function both(a: Filter, b: Filter): Filter {
  const clauses = (f: Filter): Filter[] => ("and" in f ? f.and : [f]);
  return { and: [...clauses(a), ...clauses(b)] };
}
