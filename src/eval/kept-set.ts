import type { Run } from "./evaluate-run.js";
import type { Qrels } from "./qrels.js";

/** How good the set of hits relevance filtering kept is, as a set (order ignored). Means over queries. */
export interface KeptSetSummary {
  /** Relevant kept hits / kept hits; 0 for a query that kept nothing. */
  precision: number;
  /** Relevant kept hits / relevant documents of the query. */
  recall: number;
  /** Harmonic mean of the query's precision and recall (0 when both are 0), then averaged. */
  f1: number;
  /** Mean number of hits kept per query. */
  hits: number;
  /** Queries averaged over: those of `qrels` with a relevant document (grade > 0). */
  queries: number;
}

/**
 * Set precision, recall and F1 of each query's kept hits against its relevant documents, averaged
 * over the judged queries (macro average, as a per-query threshold is judged). A query missing
 * from the run kept nothing.
 */
export function keptSetMetrics(run: Run, qrels: Qrels): KeptSetSummary {
  const sums = { precision: 0, recall: 0, f1: 0, hits: 0 };
  let queries = 0;
  for (const [qid, judged] of qrels) {
    let relevant = 0;
    for (const grade of judged.values()) if (grade > 0) relevant++;
    if (relevant === 0) continue;
    queries++;
    const kept = run.get(qid) ?? [];
    let found = 0;
    for (const id of kept) if ((judged.get(id) ?? 0) > 0) found++;
    const precision = kept.length === 0 ? 0 : found / kept.length;
    const recall = found / relevant;
    sums.precision += precision;
    sums.recall += recall;
    sums.f1 += precision + recall === 0 ? 0 : (2 * precision * recall) / (precision + recall);
    sums.hits += kept.length;
  }
  const mean = (s: number) => (queries === 0 ? 0 : s / queries);
  return { precision: mean(sums.precision), recall: mean(sums.recall), f1: mean(sums.f1), hits: mean(sums.hits), queries };
}
