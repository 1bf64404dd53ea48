import { DEFAULT_CANDIDATES } from "../engine/resolve-query.js";
import type { SearchIndex } from "../engine/search-index.js";
import { buildCandidatePool, fillCompletedScores, missingScores, type CandidatePool, type RetrievedLeg } from "../fusion/candidate-pool.js";
import { fuse, type ResolvedFusion } from "../fusion/fuse.js";
import type { FusionOptions, LegName, Normalizer } from "../types.js";
import type { LabelledQuery } from "./calibrate.js";
import { ndcgAt, type Judged } from "./metrics.js";
import type { Qrels } from "./qrels.js";
import { foldAssignment, seededRandom } from "./seeded-random.js";
import type { SearchConfig } from "./search-config.js";

/** One query's legs, retrieved once at the largest `candidates`, with exact scores for every candidate. */
export interface TuningQuery {
  id: string;
  judged: Judged;
  legs: RetrievedLeg[];
  /** Per score-based leg: exact score of candidates it did not retrieve (undefined: none). */
  completions: Map<LegName, Map<string, number | undefined>>;
}

/** A configuration `tune` tries. */
export interface TuningConfig {
  fusion: Required<Pick<FusionOptions, "method">> & FusionOptions;
  candidates: number;
}

/** What `tune` measured for one configuration. */
export interface TunedConfig extends TuningConfig {
  /** A short description, e.g. "convex zscore, dense 1.5, text 0.1, candidates 100". */
  label: string;
  /** Mean nDCG@10 over the queries. */
  mean: number;
  /** 95% bootstrap confidence interval of the mean (percentiles of resampled queries). */
  ci: [number, number];
}

/** Options of {@link tune}. */
export interface TuneOptions {
  /** Folds of the cross-validation. Default 5. */
  folds?: number;
  /** Bootstrap resamples for the confidence intervals. Default 1000. */
  bootstrap?: number;
  /** Seed of folds and resamples. Default 1. */
  seed?: number;
  /** Fusion windows tried. Default 100, 200 and 300. */
  candidates?: readonly number[];
  /** RRF constants tried. Default 5, 10, 20, 40, 60, 100. */
  rankConstants?: readonly number[];
  /** Dense weights tried (sparse stays 1 when both run). Default 0.5 to 2.5 in steps of 0.25. */
  denseWeights?: readonly number[];
  /** Text weights tried when the text leg runs. Default 0, 0.05, 0.1, 0.2, 0.3, 0.5, 1. */
  textWeights?: readonly number[];
  /** Normalizers tried for convex fusion. Default minmax, zscore, tmm, l2. */
  normalizers?: readonly Normalizer[];
  /**
   * How the configuration is picked: `best`, the best mean; `smoothed`, the best mean over the
   * configuration and its neighbours in the weight grid (same method, settings and window; dense
   * and text weights each at most one step away), which prefers a broad optimum to a narrow peak
   * that may be noise; `auto` (default), whichever of the two the k-fold cross-validation on the
   * judged queries scores higher (`best` on a tie).
   */
  selection?: "auto" | "best" | "smoothed";
}

/** The default grid: every setting `tune` tries unless told otherwise. */
export const TUNE_GRID = {
  candidates: [100, 200, 300],
  rankConstants: [5, 10, 20, 40, 60, 100],
  denseWeights: [0.5, 0.75, 1, 1.25, 1.5, 1.75, 2, 2.5],
  textWeights: [0, 0.05, 0.1, 0.2, 0.3, 0.5, 1],
  normalizers: ["minmax", "zscore", "tmm", "l2"] as Normalizer[],
} as const;

/** What {@link tune} returns. */
export interface TuneResult {
  /** The configuration with the best mean nDCG@10 over every query. */
  chosen: TunedConfig;
  /** Every configuration, best mean first. */
  configs: TunedConfig[];
  /**
   * k-fold cross-validation of the choice itself, by the selection rule used: per fold, the
   * configuration that rule picks on the other folds and its nDCG@10 on the held-out fold; `mean`
   * over the held-out queries. `rules`: that mean for each rule.
   */
  crossValidation: { folds: number; mean: number; perFold: { chosen: string; heldOut: number; queries: number }[]; rules: { best: number; smoothed: number } };
  /** The selection rule used (see {@link TuneOptions.selection}). */
  selection: "best" | "smoothed";
  queries: number;
  legs: LegName[];
}

