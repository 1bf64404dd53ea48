import type { RetrievedLeg } from "../fusion/candidate-pool.js";
import { compareIds } from "../fusion/fuse.js";
import type { HitLeg, SearchHit, SearchResult } from "../types.js";
import type { ResolvedQuery } from "./resolve-query.js";

/**
 * The page `from`, `k` of one leg's hits, as the full pipeline would return it (candidate pool,
 * single-leg "fusion", ordering, hit legs) without building any of it: a scored leg's hit scores
 * its raw score, a rank-only leg's w / (rankConstant + rank); ranks are competition ranks
 * ("1224"). Undefined when the leg's order is not the one the pipeline would sort into (equal
 * scores out of id order, a score missing or NaN, a rank-only leg of weight 0): the caller then
 * runs the full pipeline on the same hits. @internal
 */
export function singleLegPage(retrieved: RetrievedLeg, query: ResolvedQuery): SearchResult | undefined {
  const { hits: found, leg, kind } = retrieved;
  const end = Math.min(query.from + query.k, found.length);
  const rankOnly = kind === "rank-only";
  const weight = query.fusion.weights[leg];
  if (rankOnly && !(weight > 0)) return undefined;
  const hits: SearchHit[] = [];
  let rank = 0;
  let previousScore = NaN;
  for (let i = 0; i < end; i++) {
    const hit = found[i]!;
    let score: number;
    if (rankOnly) {
      rank = hit.rank ?? i + 1;
      if (i > 0 && !(rank >= (found[i - 1]!.rank ?? i))) return undefined;
      score = weight / (query.fusion.rankConstant + rank);
      if (i > 0 && score === previousScore && compareIds(found[i - 1]!.id, hit.id) > 0) return undefined;
    } else {
      score = hit.score!;
      if (typeof score !== "number" || Number.isNaN(score)) return undefined;
      if (i > 0 && (score > previousScore || (score === previousScore && compareIds(found[i - 1]!.id, hit.id) > 0))) return undefined;
      if (i === 0 || score !== previousScore) rank = i + 1;
    }
    previousScore = score;
    if (i < query.from) continue;
    const entry: HitLeg = !rankOnly ? { score, rank } : hit.score === undefined || Number.isNaN(hit.score) ? { rank } : { score: hit.score, rank };
    hits.push({ id: hit.id, score, legs: { [leg]: entry } });
  }
  return { hits, legs: query.legs };
}
