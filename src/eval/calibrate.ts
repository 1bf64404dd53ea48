import { DEFAULT_CANDIDATES } from "../engine/resolve-query.js";
import type { SearchIndex } from "../engine/search-index.js";
import { calibrationError } from "../relevance/calibration-error.js";
import { CALIBRATION_FEATURES, calibrationFeatures, type CalibrationInput } from "../relevance/calibration-features.js";
import type { CalibrationModel } from "../relevance/calibration-model.js";
import { fitCalibrationModel, type CalibrationExamples } from "../relevance/fit-calibration.js";
import type { LegName, SearchHit, SearchQuery } from "../types.js";
import { keptSetMetrics, type KeptSetSummary } from "./kept-set.js";
import { recallAt } from "./metrics.js";
import type { Qrels } from "./qrels.js";
import { foldAssignment } from "./seeded-random.js";

/** A query with an id, as the CLI reads them. */
export interface LabelledQuery {
  id: string;
  query: SearchQuery;
}

/** One query's hits in a calibration data set: rows `start` to `start + count` of the examples. */
export interface CalibrationQueryHits {
  id: string;
  /** Hit ids in fused order. */
  ids: string[];
  start: number;
  count: number;
}

/** Labelled feature rows of every judged query's statistics window. */
export interface CalibrationData {
  examples: CalibrationExamples;
  queries: CalibrationQueryHits[];
  /** The judgements of the queries that ran. */
  qrels: Qrels;
  /** The legs that ran, over all queries. */
  legs: LegName[];
  /** Raw leg scores of every hit, for score distributions (NaN where none). */
  legScores: Partial<Record<LegName, Float64Array>>;
}

/**
 * Runs every judged query with k = candidates (no relevance filtering, no calibration) and turns
 * the hits into labelled calibration features — exactly the window the pipeline computes
 * statistics over, so a model fitted on them sees at search time what it saw here. Works on any
 * {@link SearchIndex} (embedded or Elasticsearch).
 */
export async function collectCalibrationData(index: SearchIndex, queries: readonly LabelledQuery[], qrels: Qrels): Promise<CalibrationData> {
  const d = CALIBRATION_FEATURES.length;
  const chunks: Float64Array[] = [];
  const labels: number[] = [];
  const hitsOf: CalibrationQueryHits[] = [];
  const legs = new Set<LegName>();
  const legScores: Record<LegName, number[]> = { sparse: [], dense: [], text: [] };
  let total = 0;
  for (const q of queries) {
    const judged = qrels.get(q.id);
    if (!judged) continue;
    const candidates = q.query.candidates ?? DEFAULT_CANDIDATES;
    const result = await index.search({ ...q.query, k: candidates, from: 0, relevance: undefined, calibration: false, explain: false });
    const input = inputFromHits(q.query, result.legs, result.hits, candidates);
    chunks.push(calibrationFeatures(input));
    for (const leg of result.legs) legs.add(leg);
    for (const h of result.hits) {
      labels.push((judged.get(h.id) ?? 0) > 0 ? 1 : 0);
      for (const leg of ["sparse", "dense", "text"] as const) legScores[leg].push(h.legs[leg]?.score ?? NaN);
    }
    hitsOf.push({ id: q.id, ids: result.hits.map((h) => h.id), start: total, count: result.hits.length });
    total += result.hits.length;
  }
  const rows = new Float64Array(total * d);
  let offset = 0;
  for (const c of chunks) {
    rows.set(c, offset);
    offset += c.length;
  }
  return {
    examples: { rows, labels: Uint8Array.from(labels), count: total },
    queries: hitsOf,
    qrels: new Map(hitsOf.map((q) => [q.id, qrels.get(q.id)!])),
    legs: (["sparse", "dense", "text"] as const).filter((l) => legs.has(l)),
    legScores: Object.fromEntries(Object.entries(legScores).filter(([leg]) => legs.has(leg as LegName)).map(([leg, v]) => [leg, Float64Array.from(v)])),
  };
}

