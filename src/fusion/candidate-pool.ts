import { TypedArrayArena } from "../typed-array-arena.js";
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
  /**
   * The backend's own reference to each hit's document (the embedded engine's slot), aligned with
   * `hits`, passed back with the completion requests of this search so the backend can score the
   * documents without looking their ids up again. Absent when the backend has none.
   */
  refs?: Int32Array;
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
  /** Per candidate, the backend's reference to it (`RetrievedLeg.refs`), when every leg gave them. */
  refs?: Int32Array;
}

/** Candidates a score-based leg did not retrieve: what score completion must look up. @internal */
export interface MissingScores {
  /** Their positions in the pool. */
  positions: Int32Array;
  ids: string[];
  /** The backend's references to them, when the pool has them. */
  refs?: Int32Array;
}

/** Builds the candidate union in first-seen order (leg order, then rank). */
export function buildCandidatePool(retrieved: readonly RetrievedLeg[]): CandidatePool {
  let total = 0;
  let withRefs = true;
  for (const leg of retrieved) {
    total += leg.hits.length;
    if (!leg.refs || leg.refs.length !== leg.hits.length) withRefs = false;
  }
  const legCount = retrieved.length;
  const tableSize = withRefs ? refTableSize(total) : 0;
  const arena = new TypedArrayArena(legCount * total, (3 + legCount) * total + 2 * tableSize, legCount * total, 5 + 3 * legCount);
  // Each hit's pool position (hits numbered leg after leg), and each candidate's first hit.
  const at = arena.int32(total);
  const first = arena.int32(total);
  const n = withRefs ? placeByRefs(retrieved, at, first, arena.int32(tableSize), arena.int32(tableSize)) : placeByIds(retrieved, at, first);
  const ids = new Array<string>(n);
  const refs = withRefs ? arena.int32(n) : undefined;
  for (let offset = 0, l = 0, c = 0; l < retrieved.length && c < n; l++) {
    const leg = retrieved[l]!;
    const end = offset + leg.hits.length;
    for (; c < n && first[c]! < end; c++) {
      const i = first[c]! - offset;
      ids[c] = leg.hits[i]!.id;
      if (refs) refs[c] = leg.refs![i]!;
    }
    offset = end;
  }
  const legs: PoolLeg[] = [];
  let offset = 0;
  for (const leg of retrieved) {
    const scores = arena.float64(n).fill(NaN);
    const ranks = arena.int32(n);
    const hits = leg.hits;
    const rankOnly = leg.kind === "rank-only";
    let rank = 0;
    for (let i = 0; i < hits.length; i++) {
      const hit = hits[i]!;
      const c = at[offset + i]!;
      if (rankOnly) rank = hit.rank ?? i + 1;
      else if (i === 0 || hit.score !== hits[i - 1]!.score) rank = i + 1;
      ranks[c] = rank;
      if (hit.score !== undefined) scores[c] = hit.score;
    }
    offset += hits.length;
    legs.push({ leg: leg.leg, kind: leg.kind, theoreticalMin: leg.theoreticalMin, retrieved: hits.length, scores, ranks, completed: arena.uint8(n) });
  }
  return refs ? { ids, legs, refs } : { ids, legs };
}

/** Numbers the candidates by id; returns their count. */
function placeByIds(retrieved: readonly RetrievedLeg[], at: Int32Array, first: Int32Array): number {
  const index = new Map<string, number>();
  let h = 0;
  for (const leg of retrieved) {
    for (const hit of leg.hits) {
      let c = index.get(hit.id);
      if (c === undefined) {
        c = index.size;
        index.set(hit.id, c);
        first[c] = h;
      }
      at[h++] = c;
    }
  }
  return index.size;
}

/**
 * Numbers the candidates by the backend's references (one per document) instead of by id: an
 * open-addressing table of references (`keys`, `candidates`: zeroed, {@link refTableSize} long),
 * so no string is hashed and nothing is sorted. Returns the count.
 */
function placeByRefs(retrieved: readonly RetrievedLeg[], at: Int32Array, first: Int32Array, keys: Int32Array, candidates: Int32Array): number {
  const size = keys.length;
  const mask = size - 1;
  const shift = 32 - Math.log2(size);
  // keys: table slot → reference + 1 (0: empty); candidates: the candidate holding that reference.
  let n = 0;
  let h = 0;
  for (const leg of retrieved) {
    const refs = leg.refs!;
    for (let i = 0; i < refs.length; i++, h++) {
      const ref = refs[i]!;
      if (!(ref >= 0 && ref < 0x7fffffff)) return placeByIds(retrieved, at, first);
      let slot = Math.imul(ref, 0x9e3779b1) >>> shift;
      while (keys[slot] !== 0 && keys[slot] !== ref + 1) slot = (slot + 1) & mask;
      if (keys[slot] === 0) {
        keys[slot] = ref + 1;
        candidates[slot] = n;
        first[n++] = h;
      }
      at[h] = candidates[slot]!;
    }
  }
  return n;
}

/** The size of the reference table for `total` hits: a power of two, at most half full. */
function refTableSize(total: number): number {
  let size = 16;
  while (size < 2 * total) size *= 2;
  return size;
}

/** Candidates a score-based leg did not retrieve (none for a rank-only leg): what score completion must look up. */
export function missingScores(leg: PoolLeg, ids: readonly string[], poolRefs?: Int32Array): MissingScores {
  let count = 0;
  const n = ids.length;
  const rankOnly = leg.kind === "rank-only";
  const ranks = leg.ranks;
  if (!rankOnly) for (let i = 0; i < n; i++) if (ranks[i] === 0) count++;
  const positions = new Int32Array(count);
  const missing: string[] = new Array<string>(count);
  const refs = poolRefs ? new Int32Array(count) : undefined;
  if (count > 0) {
    let m = 0;
    for (let i = 0; i < n; i++) {
      if (ranks[i] !== 0) continue;
      positions[m] = i;
      missing[m] = ids[i]!;
      if (refs) refs[m] = poolRefs![i]!;
      m++;
    }
  }
  return refs ? { positions, ids: missing, refs } : { positions, ids: missing };
}

/**
 * Records completed scores. `undefined` from the backend means the candidate has no score in that
 * leg — except in an impact leg, whose score is a sum over shared tokens: a document sharing none
 * scores exactly 0 there, a real score that normalizes with the rest rather than a missing one.
 */
export function fillCompletedScores(leg: PoolLeg, positions: ArrayLike<number>, scores: ArrayLike<number | undefined>): void {
  const impact = leg.kind === "impact";
  for (let i = 0; i < positions.length; i++) {
    let s = scores[i];
    if (s === undefined) {
      if (!impact) continue;
      s = 0;
    }
    const p = positions[i]!;
    leg.scores[p] = s;
    leg.completed[p] = 1;
  }
}
