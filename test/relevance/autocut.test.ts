import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { autocut } from "../../src/relevance/autocut.js";

/**
 * Hand-computed against Weaviate's autocut: scores rescaled so the top is 0 and the bottom 1,
 * minus the straight line i / (n − 1); the list is cut before the N-th point that is higher than
 * both neighbours (the last point: higher than the two before it).
 */
describe("autocut keeps what Weaviate's autocut keeps (fault: autocut could never keep a single hit)", () => {
  it("keeps one hit after a single dominant score", () => {
    // gaps 0, .968 − .25, .978 − .5, .989 − .75, 0 → the first point is the peak: keep 1.
    expect(autocut([10, 1, 0.9, 0.8, 0.7], 1)).toBe(1);
    expect(autocut([10, 1, 0.9], 1)).toBe(1);
    expect(autocut([5, 1, 1, 1], 1)).toBe(1);
  });

  it("cuts at the N-th peak", () => {
    // gaps 0, −.167, −.317, .233, .117, 0 → peak at 3.
    expect(autocut([1, 0.98, 0.95, 0.5, 0.45, 0.4], 1)).toBe(3);
    // [10, 9, 5, 4.9, 1, 0.9]: rescaled 0, .11, .56, .57, 1, 1.01 − line 0, .2, .4, .6, .8, 1
    // → gaps 0, −.09, .16, −.03, .20, 0: peaks at 2 and 4.
    expect(autocut([10, 9, 5, 4.9, 1, 0.9], 1)).toBe(2);
    expect(autocut([10, 9, 5, 4.9, 1, 0.9], 2)).toBe(4);
    expect(autocut([10, 9, 5, 4.9, 1, 0.9], 3)).toBe(6);
  });

  it("cuts off a last hit far below the rest (n ≥ 4), never the last of three", () => {
    // gaps 0, −.323, −.647, 0: the last point is above the two before it.
    expect(autocut([10, 9.9, 9.8, 0], 1)).toBe(3);
    // gaps 0, −.49, 0: the last point is not above the first (both 0).
    expect(autocut([10, 9.9, 0], 1)).toBe(3);
  });

  it("keeps everything when there is no peak: short lists, equal scores, straight lines", () => {
    expect(autocut([], 1)).toBe(0);
    expect(autocut([3], 1)).toBe(1);
    expect(autocut([1, 0.2], 1)).toBe(2);
    expect(autocut([-1, -50], 1)).toBe(2);
    expect(autocut([5, 5, 5], 1)).toBe(3);
    expect(autocut([5, 5, 5, 5, 5, 5], 2)).toBe(6);
    expect(autocut([3, 2, 1, 0], 1)).toBe(4);
    expect(autocut([0.7, 0.6, 0.5, 0.4, 0.3], 1)).toBe(5); // float noise on a straight line is no peak
    // equal scores then a drop: gaps 0, −1/3, −2/3, 0 → the last is a peak.
    expect(autocut([5, 5, 5, 1], 1)).toBe(3);
  });

  it("does not depend on the scale or sign of the scores", () => {
    expect(autocut([-0.1, -9, -9.1, -9.2, -9.3], 1)).toBe(1);
    fc.assert(
      fc.property(
        fc.array(fc.double({ min: -100, max: 100, noNaN: true }), { minLength: 0, maxLength: 30 }),
        fc.integer({ min: 1, max: 4 }),
        fc.double({ min: 0.01, max: 100, noNaN: true }),
        fc.double({ min: -50, max: 50, noNaN: true }),
        (raw, jumps, scale, shift) => {
          const scores = [...raw].sort((a, b) => b - a);
          const keep = autocut(scores, jumps);
          expect(keep).toBeGreaterThanOrEqual(Math.min(1, scores.length));
          expect(keep).toBeLessThanOrEqual(scores.length);
          // More jumps never keep fewer hits.
          expect(autocut(scores, jumps + 1)).toBeGreaterThanOrEqual(keep);
          // Equal scores are never split.
          if (keep < scores.length) expect(scores[keep]).toBeLessThan(scores[keep - 1]!);
          // Rescaling the scores (as normalizers do) moves no cut, up to rounding of nearly equal gaps.
          const moved = autocut(scores.map((s) => s * scale + shift), jumps);
          if (moved !== keep) {
            const span = scores[0]! - scores[scores.length - 1]!;
            expect(span).toBeLessThan(1e-6);
          }
        },
      ),
      { seed: 4242, numRuns: 500 },
    );
  });
});
