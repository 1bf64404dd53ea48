import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { featureFieldWeight } from "../../../plugins/elasticsearch/carried-vectors.js";
import { layoutFromMapping, sourceKeeps } from "../../../plugins/elasticsearch/index-layout.js";
import { featureFieldWeight as referenceFeatureFieldWeight } from "../../helpers/elasticsearch.js";

// Whether a hit can carry a vector field for score completion is read from the mapping's
// _source settings; a wrong "yes" would make completion treat an excluded vector as a missing one.
describe("which vector fields _source keeps", () => {
  it("follows enabled, includes and excludes, with wildcards and object paths", () => {
    const cases: [Parameters<typeof sourceKeeps>[0], string, boolean][] = [
      [undefined, "dense", true],
      [{}, "ml.tokens", true],
      [{ enabled: false }, "dense", false],
      [{ mode: "disabled" }, "dense", false],
      [{ mode: "synthetic" }, "dense", true],
      [{ excludes: ["dense"] }, "dense", false],
      [{ excludes: ["dense"] }, "densevec", true],
      [{ excludes: ["dense"] }, "sparse", true],
      [{ excludes: ["ml"] }, "ml.tokens", false],
      [{ excludes: ["ml.*"] }, "ml.tokens", false],
      [{ excludes: ["*.tokens"] }, "ml.tokens", false],
      [{ excludes: ["emb*"] }, "embedding", false],
      [{ excludes: ["ml.tokens.x"] }, "ml.tokens", true],
      [{ excludes: ["m.l"] }, "mxl", true],
      [{ includes: ["text", "fields"] }, "dense", false],
      [{ includes: ["text", "dense"] }, "dense", true],
      [{ includes: ["ml"] }, "ml.tokens", true],
      [{ includes: ["ml"], excludes: ["ml.tokens"] }, "ml.tokens", false],
    ];
    for (const [source, path, keeps] of cases) expect(sourceKeeps(source, path), `${JSON.stringify(source)} ${path}`).toBe(keeps);
  });

  it("an attached mapping's layout says how hits carry each vector", () => {
    const properties = { s: { type: "sparse_vector" }, d: { type: "dense_vector", dims: 4, similarity: "cosine" } };
    expect(layoutFromMapping("i", { properties }, {}).carries).toEqual({ sparse: "source", dense: "docvalues" });
    expect(layoutFromMapping("i", { properties, _source: { excludes: ["d"] } }, {}).carries).toEqual({ sparse: "source", dense: "docvalues" });
    expect(layoutFromMapping("i", { properties, _source: { excludes: ["s", "d"] } }, {}).carries).toEqual({ sparse: null, dense: "docvalues" });
  });
});

describe("sparse weights at the cluster's precision", () => {
  it("equal the FeatureField truncation for any float32 weight", () => {
    fc.assert(
      fc.property(fc.float({ min: Math.fround(1.2e-38), max: Math.fround(1e18), noNaN: true }), (w) => {
        expect(featureFieldWeight(w)).toBe(referenceFeatureFieldWeight(w));
        expect(featureFieldWeight(w)).toBeLessThanOrEqual(w);
        expect(featureFieldWeight(w)).toBeGreaterThan(w * (1 - 2 ** -8));
      }),
      { seed: 15, numRuns: 2000 },
    );
  });
});
