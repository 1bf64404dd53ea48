import { compareStrings } from "../compare.js";
import type { FusionMethod, LegName, Normalizer } from "../types.js";
import type { CandidatePool, PoolLeg } from "./candidate-pool.js";
import { rankToScore } from "./fusion-defaults.js";
import { normalizeScore, normalizeScores, scoreStatistics } from "./normalizers.js";
import { TypedArrayArena } from "../typed-array-arena.js";

/** Fusion settings with every default applied. @internal */
export interface ResolvedFusion {
  method: FusionMethod;
  rankConstant: number;
  weights: Record<LegName, number>;
  normalize: Normalizer;
  completion: boolean;
}

/** Per leg and candidate: normalized score (NaN where not used) and contribution to the fused score. */
export interface LegContribution {
  leg: LegName;
  weight: number;
  normalized: Float64Array;
  contribution: Float64Array;
}

export interface FusionOutcome {
  /** Fused score per candidate, aligned with the pool's ids. */
  scores: Float64Array;
  legs: LegContribution[];
  /** Candidate positions, best first (fused score descending, then id ascending). */
  order: number[];
  method: FusionMethod | "single-leg";
}

/**
 * Combines the legs of a pool. With one leg there is nothing to fuse: the score is the leg's raw
 * score (a rank-only leg scores w / (rankConstant + rank), as RRF would).
 */
export function fuse(pool: CandidatePool, options: ResolvedFusion): FusionOutcome {
  const n = pool.ids.length;
  const single = pool.legs.length === 1;
  const legCount = pool.legs.length;
  // Per leg: normalized and contribution, and without completion the usable scores; the fused scores; the order's two buffers.
  const arena = new TypedArrayArena(((options.completion ? 2 : 3) * legCount + 1) * n, 2 * n, 0, 3 * legCount + 3);
  const legs = pool.legs.map((leg) => contribution(leg, options, single, n, arena));
  const scores = arena.float64(n);
  for (const leg of legs) {
    const c = leg.contribution;
    for (let i = 0; i < n; i++) scores[i]! += c[i]!;
  }
  return { scores, legs, order: fusedOrder(scores, pool.ids, arena), method: single ? "single-leg" : options.method };
}

/**
 * Candidate positions by fused score descending, equal scores by id: a merge sort over typed
 * arrays comparing scores inline (ids only on equal scores), several times faster than a
 * comparator sort at pool sizes. Ids are unique, so the order is total and any sort gives it.
 */
function fusedOrder(scores: Float64Array, ids: readonly string[], arena: TypedArrayArena): number[] {
  const n = scores.length;
  let from = arena.int32(n);
  let to = arena.int32(n);
  for (let i = 0; i < n; i++) from[i] = i;
  // Runs of RUN sorted by insertion, then merged pairwise.
  for (let start = 0; start < n; start += RUN) {
    const end = Math.min(start + RUN, n);
    for (let i = start + 1; i < end; i++) {
      const p = from[i]!;
      let j = i - 1;
      while (j >= start && before(p, from[j]!, scores, ids)) {
        from[j + 1] = from[j]!;
        j--;
      }
      from[j + 1] = p;
    }
  }
  for (let width = RUN; width < n; width *= 2) {
    for (let lo = 0; lo < n; lo += 2 * width) {
      const mid = Math.min(lo + width, n);
      const hi = Math.min(lo + 2 * width, n);
      let a = lo;
      let b = mid;
      let k = lo;
      while (a < mid && b < hi) to[k++] = before(from[b]!, from[a]!, scores, ids) ? from[b++]! : from[a++]!;
      while (a < mid) to[k++] = from[a++]!;
      while (b < hi) to[k++] = from[b++]!;
    }
    const swap = from;
    from = to;
    to = swap;
  }
  const order: number[] = new Array<number>(n);
  for (let i = 0; i < n; i++) order[i] = from[i]!;
  return order;
}

const RUN = 16;

/** Whether candidate `a` ranks before `b`: higher fused score, equal scores (or incomparable ones) by id. */
function before(a: number, b: number, scores: Float64Array, ids: readonly string[]): boolean {
  const sa = scores[a]!;
  const sb = scores[b]!;
  if (sa > sb) return true;
  if (sa < sb) return false;
  return compareIds(ids[a]!, ids[b]!) < 0;
}

/**
 * The fused score a document no leg retrieved would have if added to the pool, given its exact
 * score per pool leg (undefined where it has none; ignored for rank-only legs). Every leg's
 * statistics — normalization and missing-score floor — are the pool's, left unchanged by the
 * document, so the score compares directly with the pool's fused scores. Not retrieved, it has
 * no rank: 0 in rank-based fusion, the floor for a rank-only leg in score-based fusion.
 */
