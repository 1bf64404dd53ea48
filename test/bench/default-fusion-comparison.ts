import type { LegName } from "../../src/index.js";

/** One measured run: a leg alone, the default fusion, or a fusion method set explicitly. */
export interface MeasuredRun {
  legs: readonly LegName[];
  /** "sparse alone", "rrf", "convex zscore, text 0.3", … */
  label: string;
  kind: "leg" | "default" | "fixed";
  ndcg: number;
  recall: number;
}

/** A run picked as the best of its kind, with its nDCG@10. */
export interface BestRun {
  label: string;
  ndcg: number;
}

/** The default fusion of one leg combination against what it could have been. */
export interface DefaultComparison {
  legs: LegName[];
  defaultNdcg: number;
  /** The best of the combination's legs run alone. */
  bestLeg: BestRun;
  /** Default minus the best leg alone: what fusing bought (negative: fusing cost). */
  margin: number;
  /** The best fixed method measured on this combination. */
  bestFixed: BestRun;
  /** Best fixed method minus default: what the default left behind (negative: the default was best). */
  gap: number;
}

/** Worst and mean of the comparisons of one leg combination across collections. */
export interface CombinationSummary {
  legs: LegName[];
  collections: number;
  /** Collections where the default beat its best leg alone. */
  wins: number;
  worstMargin: number;
  meanMargin: number;
  worstGap: number;
  meanGap: number;
}

const ORDER: readonly LegName[] = ["sparse", "dense", "text"];

/** A combination's key, whatever order its legs were listed in. */
export function legsKey(legs: readonly LegName[]): string {
  return [...legs].sort((a, b) => ORDER.indexOf(a) - ORDER.indexOf(b)).join("+");
}

function best(runs: readonly MeasuredRun[], what: string): BestRun {
  if (runs.length === 0) throw new Error(`no ${what} measured`);
  // The first listed wins a tie, so the choice does not depend on floating-point noise in ordering.
  const top = runs.reduce((a, b) => (b.ndcg > a.ndcg ? b : a));
  return { label: top.label, ndcg: top.ndcg };
}

/**
 * For every combination with a default run: its margin over the best of its legs alone and its
 * gap to the best fixed method run on the same combination, by nDCG@10.
 */
export function compareDefault(runs: readonly MeasuredRun[]): DefaultComparison[] {
  return runs
    .filter((r) => r.kind === "default")
    .map((d) => {
      const key = legsKey(d.legs);
      const bestLeg = best(
        runs.filter((r) => r.kind === "leg" && r.legs.length === 1 && d.legs.includes(r.legs[0]!)),
        `leg of ${key} alone`,
      );
      const bestFixed = best(
        runs.filter((r) => r.kind === "fixed" && legsKey(r.legs) === key),
        `fixed method on ${key}`,
      );
      return { legs: key.split("+") as LegName[], defaultNdcg: d.ndcg, bestLeg, margin: d.ndcg - bestLeg.ndcg, bestFixed, gap: bestFixed.ndcg - d.ndcg };
    });
}

/** Per combination, across collections: how often the default beat its legs, and its worst and mean margin and gap. */
export function summarizeComparisons(collections: readonly (readonly DefaultComparison[])[]): CombinationSummary[] {
  const byLegs = new Map<string, DefaultComparison[]>();
  for (const comparisons of collections) {
    for (const c of comparisons) {
      const key = legsKey(c.legs);
      byLegs.set(key, [...(byLegs.get(key) ?? []), c]);
    }
  }
  const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
  return [...byLegs.values()].map((cs) => ({
    legs: cs[0]!.legs,
    collections: cs.length,
    wins: cs.filter((c) => c.margin > 0).length,
    worstMargin: Math.min(...cs.map((c) => c.margin)),
    meanMargin: mean(cs.map((c) => c.margin)),
    worstGap: Math.max(...cs.map((c) => c.gap)),
    meanGap: mean(cs.map((c) => c.gap)),
  }));
}
