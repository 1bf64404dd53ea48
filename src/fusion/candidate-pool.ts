import type { LegName, ScoreKind } from "../types.js";

/**
 * One leg's retrieved hits, best first, equal scores in id order. `score` is absent for rank-only
 * legs, which may give `rank` instead: a 1-based competition rank ("1224"), equal for hits the leg
 * finds equally relevant (default: the position). @internal
 */
export interface RetrievedLeg {
  leg: LegName;
  kind: ScoreKind;
  hits: { id: string; score?: number; rank?: number }[];
  /** Lowest score the leg can produce, when known (0 for sparse, -1 for cosine). */
  theoreticalMin?: number;
  /** Whether `hits` are provably the leg's exact top (the sparse leg says; absent: not reported). */
  exact?: boolean;
}

/** A leg's view of every candidate in the pool, index-aligned with `CandidatePool.ids`. @internal */
export interface PoolLeg {
  leg: LegName;
  kind: ScoreKind;
  theoreticalMin?: number;
  /** How many hits the leg retrieved. */
  retrieved: number;
  /** Raw score, NaN where the leg has none for the candidate. */
  scores: Float64Array;
  /**
   * 1-based competition rank where the leg retrieved the candidate ("1224": hits of equal score
   * share the rank of the first of them, so ties are not ordered by accident), 0 where it did not.
   */
  ranks: Int32Array;
  /** 1 where the score was completed rather than retrieved. */
  completed: Uint8Array;
}

/** The union of all legs' candidates, each leg's scores and ranks aligned with `ids`. @internal */
export interface CandidatePool {
  ids: string[];
  legs: PoolLeg[];
}

/** Builds the candidate union in first-seen order (leg order, then rank). */
export function buildCandidatePool(retrieved: RetrievedLeg[]): CandidatePool {
  const index = new Map<string, number>();
  const ids: string[] = [];
  for (const leg of retrieved) {
    for (const hit of leg.hits) {
      if (!index.has(hit.id)) {
        index.set(hit.id, ids.length);
        ids.push(hit.id);
      }
    }
  }
  const legs = retrieved.map((leg): PoolLeg => {
    const scores = new Float64Array(ids.length).fill(NaN);
    const ranks = new Int32Array(ids.length);
    let rank = 0;
    leg.hits.forEach((hit, i) => {
      const c = index.get(hit.id)!;
      if (leg.kind === "rank-only") rank = hit.rank ?? i + 1;
      else if (i === 0 || hit.score !== leg.hits[i - 1]!.score) rank = i + 1;
      ranks[c] = rank;
      if (hit.score !== undefined) scores[c] = hit.score;
    });
    return {
      leg: leg.leg,
      kind: leg.kind,
      theoreticalMin: leg.theoreticalMin,
      retrieved: leg.hits.length,
      scores,
      ranks,
      completed: new Uint8Array(ids.length),
    };
  });
  return { ids, legs };
}

/** Candidate ids a score-based leg did not retrieve: what score completion must look up. */
export function missingScores(leg: PoolLeg, ids: readonly string[]): { positions: number[]; ids: string[] } {
  const positions: number[] = [];
  const missing: string[] = [];
  if (leg.kind === "rank-only") return { positions, ids: missing };
  for (let i = 0; i < ids.length; i++) {
    if (leg.ranks[i] === 0) {
      positions.push(i);
      missing.push(ids[i]!);
    }
  }
  return { positions, ids: missing };
}

/**
 * Records completed scores. `undefined` from the backend means the candidate has no score in that
 * leg — except in an impact leg, whose score is a sum over shared tokens: a document sharing none
 * scores exactly 0 there, a real score that normalizes with the rest rather than a missing one.
 */
export function fillCompletedScores(leg: PoolLeg, positions: readonly number[], scores: readonly (number | undefined)[]): void {
  const noMatch = leg.kind === "impact" ? 0 : undefined;
  positions.forEach((p, i) => {
    const s = scores[i] ?? noMatch;
    if (s !== undefined) {
      leg.scores[p] = s;
      leg.completed[p] = 1;
    }
  });
}
