import { describe, expect, it } from "vitest";
import { autocut } from "../../src/relevance/autocut.js";
import { applyRelevance } from "../../src/relevance/relevance-filter.js";

const hits = [
  { id: "a", score: 1, sparse: 12, dense: 0.9 },
  { id: "b", score: 0.98, sparse: 8, dense: 0.85 },
  { id: "c", score: 0.95, dense: 0.7 },
  { id: "d", score: 0.5, sparse: 3, dense: 0.3 },
  { id: "e", score: 0.45, sparse: 2 },
  { id: "f", score: 0.4, sparse: 1, dense: 0.1 },
];
const ids = (r: { kept: { id: string }[] }) => r.kept.map((h) => h.id);

describe("relevance filtering", () => {
  it("absolute thresholds on the fused and raw leg scores", () => {
    expect(ids(applyRelevance(hits, { minScore: 0.5 }))).toEqual(["a", "b", "c", "d"]);
    expect(ids(applyRelevance(hits, { minSparse: 3 }))).toEqual(["a", "b", "d"]);
    const dense = applyRelevance(hits, { minDense: 0.5 });
    expect(ids(dense)).toEqual(["a", "b", "c"]);
    expect(dense.dropped.map((d) => [d.id, d.reason])).toEqual([
      ["d", "dense 0.3 < minDense 0.5"],
      ["e", "no dense score (minDense 0.5)"],
      ["f", "dense 0.1 < minDense 0.5"],
    ]);
  });

  it("relative to the top score", () => {
    expect(ids(applyRelevance(hits, { relative: 0.9 }))).toEqual(["a", "b", "c"]);
  });

  it("autocut at the first large gap", () => {
    expect(autocut([1, 0.98, 0.95, 0.5, 0.45, 0.4], 1)).toBe(3);
    expect(ids(applyRelevance(hits, { autocut: 1 }))).toEqual(["a", "b", "c"]);
    expect(autocut([5, 5, 5], 1)).toBe(3);
    expect(autocut([3, 2, 1, 0], 1)).toBe(4); // a straight line has no gap
    expect(autocut([1, 0.2], 1)).toBe(2);
  });

  it("minHits restores the best dropped hits, maxHits caps, and every drop is accounted for", () => {
    const r = applyRelevance(hits, { minScore: 0.99, minHits: 2 });
    expect(ids(r)).toEqual(["a", "b"]);
    expect(r.dropped.map((d) => d.id)).toEqual(["c", "d", "e", "f"]);
    const capped = applyRelevance(hits, { maxHits: 2 });
    expect(ids(capped)).toEqual(["a", "b"]);
    expect(capped.dropped.map((d) => d.reason)).toEqual(["maxHits 2", "maxHits 2", "maxHits 2", "maxHits 2"]);
    expect(capped.kept.length + capped.dropped.length).toBe(hits.length);
  });
});