export function fuseOutsider(pool: CandidatePool, options: ResolvedFusion, legScores: readonly (number | undefined)[]): number {
  const single = pool.legs.length === 1;
  let total = 0;
  pool.legs.forEach((leg, l) => {
    const weight = options.weights[leg.leg];
    const raw = leg.kind === "rank-only" ? undefined : legScores[l];
    if (single && leg.kind !== "rank-only") {
      total += raw ?? missingScoreFloor(leg.scores);
    } else if (options.method === "rrf" || (leg.kind === "rank-only" && single)) {
      total += 0;
    } else {
      const method = options.method === "dbsf" ? "dbsf" : options.normalize;
      const pooled = leg.kind === "rank-only" ? rankScores(leg.ranks) : usableScores(leg, options.completion);
      const values = leg.kind === "rank-only" ? pooled : normalizeScores(method, pooled, leg.theoreticalMin);
      // Without completion, a score the leg did not retrieve is not used, as for pool members.
      const v = raw === undefined || !options.completion ? NaN : normalizeScore(method, scoreStatistics(pooled), raw, leg.theoreticalMin);
      total += weight * (Number.isNaN(v) ? missingScoreFloor(values) : v);
    }
  });
  return total;
}

/** The order of document ids: UTF-16 code units, as everywhere (ties in every ranking break by it). */
export const compareIds = compareStrings;

function contribution(leg: PoolLeg, options: ResolvedFusion, single: boolean, n: number, arena: TypedArrayArena): LegContribution {
  const weight = options.weights[leg.leg];
  const out = arena.float64(n);
  const useRanks = options.method === "rrf" || (leg.kind === "rank-only" && single);
  if (single && leg.kind !== "rank-only") {
    const scores = leg.scores;
    const floor = missingScoreFloor(scores);
    for (let i = 0; i < n; i++) out[i] = Number.isNaN(scores[i]!) ? floor : scores[i]!;
  } else if (useRanks) {
    const ranks = leg.ranks;
    const k = options.rankConstant;
    for (let i = 0; i < n; i++) {
      const r = ranks[i]!;
      out[i] = r > 0 ? weight / (k + r) : 0;
    }
  } else {
    // Score-based fusion. A rank-only leg has no scores: its rank maps onto (0, 1] by DCG's discount.
    const normalized =
      leg.kind === "rank-only"
        ? rankScores(leg.ranks, arena.float64(n))
        : normalizeScores(
            options.method === "dbsf" ? "dbsf" : options.normalize,
            usableScores(leg, options.completion, arena),
            leg.theoreticalMin,
            arena.float64(n),
          );
    const floor = missingScoreFloor(normalized);
    for (let i = 0; i < n; i++) {
      const v = normalized[i]!;
      out[i] = weight * (Number.isNaN(v) ? floor : v);
    }
    return { leg: leg.leg, weight, normalized, contribution: out };
  }
  return { leg: leg.leg, weight, normalized: arena.float64(n).fill(NaN), contribution: out };
}

/**
 * The value a candidate without a score in a leg (no vector, no shared token, not retrieved)
 * counts for: the leg's lowest value in the pool, or 0 when every value is higher. So a missing
 * score never outranks a real one of the same leg — on scales where real values go below 0
 * (z-scores, negative similarities, −squared L2) a 0 would beat real matches — and on scales
 * whose values are all positive it stays 0, "no match".
 */
export function missingScoreFloor(values: Float64Array): number {
  let floor = 0;
  for (let i = 0; i < values.length; i++) {
    const v = values[i]!;
    if (v < floor) floor = v;
  }
  return floor;
}

/** A rank-only leg's ranks mapped to scores (NaN where it did not retrieve the candidate), into `out` when given. */
function rankScores(ranks: Int32Array, out: Float64Array = new Float64Array(ranks.length)): Float64Array {
  for (let i = 0; i < ranks.length; i++) out[i] = ranks[i]! > 0 ? rankToScore(ranks[i]!) : NaN;
  return out;
}

/** The leg's scores, dropping completed ones when completion is off. */
function usableScores(leg: PoolLeg, completion: boolean, arena?: TypedArrayArena): Float64Array {
  if (completion) return leg.scores;
  const { scores, completed } = leg;
  const out = arena ? arena.float64(scores.length) : new Float64Array(scores.length);
  for (let i = 0; i < scores.length; i++) out[i] = completed[i] ? NaN : scores[i]!;
  return out;
}
