import { describe, expect, it } from "vitest";
import { layoutFromMapping } from "../../../plugins/elasticsearch/index-layout.js";
import { BackendError } from "../../../src/index.js";

// OpenSearch indices are read from their mapping like Elasticsearch ones: the k-NN plugin's
// knn_vector field, its space_type (on the method or the field) deciding the metric.
describe("reading an OpenSearch mapping", () => {
  const knn = (def: Record<string, unknown>, extra: Record<string, unknown> = {}) =>
    layoutFromMapping("i", { properties: { tokens: { type: "rank_features" }, v: { type: "knn_vector", dimension: 4, ...def } }, ...extra }, {});

  it("space_type on the method or on the field sets the metric; none means l2", () => {
    expect([knn({ method: { name: "hnsw", space_type: "cosinesimil" } }).metric, knn({ space_type: "innerproduct" }).metric, knn({}).metric]).toEqual(["cosine", "dot", "l2"]);
    const layout = knn({ method: { name: "hnsw", space_type: "l2" } });
    expect([layout.fields.sparse, layout.fields.dense, layout.sparseType, layout.dimension, layout.denseIndexType]).toEqual(["tokens", "v", "rank_features", 4, "hnsw"]);
  });

  it("a space_type Tandem cannot score is refused by name", () => {
    for (const space of ["l1", "linf", "hamming"]) {
      expect(() => knn({ method: { name: "hnsw", space_type: space } })).toThrow(BackendError);
      expect(() => knn({ space_type: space })).toThrow(`dense field "v" has space_type ${space}, which Tandem cannot score`);
    }
  });

  it("vectors come with the hits from _source where it keeps them (knn_vector has no doc values to fetch)", () => {
    expect(knn({}).carries.dense).toBe("source");
    expect(knn({}, { _source: { excludes: ["v"] } }).carries.dense).toBeNull();
  });

  it("an index Tandem created without a dense field yet keeps its metric and token spelling in _meta", () => {
    const layout = layoutFromMapping("i", { properties: { sparse: { type: "rank_features" } }, _meta: { tandem: { metric: "dot", featureNames: "escaped" } } }, {});
    expect([layout.metric, layout.fields.dense, layout.tandem, layout.featureNames]).toEqual(["dot", undefined, true, "escaped"]);
    expect(layoutFromMapping("i", { properties: { sparse: { type: "rank_features" } } }, {}).featureNames).toBe("verbatim");
  });
});