/** The calibration input of a query's returned hits (in fused order): what `calibratePool` builds from the pool. */
export function inputFromHits(query: SearchQuery, legs: readonly LegName[], hits: readonly SearchHit[], window: number): CalibrationInput {
  const n = hits.length;
  const input: CalibrationInput = { sparse: query.sparse, text: query.text, legs, count: n, window, scores: {}, ranks: {} };
  for (const leg of legs) {
    const scores = new Float64Array(n);
    const ranks = new Int32Array(n);
    hits.forEach((h, i) => {
      scores[i] = h.legs[leg]?.score ?? NaN;
      ranks[i] = h.legs[leg]?.rank ?? 0;
    });
    input.scores[leg] = scores;
    input.ranks[leg] = ranks;
  }
  return input;
}

/** The kept set at one probability threshold. */
export interface ThresholdPoint {
  threshold: number;
  kept: KeptSetSummary;
  /** Recall@10 of the kept hits (relevant among the first 10 kept / relevant). */
  recallAt10: number;
}

/** Precision, recall and F1 of the kept set at each threshold, and the plain top 10 for reference. */
export interface ThresholdCurve {
  points: ThresholdPoint[];
  /** The top 10 without filtering, as a set. */
  top10: KeptSetSummary;
  /** Recall@10 without filtering. */
  recallAt10: number;
}

/** Thresholds 0.01, 0.02, …, 0.99. */
export const THRESHOLDS = Array.from({ length: 99 }, (_, i) => (i + 1) / 100);

/**
 * The kept set when each query keeps its hits with probability ≥ t (up to `depth`, in fused
 * order), for every t in `thresholds`.
 */
export function thresholdCurve(data: CalibrationData, probabilities: Float64Array, thresholds: readonly number[] = THRESHOLDS, depth = 100): ThresholdCurve {
  const plain = new Map<string, string[]>();
  for (const q of data.queries) plain.set(q.id, q.ids.slice(0, 10));
  const recall10 = (run: Map<string, string[]>) => {
    let sum = 0;
    let n = 0;
    for (const [qid, judged] of data.qrels) {
      if (![...judged.values()].some((g) => g > 0)) continue;
      n++;
      sum += recallAt(run.get(qid) ?? [], judged, 10);
    }
    return n === 0 ? 0 : sum / n;
  };
  const points = thresholds.map((threshold) => {
    const run = new Map<string, string[]>();
    for (const q of data.queries) {
      const kept: string[] = [];
      for (let i = 0; i < q.count && kept.length < depth; i++) if (probabilities[q.start + i]! >= threshold) kept.push(q.ids[i]!);
      run.set(q.id, kept);
    }
    return { threshold, kept: keptSetMetrics(run, data.qrels), recallAt10: recall10(run) };
  });
  return { points, top10: keptSetMetrics(plain, data.qrels), recallAt10: recall10(plain) };
}

/**
 * The threshold with the best kept-set F1 among those losing at most `maxRecallLoss` of
 * recall@10 against the unfiltered ranking (the lowest threshold when none does).
 */
export function chooseThreshold(curve: ThresholdCurve, maxRecallLoss: number): ThresholdPoint {
  let best: ThresholdPoint | undefined;
  for (const p of curve.points) {
    if (curve.recallAt10 - p.recallAt10 > maxRecallLoss + 1e-12) continue;
    if (!best || p.kept.f1 > best.kept.f1) best = p;
  }
  return best ?? curve.points[0]!;
}

/** Options of {@link calibrate}. */
export interface CalibrateOptions {
  /** Folds for the out-of-fold probabilities that choose the threshold and estimate ECE. Default 5. */
  folds?: number;
  /** Seed of the fold assignment. Default 1. */
  seed?: number;
  /** Recall@10 the chosen threshold may lose against the unfiltered ranking. Default 0.05. */
  maxRecallLoss?: number;
  /** Ridge penalty of the logistic regression. Default 1. */
  l2?: number;
}

