import { describe, expect, it } from "vitest";
import { evaluateRun, parseQrels } from "../../src/index.js";
import { averagePrecision, ndcgAt, recallAt, reciprocalRankAt } from "../../src/eval/metrics.js";

// Ranking d1 d2 d3 d4; d2 (grade 1) and d4 (grade 2) relevant, d9 (grade 1) never retrieved.
const ranked = ["d1", "d2", "d3", "d4"];
const judged = new Map([["d2", 1], ["d4", 2], ["d9", 1], ["d3", 0]]);

describe("metrics (trec_eval definitions), hand-computed", () => {
  it("nDCG@10 with linear gains", () => {
    const dcg = 1 / Math.log2(3) + 2 / Math.log2(5); // 1.4922832
    const idcg = 2 + 1 / Math.log2(3) + 1 / 2; // 3.1309298
    expect(ndcgAt(ranked, judged, 10)).toBeCloseTo(dcg / idcg, 12);
    expect(ndcgAt(ranked, judged, 10)).toBeCloseTo(0.476628, 5);
    expect(ndcgAt(ranked, judged, 1)).toBe(0);
  });

  it("recall, reciprocal rank and average precision", () => {
    expect(recallAt(ranked, judged, 100)).toBeCloseTo(2 / 3, 12);
    expect(recallAt(ranked, judged, 2)).toBeCloseTo(1 / 3, 12);
    expect(reciprocalRankAt(ranked, judged, 10)).toBe(0.5);
    expect(reciprocalRankAt(ranked, judged, 1)).toBe(0);
    expect(averagePrecision(ranked, judged)).toBeCloseTo((1 / 2 + 2 / 4) / 3, 12);
  });

  it("averages over judged queries; a missing query scores 0", () => {
    const qrels = parseQrels("query-id\tcorpus-id\tscore\nq1\td2\t1\nq1\td4\t2\nq1\td9\t1\nq2\tx\t1\n", "qrels.tsv");
    const summary = evaluateRun(new Map([["q1", ranked]]), qrels);
    expect(summary.queries).toBe(2);
    expect(summary["mrr@10"]).toBeCloseTo(0.25, 12);
    expect(summary.map).toBeCloseTo(1 / 6, 12);
  });

  it("reads TREC qrels and names the line of a bad one", () => {
    const qrels = parseQrels("q1 0 d1 1\nq1 0 d2 0\n", "qrels.txt");
    expect(qrels.get("q1")).toEqual(new Map([["d1", 1], ["d2", 0]]));
    expect(() => parseQrels("q1 0 d1 x\n", "bad.txt")).toThrow(/bad\.txt:1: relevance grade must be an integer/);
    expect(() => parseQrels("q1\n", "bad.txt")).toThrow(/bad\.txt:1: expected/);
  });
});
