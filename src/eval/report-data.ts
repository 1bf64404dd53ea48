import type { SearchHit } from "../types.js";
import { bootstrapInterval } from "./bootstrap.js";
import type { Run } from "./evaluate-run.js";
import { evaluateRun } from "./evaluate-run.js";
import type { ReportRun, ReportThreshold } from "./html-report.js";
import { keptSetMetrics } from "./kept-set.js";
import { ndcgAt } from "./metrics.js";
import type { Qrels } from "./qrels.js";

/** A run's metrics with a bootstrap interval of its nDCG@10 over the judged queries. */
export function reportRun(label: string, run: Run, qrels: Qrels): ReportRun {
  const judged = new Map([...qrels].filter(([qid, j]) => run.has(qid) && [...j.values()].some((g) => g > 0)));
  const perQuery = [...judged].map(([qid, j]) => ndcgAt(run.get(qid) ?? [], j, 10));
  const summary = evaluateRun(run, judged);
  return { label, ...summary, ci: bootstrapInterval(perQuery) };
}

/**
 * The kept set of each query's returned hits at each threshold: on the calibrated probability when
 * every hit has one, else on the relative score (keep hits scoring at least lowest + r × (top −
 * lowest) of the query's list, as `relative` does).
 */
export function thresholdPoints(hits: ReadonlyMap<string, readonly SearchHit[]>, qrels: Qrels): { on: string; points: ReportThreshold[] } {
  const calibrated = [...hits.values()].every((list) => list.every((h) => h.probability !== undefined)) && [...hits.values()].some((l) => l.length > 0);
  const thresholds = Array.from({ length: calibrated ? 99 : 20 }, (_, i) => (calibrated ? (i + 1) / 100 : (i + 1) / 20));
  const judged = new Map([...qrels].filter(([qid]) => hits.has(qid)));
  const points = thresholds.map((t) => {
    const run = new Map<string, string[]>();
    for (const [qid, list] of hits) {
      if (calibrated) {
        run.set(qid, list.filter((h) => h.probability! >= t).map((h) => h.id));
      } else {
        const top = list[0]?.score ?? 0;
        const bottom = list[list.length - 1]?.score ?? 0;
        run.set(qid, list.filter((h) => h.score - bottom >= t * (top - bottom)).map((h) => h.id));
      }
    }
    const kept = keptSetMetrics(run, judged);
    return { threshold: t, precision: kept.precision, recall: kept.recall, f1: kept.f1, hits: kept.hits };
  });
  return { on: calibrated ? "probability" : "relative score", points };
}

/** Every returned hit's raw score per score-based leg, labelled relevant or not. */
export function legScores(hits: ReadonlyMap<string, readonly SearchHit[]>, qrels: Qrels): { leg: string; relevant: boolean; score: number }[] {
  const out: { leg: string; relevant: boolean; score: number }[] = [];
  for (const [qid, list] of hits) {
    const judged = qrels.get(qid);
    for (const h of list) {
      for (const leg of ["sparse", "dense"] as const) {
        const s = h.legs[leg]?.score;
        if (s !== undefined) out.push({ leg, relevant: (judged?.get(h.id) ?? 0) > 0, score: s });
      }
    }
  }
  return out;
}
