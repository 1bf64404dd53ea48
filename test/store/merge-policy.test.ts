import { describe, expect, it } from "vitest";
import { findMerge, MERGE_FACTOR } from "../../src/store/merge-policy.js";

/** Commits of `batch` documents one after another, merging as the policy says: the segment sizes after each. */
function simulate(commits: number, batch: number): { sizes: number[]; merged: number; maxSegments: number } {
  const sizes: number[] = [];
  let merged = 0;
  let maxSegments = 0;
  for (let c = 0; c < commits; c++) {
    sizes.push(batch);
    for (let run = findMerge(sizes); run; run = findMerge(sizes)) {
      const total = sizes.slice(run.start, run.end).reduce((a, b) => a + b, 0);
      merged += total;
      sizes.splice(run.start, run.end - run.start, total);
    }
    maxSegments = Math.max(maxSegments, sizes.length);
  }
  return { sizes, merged, maxSegments };
}

describe("merge policy", () => {
  it("merges the newest F segments of a level into one, and nothing before F are there", () => {
    expect(findMerge([5, 5, 5])).toBeUndefined();
    expect(findMerge(Array<number>(MERGE_FACTOR).fill(5))).toEqual({ start: 0, end: MERGE_FACTOR });
    // A large segment ahead of ten small ones stays out of their merge.
    expect(findMerge([100_000, ...Array<number>(MERGE_FACTOR).fill(3)])).toEqual({ start: 1, end: MERGE_FACTOR + 1 });
    // Nine of one level and a smaller one wait; the tenth of that level merges them with it.
    expect(findMerge([...Array<number>(9).fill(2000), 4])).toBeUndefined();
    expect(findMerge([...Array<number>(9).fill(2000), 4, 3000])).toEqual({ start: 0, end: 11 });
    expect(findMerge([...Array<number>(10).fill(2000), 4])).toEqual({ start: 0, end: 11 });
    expect(findMerge([...Array<number>(9).fill(2000), 40_000])).toBeUndefined();
  });

  it("keeps O(F log N) segments and merges each document O(log N) times", () => {
    // 10,000 commits of one document: levels 0–4, at most F − 1 segments per level plus the new one.
    const { sizes, merged, maxSegments } = simulate(10_000, 1);
    expect(sizes.reduce((a, b) => a + b, 0)).toBe(10_000);
    expect(sizes).toEqual([10_000]);
    expect(maxSegments).toBeLessThanOrEqual(4 * (MERGE_FACTOR - 1) + 1);
    // Each document is copied once per level it climbs: 4 levels.
    expect(merged).toBe(4 * 10_000);
  });
});
