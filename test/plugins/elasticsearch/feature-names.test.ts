import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { featureName, tokenOf } from "../../../plugins/elasticsearch/feature-names.js";

// OpenSearch's rank_feature query splits `<field>.<feature>` at the last dot: escaped feature
// names must hold no dot, and must read back as the token they spell, for every string.
describe("feature names of tokens", () => {
  const tricky = fc.array(fc.constantFrom(".", "%", "2", "5", "E", "e", "a", "__proto__"), { maxLength: 12 }).map((parts) => parts.join(""));

  it("escaped: no dot, and the token comes back exactly (any string)", () => {
    fc.assert(
      fc.property(fc.oneof(fc.string(), fc.string({ unit: "binary" }), tricky), (token) => {
        const name = featureName(token, "escaped");
        expect(name).not.toContain(".");
        expect(tokenOf(name, "escaped")).toBe(token);
      }),
      { numRuns: 2000, seed: 11 },
    );
  });

  it("escaped: distinct tokens get distinct names; tokens without % or . are unchanged", () => {
    fc.assert(
      fc.property(tricky, tricky, (a, b) => {
        if (a !== b) expect(featureName(a, "escaped")).not.toBe(featureName(b, "escaped"));
      }),
      { numRuns: 2000, seed: 12 },
    );
    expect(featureName("##ing", "escaped")).toBe("##ing");
    expect(featureName("a.b%", "escaped")).toBe("a%2Eb%25");
  });

  it("verbatim: tokens are stored as they are", () => {
    fc.assert(
      fc.property(fc.string(), (token) => {
        expect(featureName(token, "verbatim")).toBe(token);
        expect(tokenOf(token, "verbatim")).toBe(token);
      }),
      { seed: 13 },
    );
  });
});
