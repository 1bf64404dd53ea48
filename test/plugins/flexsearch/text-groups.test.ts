import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { flexSearchTextIndex } from "../../../plugins/flexsearch/index.js";
import { compareKeys, FlexSearchReference, type EncoderPreset, type Tokenize } from "../../helpers/flexsearch-reference.js";

const WORDS = ["bone", "bones", "vitamin", "calcium", "fracture", "density", "cell"];
const sorted = (xs: number[]) => [...xs].sort((a, b) => a - b);

describe("the FlexSearch text leg reports FlexSearch's groups of equal relevance (fault: insertion order used as rank)", () => {
  it("equally relevant documents form one group whatever order they were added in", () => {
    const leg = flexSearchTextIndex()();
    // "bone" is the first word of 0, 2 and 3: one slot, listed by FlexSearch in insertion order.
    ["bone vitamin", "vitamin bone", "bone calcium", "bone", "calcium vitamin bone fracture"].forEach((t, i) => leg.add(i, t));
    expect(leg.searchGroups!("bone", 10).map(sorted)).toEqual([[0, 2, 3], [1], [4]]);
    // Both words: 0 and 1 match both in slots 0 and 1; then those matching one word.
    expect(leg.searchGroups!("bone vitamin", 10).map(sorted)).toEqual([[0, 1], [4], [2, 3]]);
    // Replacing a document moves it to the end of FlexSearch's slot list; its group is the same.
    leg.remove(0);
    leg.add(0, "bone vitamin");
    expect(leg.searchGroups!("bone", 10).map(sorted)).toEqual([[0, 2, 3], [1], [4]]);
    // Whole groups up to the limit.
    expect(leg.searchGroups!("bone", 2).map(sorted)).toEqual([[0, 2, 3]]);
    expect(leg.search("bone", 4)).toEqual([0, 2, 3, 1]);
  });

  it("groups agree with FlexSearch's own ranking and with its per-term relevance slots", () => {
    fc.assert(
      fc.property(
        fc.array(fc.option(fc.array(fc.constantFrom(...WORDS), { minLength: 1, maxLength: 12 }).map((w) => w.join(" ")), { nil: undefined }), { maxLength: 40 }),
        fc.array(fc.constantFrom(...WORDS, "absent"), { minLength: 1, maxLength: 4 }).map((w) => w.join(" ")),
        fc.constantFrom<Tokenize>("strict", "forward", "reverse", "full"),
        fc.constantFrom<EncoderPreset>("Default", "Exact", "LatinBalance", "LatinAdvanced", "LatinExtra", "LatinSoundex"),
        fc.integer({ min: 1, max: 50 }),
        (texts, query, tokenize, encoder, limit) => {
          const leg = flexSearchTextIndex({ tokenize, encoder })();
          texts.forEach((t, i) => t !== undefined && leg.add(i, t));
          const reference = new FlexSearchReference(texts, tokenize, encoder);
          const order = reference.order(query);
          const groups = leg.searchGroups!(query, texts.length + 1);
          // The same matches...
          expect(sorted(groups.flat())).toEqual(sorted(order));
          // ...and FlexSearch's ranking only reorders documents inside a group.
          const groupOf = new Map(groups.flatMap((g, n) => g.map((key) => [key, n] as const)));
          for (let i = 1; i < order.length; i++) expect(groupOf.get(order[i]!)!).toBeGreaterThanOrEqual(groupOf.get(order[i - 1]!)!);
          // Where terms can be searched alone, groups are exactly the classes of equal relevance key.
          const keys = reference.keys(query);
          if (keys) {
            groups.forEach((g, n) => {
              for (const key of g) expect(keys.get(key)).toEqual(keys.get(g[0]!));
              if (n > 0) expect(compareKeys(keys.get(groups[n - 1]![0]!)!, keys.get(g[0]!)!)).toBeLessThan(0);
            });
          }
          // A limit returns whole groups, just enough of them.
          const limited = leg.searchGroups!(query, limit);
          expect(limited).toEqual(groups.slice(0, limited.length));
          const held = limited.flat().length;
          expect(held >= Math.min(limit, order.length)).toBe(true);
          if (limited.length > 0) expect(held - limited[limited.length - 1]!.length < limit).toBe(true);
        },
      ),
      { seed: 8080, numRuns: 400 },
    );
  });
});
