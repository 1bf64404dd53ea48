import { describe, expect, it } from "vitest";
import { compareDefault, summarizeComparisons, type MeasuredRun } from "./default-fusion-comparison.js";

const leg = (name: "sparse" | "dense" | "text", ndcg: number): MeasuredRun => ({ legs: [name], label: `${name} alone`, kind: "leg", ndcg, recall: 0 });

/** One collection: legs alone, then two combinations with a default and fixed methods each. */
const runs: MeasuredRun[] = [
  leg("sparse", 0.6),
  leg("dense", 0.5),
  leg("text", 0.7),
  { legs: ["sparse", "dense"], label: "default", kind: "default", ndcg: 0.65, recall: 0 },
  { legs: ["sparse", "dense"], label: "rrf", kind: "fixed", ndcg: 0.62, recall: 0 },
  { legs: ["sparse", "dense"], label: "convex zscore", kind: "fixed", ndcg: 0.64, recall: 0 },
  { legs: ["dense", "text"], label: "default", kind: "default", ndcg: 0.55, recall: 0 },
  { legs: ["text", "dense"], label: "rrf", kind: "fixed", ndcg: 0.58, recall: 0 },
  { legs: ["dense", "text"], label: "dbsf", kind: "fixed", ndcg: 0.58, recall: 0 },
  { legs: ["sparse", "dense", "text"], label: "rrf", kind: "fixed", ndcg: 0.99, recall: 0 },
];

describe("the default fusion's margin and gap", () => {
  it("measures the margin over the best leg of the combination only, and the gap to the best fixed method on the same legs", () => {
    const [sparseDense, denseText] = compareDefault(runs);
    // sparse+dense: best leg is sparse 0.6 (text's 0.7 is not one of its legs); best fixed is convex zscore 0.64.
    expect(sparseDense!.legs).toEqual(["sparse", "dense"]);
    expect(sparseDense!.bestLeg).toEqual({ label: "sparse alone", ndcg: 0.6 });
    expect(sparseDense!.margin).toBeCloseTo(0.05, 12);
    expect(sparseDense!.bestFixed).toEqual({ label: "convex zscore", ndcg: 0.64 });
    expect(sparseDense!.gap).toBeCloseTo(-0.01, 12);
    // dense+text: the fused default loses to text alone; the fixed methods tie, the first listed is named;
    // the three-leg rrf run is not on these legs, and legs listed in another order are the same combination.
    expect(denseText!.bestLeg).toEqual({ label: "text alone", ndcg: 0.7 });
    expect(denseText!.margin).toBeCloseTo(-0.15, 12);
    expect(denseText!.bestFixed).toEqual({ label: "rrf", ndcg: 0.58 });
    expect(denseText!.gap).toBeCloseTo(0.03, 12);
  });

  it("refuses a combination without a fixed method to compare with", () => {
    expect(() => compareDefault([leg("sparse", 0.5), leg("dense", 0.4), { legs: ["sparse", "dense"], label: "default", kind: "default", ndcg: 0.6, recall: 0 }])).toThrow(
      "no fixed method on sparse+dense measured",
    );
  });

  it("summarizes each combination across collections: wins, worst and mean margin and gap", () => {
    const other: MeasuredRun[] = runs.map((r) => (r.kind === "default" && r.legs.length === 2 && r.legs[0] === "sparse" ? { ...r, ndcg: 0.58 } : r));
    const [sparseDense, denseText] = summarizeComparisons([compareDefault(runs), compareDefault(other)]);
    expect(sparseDense!.legs).toEqual(["sparse", "dense"]);
    expect(sparseDense!.collections).toBe(2);
    expect(sparseDense!.wins).toBe(1);
    expect(sparseDense!.worstMargin).toBeCloseTo(-0.02, 12);
    expect(sparseDense!.meanMargin).toBeCloseTo(0.015, 12);
    expect(sparseDense!.worstGap).toBeCloseTo(0.06, 12);
    expect(sparseDense!.meanGap).toBeCloseTo(0.025, 12);
    expect(denseText!.wins).toBe(0);
    expect(denseText!.worstMargin).toBeCloseTo(-0.15, 12);
  });
});
