/**
 * Recall@k of a run against reference rankings (ids, best first): for each query the share of the
 * reference's top k found in the run's top k, averaged over the queries whose reference is not
 * empty (a query no document matches has nothing to recall). NaN when no query counts.
 */
export function recallAtK(reference: readonly (readonly string[])[], run: readonly (readonly string[])[], k: number): number {
  if (reference.length !== run.length) throw new Error(`recall@${k}: ${reference.length} reference rankings but ${run.length} in the run`);
  let sum = 0;
  let counted = 0;
  for (let q = 0; q < reference.length; q++) {
    const truth = new Set(reference[q]!.slice(0, k));
    if (truth.size === 0) continue;
    let found = 0;
    for (const id of new Set(run[q]!.slice(0, k))) if (truth.has(id)) found++;
    sum += found / truth.size;
    counted++;
  }
  return counted === 0 ? Number.NaN : sum / counted;
}
