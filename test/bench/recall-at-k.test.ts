import { describe, expect, it } from "vitest";
import { recallAtK } from "./recall-at-k.js";

describe("recall@k", () => {
  it("averages per query the share of the reference's top k found in the run's top k (hand-computed)", () => {
    const reference = [
      ["a", "b", "c", "d"],
      ["e", "f"],
    ];
    const run = [
      ["a", "x", "c", "b"],
      ["f", "y", "e"],
    ];
    // k 3: query 1 finds a and c of a, b, c (b is 4th in the run); query 2 finds both e and f (e is 3rd).
    expect(recallAtK(reference, run, 3)).toBeCloseTo((2 / 3 + 2 / 2) / 2, 12);
    // k 1: a = a; e ≠ f.
    expect(recallAtK(reference, run, 1)).toBe(0.5);
  });

  it("skips queries with an empty reference, counts a repeated id once, and is NaN with nothing to recall", () => {
    expect(recallAtK([[], ["a", "b"]], [["z"], ["a", "a"]], 10)).toBe(0.5);
    expect(recallAtK([[]], [["a"]], 10)).toBeNaN();
    expect(() => recallAtK([["a"]], [], 10)).toThrow(/1 reference rankings but 0/);
  });
});
