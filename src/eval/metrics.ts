/**
 * Per-query metrics with trec_eval's definitions. `ranked` is the run's document ids best
 * first; `judged` maps document ids to grades, where a grade ≥ 1 is relevant and gains are the
 * grades themselves (trec_eval's ndcg, as BEIR reports it).
 */
export type Judged = ReadonlyMap<string, number>;

/** nDCG@k: Σ gain / log2(rank + 1) over the top k, divided by the same for the ideal ranking. */
export function ndcgAt(ranked: readonly string[], judged: Judged, k: number): number {
  let dcg = 0;
  for (let i = 0; i < Math.min(k, ranked.length); i++) {
    const gain = judged.get(ranked[i]!) ?? 0;
    if (gain > 0) dcg += gain / Math.log2(i + 2);
  }
  const ideal = [...judged.values()].filter((g) => g > 0).sort((a, b) => b - a);
  let idcg = 0;
  for (let i = 0; i < Math.min(k, ideal.length); i++) idcg += ideal[i]! / Math.log2(i + 2);
  return idcg > 0 ? dcg / idcg : 0;
}

/** Recall@k: relevant documents in the top k over all relevant documents. */
export function recallAt(ranked: readonly string[], judged: Judged, k: number): number {
  const relevant = countRelevant(judged);
  if (relevant === 0) return 0;
  let found = 0;
  for (let i = 0; i < Math.min(k, ranked.length); i++) if ((judged.get(ranked[i]!) ?? 0) > 0) found++;
  return found / relevant;
}

/** Reciprocal rank of the first relevant document within the top k (0 if none). */
export function reciprocalRankAt(ranked: readonly string[], judged: Judged, k: number): number {
  for (let i = 0; i < Math.min(k, ranked.length); i++) if ((judged.get(ranked[i]!) ?? 0) > 0) return 1 / (i + 1);
  return 0;
}

/** Average precision over the whole ranking: Σ precision at each relevant hit / all relevant. */
export function averagePrecision(ranked: readonly string[], judged: Judged): number {
  const relevant = countRelevant(judged);
  if (relevant === 0) return 0;
  let found = 0;
  let sum = 0;
  ranked.forEach((id, i) => {
    if ((judged.get(id) ?? 0) > 0) {
      found++;
      sum += found / (i + 1);
    }
  });
  return sum / relevant;
}

function countRelevant(judged: Judged): number {
  let n = 0;
  for (const g of judged.values()) if (g > 0) n++;
  return n;
}