/**
 * Retrieves every judged query's legs once at the largest window (each leg alone, k =
 * candidates) and the exact score of every candidate in every score-based leg (`explain: { ids }`),
 * through the public search API, so it runs on any backend. Each configuration is then fused in
 * process by the pipeline's own fusion code — for exact legs, the same ranking `search` gives.
 */
export async function collectTuningQueries(index: SearchIndex, queries: readonly LabelledQuery[], qrels: Qrels, window: number): Promise<{ queries: TuningQuery[]; legs: LegName[] }> {
  const metric = (await index.stats()).metric;
  const out: TuningQuery[] = [];
  const allLegs = new Set<LegName>();
  for (const q of queries) {
    const judged = qrels.get(q.id);
    if (!judged) continue;
    const base = { ...q.query, k: window, candidates: window, from: 0, relevance: undefined, calibration: false as const, explain: false, fusion: undefined };
    const { legs } = await index.search({ ...base, k: 1 });
    const retrieved: RetrievedLeg[] = [];
    for (const leg of legs) {
      allLegs.add(leg);
      const { hits } = await index.search({ ...base, legs: [leg] });
      const kind = leg === "sparse" ? "impact" : leg === "dense" ? "similarity" : "rank-only";
      retrieved.push({
        leg,
        kind,
        hits: hits.map((h) => (kind === "rank-only" ? { id: h.id, rank: h.legs[leg]!.rank! } : { id: h.id, score: h.legs[leg]!.score! })),
        ...(leg === "sparse" ? { theoreticalMin: 0 } : leg === "dense" && metric === "cosine" ? { theoreticalMin: -1 } : {}),
      });
    }
    const union = [...new Set(retrieved.flatMap((l) => l.hits.map((h) => h.id)))];
    const completions = new Map<LegName, Map<string, number | undefined>>();
    const scoreLegs = retrieved.filter((l) => l.kind !== "rank-only");
    if (scoreLegs.length > 1) {
      const { explainIds = [] } = await index.search({ ...base, legs: scoreLegs.map((l) => l.leg), k: 1, explain: { ids: union } });
      for (const l of scoreLegs) completions.set(l.leg, new Map(explainIds.map((e) => [e.id, e.legs[l.leg]?.score])));
    }
    out.push({ id: q.id, judged, legs: retrieved, completions });
  }
  return { queries: out, legs: (["sparse", "dense", "text"] as const).filter((l) => allLegs.has(l)) };
}

/** The configurations tried for these legs. */
export function tuningGrid(legs: readonly LegName[], options: TuneOptions = {}): TuningConfig[] {
  const candidates = options.candidates ?? TUNE_GRID.candidates;
  const dense = legs.includes("dense") && legs.length > 1 ? (options.denseWeights ?? TUNE_GRID.denseWeights) : [1];
  const text = legs.includes("text") && legs.length > 1 ? (options.textWeights ?? TUNE_GRID.textWeights) : [1];
  const weightSets: Partial<Record<LegName, number>>[] = [];
  for (const d of dense) {
    for (const t of text) {
      const w: Partial<Record<LegName, number>> = {};
      if (legs.includes("sparse")) w.sparse = 1;
      if (legs.includes("dense")) w.dense = d;
      if (legs.includes("text")) w.text = t;
      weightSets.push(w);
    }
  }
  const fusions: TuningConfig["fusion"][] = [];
  for (const weights of weightSets) {
    for (const rankConstant of options.rankConstants ?? TUNE_GRID.rankConstants) fusions.push({ method: "rrf", rankConstant, weights });
    for (const normalize of options.normalizers ?? TUNE_GRID.normalizers) fusions.push({ method: "convex", normalize, weights });
    fusions.push({ method: "dbsf", weights });
  }
  return candidates.flatMap((c) => fusions.map((fusion) => ({ fusion, candidates: c })));
}

