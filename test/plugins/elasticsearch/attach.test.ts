import type { Client } from "@elastic/elasticsearch";
import { afterAll, beforeAll, expect, it } from "vitest";
import { ElasticsearchIndex } from "../../../plugins/elasticsearch/index.js";
import { BackendError, InvalidDocumentError, InvalidOptionError, InvalidQueryError, type Document, type Filter } from "../../../src/index.js";
import { expectSameTopK, referenceDense, referenceLeg, referenceSparse } from "../../helpers/brute-force.js";
import { clientFor, describeServers, featureFieldWeight, testServers, uniqueIndexName } from "../../helpers/elasticsearch.js";
import { generateCorpus } from "../../helpers/generate.js";

const servers = (await testServers()).filter((s) => s.username === undefined);

// An index made outside Tandem, as a team running ELSER would have it: tokens in a nested
// sparse_vector field, a unit-length embedding under dot_product, text, and filter fields at the
// top level with their own types.
const MAPPING = {
  properties: {
    title: { type: "text" },
    ml: { properties: { tokens: { type: "sparse_vector" } } },
    embedding: { type: "dense_vector", dims: 8, similarity: "dot_product", index: true, index_options: { type: "flat" } },
    lang: { type: "keyword" },
    year: { type: "integer" },
    open: { type: "boolean" },
  },
};

const unit = (v: number[]) => {
  const n = Math.hypot(...v);
  return v.map((x) => Math.fround(x / n));
};
const { docs: generated, queries } = generateCorpus(909, 250, 8);
const docs: Document[] = generated.map((d) => ({
  ...d,
  sparse: d.sparse && Object.fromEntries(Object.entries(d.sparse).map(([t, w]) => [t, featureFieldWeight(w)])),
  dense: d.dense && unit(d.dense as number[]),
  fields: { lang: d.fields!.lang!, year: d.fields!.year!, open: d.fields!.open! },
}));
const live = new Map(docs.map((d) => [d.id, d]));

describeServers("Elasticsearch $version: attaching to an existing index", servers, (server) => {
  let client: Client;
  const name = uniqueIndexName("tandem-attach");
  const other = uniqueIndexName("tandem-attach-two-vectors");

  beforeAll(async () => {
    client = clientFor(server);
    await client.indices.create({ index: name, mappings: MAPPING as never, settings: { number_of_replicas: 0 } });
    await client.bulk({
      refresh: true,
      operations: docs.flatMap((d) => [
        { index: { _index: name, _id: d.id } },
        { title: d.text, "ml.tokens": d.sparse, embedding: d.dense, ...d.fields },
      ]),
    });
    await client.indices.create({
      index: other,
      mappings: { properties: { a: { type: "dense_vector", dims: 2 }, b: { type: "dense_vector", dims: 2 }, s: { type: "keyword" } } },
      settings: { number_of_replicas: 0 },
    });
  });
  afterAll(async () => {
    await client.indices.delete({ index: [name, other] }, { ignore: [404] });
    await client.close();
  });

  it("finds the fields by type and answers like brute force, filters on top-level fields", async () => {
    const index = await ElasticsearchIndex.open(client, { index: name, readOnly: true });
    const stats = await index.stats();
    expect(stats.fields).toEqual({ text: "title", sparse: "ml.tokens", dense: "embedding", metadata: "" });
    expect(stats).toMatchObject({ documents: docs.length, dimension: 8, metric: "dot", denseIndexType: "flat" });
    const filters: (Filter | undefined)[] = [undefined, { term: { lang: "de" } }, { range: { year: { gte: 2010, lt: 2015 } } }, { and: [{ term: { open: true } }, { not: { term: { lang: "en" } } }] }];
    for (const q of queries.slice(0, 5)) {
      const dense = unit(q.dense);
      for (const filter of filters) {
        const sparse = await index.search({ sparse: q.sparse, legs: ["sparse"], k: 15, filter, exact: true });
        expectSameTopK(sparse.hits, referenceLeg(live, (d) => referenceSparse(q.sparse, d.sparse), filter), 15);
        const knn = await index.search({ dense, legs: ["dense"], k: 15, filter, exact: true });
        expectSameTopK(knn.hits, referenceLeg(live, (d) => referenceDense("dot", dense, d.dense), filter), 15);
      }
    }
    const doc = await index.get(docs[3]!.id);
    expect(doc).toMatchObject({ id: docs[3]!.id, text: docs[3]!.text, fields: docs[3]!.fields });
    await expect(index.upsert([docs[0]!])).rejects.toThrow(/read-only/);
    await index.close();
  });

  it("named fields are checked: missing, wrong type, ambiguous, wrong dimension", async () => {
    await expect(ElasticsearchIndex.open(client, { index: name, fields: { sparse: "nope" } })).rejects.toThrow(/no field "nope"/);
    await expect(ElasticsearchIndex.open(client, { index: name, fields: { dense: "lang" } })).rejects.toThrow(BackendError);
    await expect(ElasticsearchIndex.open(client, { index: name, fields: { dense: "lang" } })).rejects.toThrow(/"lang" is keyword, but the dense field must be dense_vector/);
    await expect(ElasticsearchIndex.open(client, { index: other })).rejects.toThrow(InvalidOptionError);
    const two = await ElasticsearchIndex.open(client, { index: other, fields: { dense: "b" } });
    expect(() => two.validateQuery({ dense: [1, 2, 3] })).toThrow(InvalidQueryError);
    expect(() => two.validateQuery({ sparse: { a: 1 } })).toThrow(/no sparse_vector field/);
    await expect(two.upsert([{ id: "x", dense: [1] }])).rejects.toThrow(InvalidDocumentError);
    await two.close();
    await expect(ElasticsearchIndex.open(client, { index: name, metric: "cosine" })).rejects.toThrow(/uses metric dot/);
    await expect(ElasticsearchIndex.open(client, { index: uniqueIndexName("absent"), readOnly: true })).rejects.toThrow(/does not exist/);
  });
});
