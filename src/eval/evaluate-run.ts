import { averagePrecision, ndcgAt, recallAt, reciprocalRankAt } from "./metrics.js";
import type { Qrels } from "./qrels.js";

/** A run: query id → document ids, best first. */
export type Run = ReadonlyMap<string, readonly string[]>;

/** Mean retrieval metrics over the judged queries, each from 0 to 1. */
export interface EvaluationSummary {
  /** nDCG@10 with graded gains (trec_eval's ndcg_cut_10). */
  "ndcg@10": number;
  /** Share of a query's relevant documents found in its top 100. */
  "recall@100": number;
  /** Mean reciprocal rank of the first relevant document in the top 10 (0 when none is). */
  "mrr@10": number;
  /** Mean average precision over the whole run. */
  map: number;
  /** Queries averaged over. */
  queries: number;
}

/**
 * Mean metrics over every query in `qrels` that has a relevant document. A query missing from
 * the run scores 0 on every metric (as `trec_eval -c`).
 */
export function evaluateRun(run: Run, qrels: Qrels): EvaluationSummary {
  const sums = { ndcg: 0, recall: 0, mrr: 0, map: 0 };
  let queries = 0;
  for (const [qid, judged] of qrels) {
    if (![...judged.values()].some((g) => g > 0)) continue;
    queries++;
    const ranked = run.get(qid) ?? [];
    sums.ndcg += ndcgAt(ranked, judged, 10);
    sums.recall += recallAt(ranked, judged, 100);
    sums.mrr += reciprocalRankAt(ranked, judged, 10);
    sums.map += averagePrecision(ranked, judged);
  }
  const mean = (s: number) => (queries === 0 ? 0 : s / queries);
  return { "ndcg@10": mean(sums.ndcg), "recall@100": mean(sums.recall), "mrr@10": mean(sums.mrr), map: mean(sums.map), queries };
}