/** What {@link calibrate} measured on the training queries, from out-of-fold probabilities. */
export interface CalibrationReport {
  queries: number;
  hits: number;
  relevantHits: number;
  legs: LegName[];
  folds: number;
  /** ECE and Brier score over every hit of the statistics windows. */
  ece: number;
  brier: number;
  /** ECE over each query's first 10 hits. */
  eceTop10: number;
  threshold: number;
  kept: KeptSetSummary;
  recallAt10: number;
  top10: KeptSetSummary;
  plainRecallAt10: number;
  /** Kept-set precision, recall and F1 at thresholds 0.1 … 0.9. */
  tradeoff: { threshold: number; precision: number; recall: number; f1: number; hits: number; recallAt10: number }[];
}

/**
 * Fits a calibration model on judged queries: features of every hit of each query's window,
 * labelled by the qrels, logistic regression. The threshold (kept-set F1 at most `maxRecallLoss`
 * recall@10 below the unfiltered ranking) and the reported figures come from out-of-fold
 * probabilities (each query scored by a model fitted without it); the model itself is fitted on
 * every query.
 */
export function calibrate(data: CalibrationData, options: CalibrateOptions = {}): { model: CalibrationModel; report: CalibrationReport } {
  const folds = Math.max(2, Math.min(options.folds ?? 5, data.queries.length));
  const fold = foldAssignment(data.queries.length, folds, options.seed ?? 1);
  const d = CALIBRATION_FEATURES.length;
  const oof = new Float64Array(data.examples.count);
  for (let f = 0; f < folds; f++) {
    const train = data.queries.filter((_, q) => fold[q] !== f);
    const test = data.queries.filter((_, q) => fold[q] === f);
    if (train.length === 0 || test.length === 0) continue;
    const model = fitCalibrationModel(subset(data.examples, train), { l2: options.l2 });
    for (const q of test) {
      const rows = data.examples.rows.subarray(q.start * d, (q.start + q.count) * d);
      oof.set(model.probabilities(rows, q.count), q.start);
    }
  }
  const curve = thresholdCurve(data, oof);
  const chosen = chooseThreshold(curve, options.maxRecallLoss ?? 0.05);
  const all = calibrationError(oof, data.examples.labels);
  const top: number[] = [];
  const topLabels: number[] = [];
  for (const q of data.queries) {
    for (let i = 0; i < Math.min(10, q.count); i++) {
      top.push(oof[q.start + i]!);
      topLabels.push(data.examples.labels[q.start + i]!);
    }
  }
  const report: CalibrationReport = {
    queries: data.queries.length,
    hits: data.examples.count,
    relevantHits: data.examples.labels.reduce((s, y) => s + y, 0),
    legs: data.legs,
    folds,
    ece: all.ece,
    brier: all.brier,
    eceTop10: calibrationError(top, topLabels).ece,
    threshold: chosen.threshold,
    kept: chosen.kept,
    recallAt10: chosen.recallAt10,
    top10: curve.top10,
    plainRecallAt10: curve.recallAt10,
    tradeoff: curve.points
      .filter((p) => Math.round(p.threshold * 100) % 10 === 0)
      .map((p) => ({ threshold: p.threshold, precision: p.kept.precision, recall: p.kept.recall, f1: p.kept.f1, hits: p.kept.hits, recallAt10: p.recallAt10 })),
  };
  const model = fitCalibrationModel(data.examples, {
    l2: options.l2,
    threshold: chosen.threshold,
    training: {
      queries: report.queries,
      relevantHits: report.relevantHits,
      legs: data.legs,
      outOfFold: { folds, ece: report.ece, eceTop10: report.eceTop10, brier: report.brier, threshold: report.threshold, kept: report.kept, recallAt10: report.recallAt10, top10: report.top10, plainRecallAt10: report.plainRecallAt10 },
    },
  });
  return { model, report };
}

/** The examples of some queries only. */
function subset(examples: CalibrationExamples, queries: readonly CalibrationQueryHits[]): CalibrationExamples {
  const d = CALIBRATION_FEATURES.length;
  const count = queries.reduce((s, q) => s + q.count, 0);
  const rows = new Float64Array(count * d);
  const labels = new Uint8Array(count);
  let at = 0;
  for (const q of queries) {
    rows.set(examples.rows.subarray(q.start * d, (q.start + q.count) * d), at * d);
    labels.set(examples.labels.subarray(q.start, q.start + q.count), at);
    at += q.count;
  }
  return { rows, labels, count };
}
