import type { CandidatePool } from "../fusion/candidate-pool.js";
import { compareIds, fuseOutsider, type FusionOutcome } from "../fusion/fuse.js";
import type { DroppedHit, IdExplanation, IdLegExplanation, LegName } from "../types.js";
import type { CompletionRequest, LegBackend } from "./leg-backend.js";
import type { ResolvedQuery } from "./resolve-query.js";

/** What the pipeline decided, for placing the requested ids in it. @internal */
export interface SearchOutcome {
  pool: CandidatePool;
  fused: FusionOutcome;
  /** Ids on the page of hits. */
  page: ReadonlySet<string>;
  dropped: readonly DroppedHit[];
}

/**
 * Explains each requested id ("why not this document?"): whether it exists and matches the
 * filter, each leg's rank and exact score (missing scores come from the backend's score
 * completion, in one call), its fused score and rank in the pool — or, outside the pool, the
 * ones it would have if added, with the pool's statistics — and what relevance filtering did.
 *
 * @internal
 */
export async function explainIds(backend: LegBackend, query: ResolvedQuery, ids: readonly string[], outcome: SearchOutcome): Promise<IdExplanation[]> {
  if (ids.length === 0) return [];
  const { pool, fused } = outcome;
  const located = await backend.locate(ids, query);
  const positionOf = new Map(pool.ids.map((id, i) => [id, i]));
  const fusedRank = new Int32Array(pool.ids.length);
  fused.order.forEach((p, n) => (fusedRank[p] = n + 1));

  // Exact scores the pool lacks, per score-based leg: one completion call for every leg and id.
  const requests: (CompletionRequest & { l: number })[] = [];
  pool.legs.forEach((leg, l) => {
    if (leg.kind === "rank-only") return;
    const missing = ids.filter((id, n) => {
      if (!located[n]!.matchesFilter) return false;
      const p = positionOf.get(id);
      return p === undefined || Number.isNaN(leg.scores[p]!);
    });
    if (missing.length > 0) requests.push({ leg: leg.leg as "sparse" | "dense", ids: missing, l });
  });
  const completed = requests.length === 0 ? [] : await backend.complete(requests.map(({ leg, ids }) => ({ leg, ids })), query);
  const completedScore = pool.legs.map(() => new Map<string, number | undefined>());
  requests.forEach((r, i) => {
    // As in score completion: an impact leg scores a document sharing no token exactly 0.
    const noMatch = pool.legs[r.l]!.kind === "impact" ? 0 : undefined;
    r.ids.forEach((id, j) => completedScore[r.l]!.set(id, completed[i]![j] ?? noMatch));
  });
  const droppedById = new Map(outcome.dropped.map((d) => [d.id, d]));

  return ids.map((id, n): IdExplanation => {
    const { exists, matchesFilter } = located[n]!;
    if (!matchesFilter) return { id, exists, matchesFilter, status: exists ? "filtered-out" : "unknown", legs: {} };
    const p = positionOf.get(id);
    const legs: Partial<Record<LegName, IdLegExplanation>> = {};
    const scores = pool.legs.map((leg, l) => {
      const rank = p === undefined ? 0 : leg.ranks[p]!;
      const pooled = p === undefined ? NaN : leg.scores[p]!;
      const score = leg.kind === "rank-only" ? undefined : Number.isNaN(pooled) ? completedScore[l]!.get(id) : pooled;
      const entry: IdLegExplanation = { retrieved: rank > 0 };
      if (rank > 0) entry.rank = rank;
      if (score !== undefined) entry.score = score;
      legs[leg.leg] = entry;
      return score;
    });
    if (p !== undefined) {
      const drop = droppedById.get(id);
      const status = drop ? "dropped" : outcome.page.has(id) ? "returned" : "outside-page";
      const explanation: IdExplanation = { id, exists, matchesFilter, status, legs, score: fused.scores[p]!, fusedRank: fusedRank[p]! };
      if (drop) explanation.dropped = { rule: drop.rule, threshold: drop.threshold, value: drop.value, reason: drop.reason };
      return explanation;
    }
    const score = fuseOutsider(pool, query.fusion, scores);
    let rank = 1;
    for (let i = 0; i < pool.ids.length; i++) {
      const s = fused.scores[i]!;
      if (s > score || (s === score && compareIds(pool.ids[i]!, id) < 0)) rank++;
    }
    return { id, exists, matchesFilter, status: "not-retrieved", legs, score, fusedRank: rank };
  });
}
