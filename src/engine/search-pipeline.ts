import { buildCandidatePool, fillCompletedScores, missingScores, type CandidatePool } from "../fusion/candidate-pool.js";
import { fuse } from "../fusion/fuse.js";
import { calibratePool } from "../relevance/calibrate-pool.js";
import { applyRelevance, type RankedHit } from "../relevance/relevance-filter.js";
import type { CompletionPath, DroppedHit, HitExplanation, HitLeg, LegExplanation, LegName, SearchHit, SearchResult } from "../types.js";
import { explainIds } from "./explain-ids.js";
import type { CompletionRequest, LegBackend } from "./leg-backend.js";
import { hasRelevanceRule, isSingleLegPage, type ResolvedQuery } from "./resolve-query.js";
import { singleLegPage } from "./single-leg-page.js";

interface PoolHit extends RankedHit {
  position: number;
}

/**
 * Whether the pipeline will complete missing leg scores for this query (when some candidate
 * lacks one): score completion is on and the scores matter — to score-based fusion or to per-leg
 * thresholds (RRF alone needs only ranks) — and more than one leg runs. A remote backend uses
 * it to fetch, with the legs, what completion needs.
 *
 * @internal
 */
export function wantsCompletion(query: ResolvedQuery): boolean {
  const needsScores = query.fusion.method !== "rrf" || query.relevance.minSparse !== undefined || query.relevance.minDense !== undefined;
  return query.fusion.completion && needsScores && query.legs.length > 1;
}

/**
 * The page of the fused ranking after relevance filtering, and the hits the rules dropped (with
 * explain). Without a rule nothing is dropped, and hits are made for the page alone.
 */
function keptPage(
  pool: CandidatePool,
  order: readonly number[],
  scores: Float64Array,
  probability: Float64Array | undefined,
  query: ResolvedQuery,
): { page: PoolHit[]; dropped: DroppedHit[] } {
  const sparse = pool.legs.find((p) => p.leg === "sparse")?.scores;
  const dense = pool.legs.find((p) => p.leg === "dense")?.scores;
  const hitAt = (n: number): PoolHit => {
    const i = order[n]!;
    const hit: PoolHit = { position: i, id: pool.ids[i]!, score: scores[i]! };
    const s = sparse?.[i];
    if (s !== undefined && !Number.isNaN(s)) hit.sparse = s;
    const d = dense?.[i];
    if (d !== undefined && !Number.isNaN(d)) hit.dense = d;
    if (probability) hit.probability = probability[n]!;
    return hit;
  };
  const end = query.from + query.k;
  if (!hasRelevanceRule(query.relevance)) {
    const page: PoolHit[] = [];
    for (let n = query.from; n < Math.min(end, order.length); n++) page.push(hitAt(n));
    return { page, dropped: [] };
  }
  const ranked: PoolHit[] = new Array<PoolHit>(order.length);
  for (let n = 0; n < order.length; n++) ranked[n] = hitAt(n);
  const { kept, dropped } = applyRelevance(ranked, query.relevance, query.explain);
  return { page: kept.slice(query.from, end), dropped };
}

/**
 * Runs the legs, completes missing scores, fuses, filters for relevance and paginates. A query of
 * one leg with nothing to fuse or filter takes its page straight from the leg's hits.
 *
 * @internal
 */
export async function runSearch(backend: LegBackend, query: ResolvedQuery): Promise<SearchResult> {
  const retrieved = await backend.retrieve(query.legs, query, query.candidates);
  const sparseRetrieved = retrieved.find((r) => r.leg === "sparse");
  const sparseExact = sparseRetrieved ? { sparseExact: sparseRetrieved.exact ?? true } : {};
  if (isSingleLegPage(query)) {
    const page = singleLegPage(retrieved[0]!, query);
    if (page) return { ...page, ...sparseExact };
  }
  const pool = buildCandidatePool(retrieved);
  let completion: CompletionPath = "none";
  if (wantsCompletion(query) && pool.legs.length > 1) {
    const pending = pool.legs.flatMap((leg) => {
      if (leg.leg === "text") return [];
      const missing = missingScores(leg, pool.ids, pool.refs);
      return missing.ids.length === 0 ? [] : [{ leg, missing }];
    });
    if (pending.length > 0) {
      const requests = pending.map(({ leg, missing }): CompletionRequest => {
        const request: CompletionRequest = { leg: leg.leg as "sparse" | "dense", ids: missing.ids };
        if (missing.refs) request.refs = missing.refs;
        return request;
      });
      const scores = await backend.complete(requests, query);
      pending.forEach(({ leg, missing }, i) => fillCompletedScores(leg, missing.positions, scores[i]!));
      completion = backend.completionPath?.() ?? "stored";
    }
  }
  const fused = fuse(pool, query.fusion);
  // P(relevant) per hit in fused order, when a calibration model applies.
  const probability = query.calibration ? calibratePool(query.calibration, query, pool, fused.order) : undefined;
  const { page, dropped } = keptPage(pool, fused.order, fused.scores, probability, query);

  const hits: SearchHit[] = page.map((h) => {
    const legs: Partial<Record<LegName, HitLeg>> = {};
    for (const leg of pool.legs) {
      const rank = leg.ranks[h.position]!;
      const score = leg.scores[h.position]!;
      if (rank === 0 && !leg.completed[h.position]) continue;
      const entry: HitLeg = {};
      if (!Number.isNaN(score)) entry.score = score;
      if (rank > 0) entry.rank = rank;
      else entry.completed = true;
      legs[leg.leg] = entry;
    }
    const hit: SearchHit = { id: h.id, score: h.score, legs };
    if (h.probability !== undefined) hit.probability = h.probability;
    return hit;
  });

  if (query.explain) {
    const tokens = query.legs.includes("sparse") ? await backend.explainSparse(query, page.map((h) => h.id)) : [];
    page.forEach((h, n) => {
      const legs: Partial<Record<LegName, LegExplanation>> = {};
      pool.legs.forEach((leg, l) => {
        const c = fused.legs[l]!;
        const i = h.position;
        const score = leg.scores[i]!;
        const normalized = c.normalized[i]!;
        const e: LegExplanation = { weight: c.weight, contribution: c.contribution[i]! };
        if (!Number.isNaN(score)) e.score = score;
        if (leg.ranks[i]! > 0) e.rank = leg.ranks[i]!;
        if (leg.completed[i]) e.completed = true;
        if (!Number.isNaN(normalized)) e.normalized = normalized;
        if (leg.leg === "sparse") e.tokens = tokens[n] ?? [];
        legs[leg.leg] = e;
      });
      const explanation: HitExplanation = { method: fused.method, score: h.score, legs };
      hits[n]!.explanation = explanation;
    });
    if (query.explainIds === undefined) return { hits, dropped, legs: query.legs, completion, ...sparseExact };
    const onPage = new Set(hits.map((h) => h.id));
    const explained = await explainIds(backend, query, query.explainIds, { pool, fused, page: onPage, dropped });
    return { hits, dropped, legs: query.legs, completion, explainIds: explained, ...sparseExact };
  }
  return { hits, legs: query.legs, ...sparseExact };
}
