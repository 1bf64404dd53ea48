import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { bestFirstOrder } from "../../../src/legs/dense/best-first-order.js";

describe("bestFirstOrder", () => {
  it("orders as a comparator sort by score (highest first) then tie does, for float32 scores with ties, signed zeros and infinities", () => {
    const score = fc.oneof(
      fc.float({ noNaN: true }).map(Math.fround),
      fc.constantFrom(0, -0, 1, -1, 0.5, Infinity, -Infinity, 1.401298464324817e-45, -3.4028234663852886e38),
    );
    fc.assert(
      fc.property(fc.array(score, { maxLength: 300 }), fc.integer({ min: 0, max: 7 }), (scores, mod) => {
        // A tie order that itself ties often (then index), as a hash rank of a node might.
        const tie = (a: number, b: number) => (a % (mod + 1)) - (b % (mod + 1)) || b - a;
        const expected = scores.map((_, i) => i).sort((a, b) => scores[b]! - scores[a]! || tie(a, b));
        expect(bestFirstOrder(scores, tie)).toEqual(expected);
      }),
      { seed: 17, numRuns: 300 },
    );
  });
});
