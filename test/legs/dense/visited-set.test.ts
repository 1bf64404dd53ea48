import { describe, expect, it } from "vitest";
import { VisitedSet } from "../../../src/legs/dense/visited-set.js";
import { seededRandom } from "../../helpers/random.js";

describe("VisitedSet", () => {
  it("a mark from an earlier search never reads as visited, across generation wrap-arounds and growth", () => {
    const visited = new VisitedSet();
    const rand = seededRandom(5);
    let size = 50;
    for (let search = 0; search < 1000; search++) {
      if (search % 300 === 299) size *= 3;
      visited.reset(size);
      const seen = new Set<number>();
      for (let i = 0; i < 40; i++) {
        const node = Math.floor(rand() * size);
        expect(visited.visit(node)).toBe(seen.has(node));
        seen.add(node);
      }
    }
  });
});
