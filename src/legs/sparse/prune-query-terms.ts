import type { SparsePruning, SparseVector } from "../../types.js";

/**
 * The query tokens that count toward block bounds under `pruning`'s `maxTerms` and `termMass`:
 * tokens by weight, heaviest first (ties by token), cut after `maxTerms`, and after the smallest
 * prefix holding `termMass` of the total weight; the smaller cut applies. Undefined when every
 * token is kept (the search is then exact as far as terms go). @internal
 */
export function pruneQueryTerms(query: SparseVector, pruning: SparsePruning): Set<string> | undefined {
  if (pruning.maxTerms === undefined && pruning.termMass === undefined) return undefined;
  const entries: [string, number][] = [];
  for (const token of Object.keys(query)) {
    const weight = Math.fround(query[token]!);
    if (weight > 0) entries.push([token, weight]);
  }
  entries.sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
  let keep = Math.min(entries.length, pruning.maxTerms ?? entries.length);
  if (pruning.termMass !== undefined) {
    let total = 0;
    for (const [, w] of entries) total += w;
    let sum = 0;
    let n = 0;
    while (n < entries.length && sum < pruning.termMass * total) sum += entries[n++]![1];
    keep = Math.min(keep, n);
  }
  return keep >= entries.length ? undefined : new Set(entries.slice(0, keep).map((e) => e[0]));
}
