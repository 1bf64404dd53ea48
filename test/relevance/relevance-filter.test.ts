import fc from "fast-check";
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

describe("relative keeps the top hit on any score scale (fault: relative dropped every hit when scores were negative)", () => {
  it("measures the bar from the lowest to the top score of the list", () => {
    // metric l2, single dense leg: every score ≤ 0. Bar = −10 + 0.5 × (−1 − −10) = −5.5.
    const negative = [
      { id: "a", score: -1 },
      { id: "b", score: -2 },
      { id: "c", score: -3 },
      { id: "d", score: -6 },
      { id: "e", score: -10 },
    ];
    const r = applyRelevance(negative, { relative: 0.5 });
    expect(ids(r)).toEqual(["a", "b", "c"]);
    expect(r.dropped.map((d) => [d.id, d.rule, d.threshold, d.value])).toEqual([
      ["d", "relative", -5.5, -6],
      ["e", "relative", -5.5, -10],
    ]);
    // Positive scores: [1 … 0.4], bar = 0.4 + 0.9 × 0.6 = 0.94.
    expect(ids(applyRelevance(hits, { relative: 0.9 }))).toEqual(["a", "b", "c"]);
    expect(applyRelevance(hits, { relative: 0.9 }).dropped[0]!.threshold).toBeCloseTo(0.94, 12);
    // One hit, or equal scores: nothing to measure against, everything stays.
    expect(ids(applyRelevance([{ id: "x", score: -3 }], { relative: 1 }))).toEqual(["x"]);
    expect(ids(applyRelevance([{ id: "x", score: -3 }, { id: "y", score: -3 }], { relative: 1 }))).toEqual(["x", "y"]);
  });

  it("never drops the top hit, whatever the signs of the scores", () => {
    fc.assert(
      fc.property(
        fc.array(fc.double({ min: -1e6, max: 1e6, noNaN: true }), { minLength: 1, maxLength: 40 }),
        fc.double({ min: 1e-6, max: 1, noNaN: true }),
        (raw, relative) => {
          const list = [...raw].sort((a, b) => b - a).map((score, i) => ({ id: `h${i}`, score }));
          const { kept, dropped } = applyRelevance(list, { relative });
          expect(kept[0]).toBe(list[0]);
          // Every hit scoring as high as the top survives; the kept hits are a prefix of the list.
          expect(kept).toEqual(list.slice(0, kept.length));
          const slack = 1e-12 * Math.max(1, ...raw.map(Math.abs));
          for (const d of dropped) expect(d.value! <= d.threshold + slack).toBe(true);
          for (const h of kept) expect(h.score >= kept[kept.length - 1]!.score).toBe(true);
        },
      ),
      { seed: 1729, numRuns: 1000 },
    );
  });
});

describe("dropped hits say which rule dropped them, against what threshold and value (fault: only a message string)", () => {
  it("gives rule, threshold and value for every rule", () => {
    const list = [
      { id: "a", score: 10, sparse: 5, dense: 0.9 },
      { id: "b", score: 9.8, sparse: 4 },
      { id: "c", score: 9.6, sparse: 0.5, dense: 0.8 },
      { id: "d", score: 9.5, sparse: 3, dense: 0.7 },
      { id: "e", score: 9.4, sparse: 3, dense: 0.6 },
      { id: "f", score: 1, sparse: 3, dense: 0.65 },
      { id: "g", score: 0.9, sparse: 3, dense: 0.65 },
      { id: "h", score: -4, sparse: 3, dense: 0.65 },
    ];
    // Thresholds leave a, d, f, g; autocut on [10, 9.5, 1, 0.9] peaks at 2 (gaps −.28, .32, 0);
    // maxHits 1 then drops d, the 2nd survivor.
    const r = applyRelevance(list, { minScore: 0, minSparse: 1, minDense: 0.62, autocut: 1, maxHits: 1 });
    const rows = r.dropped.map((d) => [d.id, d.rule, d.threshold, d.value]);
    expect(rows).toEqual([
      ["b", "minDense", 0.62, null],
      ["c", "minSparse", 1, 0.5],
      ["d", "maxHits", 1, 2],
      ["e", "minDense", 0.62, 0.6],
      ["f", "autocut", 9.5, 1],
      ["g", "autocut", 9.5, 0.9],
      ["h", "minScore", 0, -4],
    ]);
    for (const d of r.dropped) expect(typeof d.reason).toBe("string");
    expect(ids(r)).toEqual(["a"]);
  });
});