/** "convex zscore, dense 1.5, text 0.1, candidates 100". */
export function configLabel(c: TuningConfig): string {
  const f = c.fusion;
  const method = f.method === "rrf" ? `rrf k ${f.rankConstant ?? 60}` : f.method === "convex" ? `convex ${f.normalize ?? "zscore"}` : "dbsf";
  const weights = Object.entries(f.weights ?? {}).filter(([leg]) => leg !== "sparse").map(([leg, w]) => `${leg} ${w}`);
  return [method, ...weights, `candidates ${c.candidates}`].join(", ");
}

/** The resolved fusion settings of a configuration. */
function resolvedFusion(config: TuningConfig): ResolvedFusion {
  return {
    method: config.fusion.method,
    normalize: config.fusion.normalize ?? "zscore",
    rankConstant: config.fusion.rankConstant ?? 60,
    weights: { sparse: 1, dense: 1, text: 1, ...config.fusion.weights },
    completion: config.fusion.completion ?? true,
  };
}

/**
 * A query's candidate pool for a window (each leg's list cut to it), every missing score of a
 * score-based leg completed, as the pipeline completes them. One pool serves every configuration:
 * RRF reads only ranks, and fusion without completion leaves completed scores out.
 */
function completedPool(q: TuningQuery, window: number): CandidatePool {
  const pool = buildCandidatePool(q.legs.map((l) => ({ ...l, hits: l.hits.slice(0, window) })));
  if (pool.legs.length > 1) {
    for (const leg of pool.legs) {
      const scores = q.completions.get(leg.leg);
      if (!scores) continue;
      const missing = missingScores(leg, pool.ids);
      fillCompletedScores(leg, missing.positions, missing.ids.map((id) => scores.get(id)));
    }
  }
  return pool;
}

/** nDCG@10 of every query (columns) under every configuration (rows). */
export function gridScores(queries: readonly TuningQuery[], grid: readonly TuningConfig[]): Float64Array[] {
  const out = grid.map(() => new Float64Array(queries.length));
  const fusions = grid.map(resolvedFusion);
  const windows = [...new Set(grid.map((c) => c.candidates))];
  queries.forEach((q, j) => {
    for (const window of windows) {
      const pool = completedPool(q, window);
      grid.forEach((config, g) => {
        if (config.candidates !== window) return;
        const fused = fuse(pool, fusions[g]!);
        out[g]![j] = ndcgAt(fused.order.slice(0, 10).map((i) => pool.ids[i]!), q.judged, 10);
      });
    }
  });
  return out;
}

/**
 * Searches fusion method, normalizer, weights, RRF constant and window on judged queries: every
 * configuration's mean nDCG@10 with a bootstrap confidence interval, k-fold cross-validation of
 * picking the best, and the configuration best over every query.
 */
