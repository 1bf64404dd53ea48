import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { keptSetMetrics } from "../../src/eval/kept-set.js";
import type { Qrels } from "../../src/eval/qrels.js";

const qrels = (rows: [string, string, number][]): Qrels => {
  const q: Qrels = new Map();
  for (const [qid, doc, grade] of rows) {
    if (!q.has(qid)) q.set(qid, new Map());
    q.get(qid)!.set(doc, grade);
  }
  return q;
};

describe("set precision, recall and F1 of the kept hits", () => {
  it("match hand-computed values, macro-averaged over queries with a relevant document", () => {
    const judged = qrels([
      ["q1", "a", 1], ["q1", "b", 2], ["q1", "x", 0],
      ["q2", "c", 1],
      ["q3", "d", 1],
      ["q4", "e", 0], // no relevant document: not averaged
    ]);
    const run = new Map([
      ["q1", ["a", "x", "z"]], // P 1/3, R 1/2, F1 2·(1/6)/(5/6) = 2/5
      ["q2", ["c"]], // P 1, R 1, F1 1
      ["q3", []], // kept nothing: P 0, R 0, F1 0
      ["q4", ["e"]],
    ]);
    const m = keptSetMetrics(run, judged);
    expect(m.queries).toBe(3);
    expect(m.precision).toBeCloseTo((1 / 3 + 1 + 0) / 3, 12);
    expect(m.recall).toBeCloseTo((1 / 2 + 1 + 0) / 3, 12);
    expect(m.f1).toBeCloseTo((2 / 5 + 1 + 0) / 3, 12);
    expect(m.hits).toBeCloseTo((3 + 1 + 0) / 3, 12);
  });

  it("a query missing from the run kept nothing", () => {
    expect(keptSetMetrics(new Map(), qrels([["q1", "a", 1]]))).toEqual({ precision: 0, recall: 0, f1: 0, hits: 0, queries: 1 });
  });

  it("stays within [0, 1], with F1 between min and max of precision and recall per query", () => {
    fc.assert(
      fc.property(fc.uniqueArray(fc.integer({ min: 0, max: 30 }), { maxLength: 20 }), fc.uniqueArray(fc.integer({ min: 0, max: 30 }), { minLength: 1, maxLength: 10 }), (kept, relevant) => {
        const m = keptSetMetrics(new Map([["q", kept.map(String)]]), qrels(relevant.map((d) => ["q", String(d), 1])));
        for (const v of [m.precision, m.recall, m.f1]) expect(v >= 0 && v <= 1).toBe(true);
        expect(m.f1).toBeLessThanOrEqual(Math.max(m.precision, m.recall) + 1e-12);
        expect(m.f1).toBeGreaterThanOrEqual(Math.min(m.precision, m.recall) - 1e-12);
      }),
      { seed: 1616, numRuns: 300 },
    );
  });
});