export function tune(collected: { queries: TuningQuery[]; legs: LegName[] }, options: TuneOptions = {}): TuneResult {
  const queries = collected.queries.filter((q) => [...q.judged.values()].some((g) => g > 0));
  const n = queries.length;
  const grid = tuningGrid(collected.legs, options);
  const scores = gridScores(queries, grid);
  const mean = (s: Float64Array, pick?: (i: number) => boolean) => {
    let sum = 0;
    let count = 0;
    for (let i = 0; i < s.length; i++) {
      if (pick && !pick(i)) continue;
      sum += s[i]!;
      count++;
    }
    return count === 0 ? 0 : sum / count;
  };
  // One set of resamples for every configuration, so their intervals are comparable.
  const resamples = options.bootstrap ?? 1000;
  const rand = seededRandom(options.seed ?? 1);
  const draws = new Int32Array(resamples * n);
  for (let i = 0; i < draws.length; i++) draws[i] = Math.floor(rand() * n);
  const configs: TunedConfig[] = grid.map((config, c) => {
    const s = scores[c]!;
    const means = new Float64Array(resamples);
    for (let r = 0; r < resamples; r++) {
      let sum = 0;
      for (let i = 0; i < n; i++) sum += s[draws[r * n + i]!]!;
      means[r] = sum / n;
    }
    means.sort();
    const at = (p: number) => means[Math.min(resamples - 1, Math.max(0, Math.round(p * (resamples - 1))))]!;
    return { ...config, label: configLabel(config), mean: mean(s), ci: [at(0.025), at(0.975)] };
  });
  const neighbours = weightNeighbours(grid);
  // The configuration a rule picks from the queries `pick` keeps.
  const choose = (rule: "best" | "smoothed", pick?: (i: number) => boolean) => {
    const means = scores.map((s) => mean(s, pick));
    const value = rule === "best" ? means : neighbours.map((list) => list.reduce((sum, c) => sum + means[c]!, 0) / list.length);
    let b = 0;
    for (let c = 1; c < value.length; c++) if (value[c]! > value[b]! + 1e-12) b = c;
    return b;
  };
  const folds = Math.max(2, Math.min(options.folds ?? 5, n));
  const fold = foldAssignment(n, folds, options.seed ?? 1);
  const crossValidate = (rule: "best" | "smoothed") => {
    const perFold = [];
    let heldOutSum = 0;
    for (let f = 0; f < folds; f++) {
      const c = choose(rule, (i) => fold[i] !== f);
      const heldOut = mean(scores[c]!, (i) => fold[i] === f);
      const count = fold.filter((x) => x === f).length;
      heldOutSum += heldOut * count;
      perFold.push({ chosen: configs[c]!.label, heldOut, queries: count });
    }
    return { mean: n === 0 ? 0 : heldOutSum / n, perFold };
  };
  const cv = { best: crossValidate("best"), smoothed: crossValidate("smoothed") };
  const requested = options.selection ?? "auto";
  const selection = requested !== "auto" ? requested : cv.smoothed.mean > cv.best.mean + 1e-12 ? "smoothed" : "best";
  const chosen = configs[choose(selection)]!;
  return {
    chosen,
    configs: [...configs].sort((a, b) => b.mean - a.mean),
    crossValidation: { folds, mean: cv[selection].mean, perFold: cv[selection].perFold, rules: { best: cv.best.mean, smoothed: cv.smoothed.mean } },
    selection,
    queries: n,
    legs: collected.legs,
  };
}

/**
 * Per configuration, the configurations of its neighbourhood in the weight grid, itself included:
 * the same method, normalizer, RRF constant and window, the dense and text weights each equal or
 * one step away in the grid's sorted weights.
 */
function weightNeighbours(grid: readonly TuningConfig[]): number[][] {
  const weight = (c: TuningConfig, leg: LegName) => c.fusion.weights?.[leg] ?? 1;
  const steps = (leg: LegName) => [...new Set(grid.map((c) => weight(c, leg)))].sort((a, b) => a - b);
  const dense = steps("dense");
  const text = steps("text");
  const rest = (c: TuningConfig) => [c.fusion.method, c.fusion.normalize ?? "", c.fusion.rankConstant ?? "", c.candidates, weight(c, "sparse")].join("|");
  const at = new Map(grid.map((c, i) => [`${rest(c)}|${dense.indexOf(weight(c, "dense"))}|${text.indexOf(weight(c, "text"))}`, i]));
  return grid.map((c) => {
    const d = dense.indexOf(weight(c, "dense"));
    const t = text.indexOf(weight(c, "text"));
    const out: number[] = [];
    for (let a = d - 1; a <= d + 1; a++) {
      for (let b = t - 1; b <= t + 1; b++) {
        const i = at.get(`${rest(c)}|${a}|${b}`);
        if (i !== undefined) out.push(i);
      }
    }
    return out;
  });
}

/** The configuration file `search`, `eval` and the library accept for a tuned configuration. */
export function tunedSearchConfig(result: TuneResult): SearchConfig {
  const f = result.chosen.fusion;
  const fusion: FusionOptions = { method: f.method, weights: { ...f.weights } };
  if (f.method === "rrf") fusion.rankConstant = f.rankConstant ?? 60;
  if (f.method === "convex") fusion.normalize = f.normalize ?? "zscore";
  return {
    format: "tandem-config",
    version: 1,
    fusion,
    candidates: result.chosen.candidates ?? DEFAULT_CANDIDATES,
    tuning: {
      label: result.chosen.label,
      queries: result.queries,
      legs: result.legs,
      ndcg10: result.chosen.mean,
      ci95: result.chosen.ci,
      crossValidated: result.crossValidation.mean,
      selection: result.selection,
      configurations: result.configs.length,
    },
  };
}
