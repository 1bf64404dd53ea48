import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Client } from "@opensearch-project/opensearch";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { OpenSearchIndex } from "../../../plugins/opensearch/index.js";
import { BackendError, HybridIndex, InvalidOptionError, type Document, type SearchQuery } from "../../../src/index.js";
import { describeServers, featureFieldWeight, openSearchServers, testServers, uniqueIndexName } from "../../helpers/elasticsearch.js";
import { FILTERS, generateCorpus } from "../../helpers/generate.js";

const servers = await openSearchServers();

describe("OpenSearchIndex.open refuses before reaching a cluster", () => {
  it("a client that is not an OpenSearch client, and options only Elasticsearch has", async () => {
    await expect(OpenSearchIndex.open({ info: () => undefined } as never, { index: "x" })).rejects.toThrow(InvalidOptionError);
    const client = new Client({ node: "http://127.0.0.1:9" });
    for (const option of [{ denseIndexType: "flat" }, { sparseQuery: "terms" }, { prune: true }]) {
      await expect(OpenSearchIndex.open(client, { index: "x", ...option })).rejects.toThrow(`${Object.keys(option)[0]}: an Elasticsearch option, not offered on OpenSearch`);
    }
    await client.close();
  });
});

describeServers("OpenSearch $version: the backend's own cases", servers, (server) => {
  let client: Client;
  let dir: string;
  const names: string[] = [];
  const name = (prefix: string) => {
    const n = uniqueIndexName(prefix);
    names.push(n, `${n}-tandem-attachments`);
    return n;
  };

  beforeAll(async () => {
    // By default the OpenSearch client refuses answers with keys named __proto__ or constructor.
    client = new Client({ node: server.url, disablePrototypePoisoningProtection: true });
    dir = await mkdtemp(join(tmpdir(), "tandem-os-"));
  });
  afterAll(async () => {
    for (const index of names) await client.indices.delete({ index }, { ignore: [404] });
    await client.close();
    await rm(dir, { recursive: true, force: true });
  });

  it("tokens with dots and percent signs (and Object.prototype names) are stored, found, scored and explained as in the embedded engine", async () => {
    // rank_feature names a feature by `<field>.<token>`, split at the last dot.
    const tokens = [".", "a.b", "a%2Eb", "%", "%2E", "x.", "__proto__", "plain"];
    const docs: Document[] = tokens.map((t, i) => JSON.parse(`{"id":"d${i}","sparse":{${JSON.stringify(t)}:${(i + 1) / 4},"plain":0.5}}`) as Document);
    const embedded = await HybridIndex.open(join(dir, "tokens"), {});
    const os = await OpenSearchIndex.open(client, { index: name("tandem-os-tokens") });
    try {
      await embedded.upsert(docs);
      await os.upsert(docs);
      for (const [i, t] of tokens.entries()) {
        expect((await os.get(`d${i}`))?.sparse).toEqual(docs[i]!.sparse);
        const query = JSON.parse(`{"sparse":{${JSON.stringify(t)}:2},"legs":["sparse"],"explain":true,"exact":true}`) as SearchQuery;
        const [a, b] = [(await os.search(query)).hits, (await embedded.search(query)).hits];
        expect(a.map((h) => [h.id, h.score]), t).toEqual(b.map((h) => [h.id, h.score]));
        expect(a.length, t).toBeGreaterThan(0);
        expect(a[0]!.explanation!.legs.sparse!.tokens!.map((x) => x.token)).toEqual([t]);
      }
    } finally {
      await os.close();
      await embedded.close();
    }
  });

  it("an index created by a write without vectors gets its knn_vector field from the first vector, and keeps its metric", async () => {
    const index = name("tandem-os-late-dense");
    const first = await OpenSearchIndex.open(client, { index, metric: "dot" });
    await first.upsert([{ id: "s", sparse: { a: 1 } }]);
    await first.close();
    const again = await OpenSearchIndex.open(client, { index });
    expect((await again.stats()).metric).toBe("dot");
    await again.upsert([{ id: "v", dense: [2, 0, -1] }]);
    const hits = (await again.search({ dense: [1, 1, 1], legs: ["dense"], exact: true })).hits;
    expect(hits.map((h) => [h.id, h.score])).toEqual([["v", 1]]);
    expect((await again.stats()).dimension).toBe(3);
    await again.close();
  });

  it("attaches to an existing index: rank_features and knn_vector found by type, the metric read from space_type", async () => {
    const index = name("tandem-os-attach");
    await client.indices.create({
      index,
      body: {
        settings: { "index.knn": true },
        mappings: {
          properties: {
            title: { type: "text" },
            tokens: { type: "rank_features" },
            embedding: { type: "knn_vector", dimension: 2, method: { name: "hnsw", engine: "lucene", space_type: "l2" } },
            year: { type: "integer" },
          },
        },
      },
    });
    await client.index({ index, id: "p", body: { title: "red apple", tokens: { apple: 2 }, embedding: [1, 2], year: 2020 }, refresh: true });
    await client.index({ index, id: "q", body: { title: "green pear", tokens: { pear: 1, apple: 0.5 }, embedding: [0, 0], year: 2010 }, refresh: true });
    const os = await OpenSearchIndex.open(client, { index, readOnly: true });
    try {
      const stats = await os.stats();
      expect([stats.backend, stats.metric, stats.dimension, stats.fields]).toEqual(["opensearch", "l2", 2, { text: "title", sparse: "tokens", dense: "embedding", metadata: "" }]);
      const sparse = await os.search({ sparse: { apple: 1 }, legs: ["sparse"], filter: { range: { year: { gte: 2015 } } } });
      expect(sparse.hits.map((h) => [h.id, h.score])).toEqual([["p", 2]]);
      const dense = await os.search({ dense: [1, 1], legs: ["dense"] });
      // Raw similarity under l2 is minus the squared distance.
      expect(dense.hits.map((h) => h.id)).toEqual(["p", "q"]);
      dense.hits.forEach((h, i) => expect(h.score).toBeCloseTo([-1, -2][i]!, 5));
      expect((await os.search({ text: "apple", legs: ["text"] })).hits.map((h) => h.id)).toEqual(["p"]);
      await expect(os.upsert([{ id: "z", sparse: { a: 1 } }])).rejects.toThrow(InvalidOptionError);
    } finally {
      await os.close();
    }
  });

  it("score completion from the hits (vectors from _source) and by a second request give the embedded engine's answers", async () => {
    const { docs: generated, queries } = generateCorpus(4243, 200, 8);
    // Weights as the cluster stores them, nudged off the generator's quarter steps (see the parity suite).
    const docs = generated.map((d) => (d.sparse ? { ...d, sparse: Object.fromEntries(Object.entries(d.sparse).map(([t, w], i) => [t, featureFieldWeight(w + ((d.id.length * 5 + i) % 11) / 64)])) } : d));
    const index = name("tandem-os-completion");
    const embedded = await HybridIndex.open(join(dir, "completion"), {});
    const fromHits = await OpenSearchIndex.open(client, { index, completeFrom: "hits", shards: 1, replicas: 0 });
    await embedded.upsert(docs);
    await fromHits.upsert(docs);
    const byRequest = await OpenSearchIndex.open(client, { index, readOnly: true });
    const within = (a: number, b: number) => Math.abs(a - b) <= 2e-5 * Math.max(1, Math.abs(a), Math.abs(b));
    let completed = 0;
    try {
      for (const q of queries.slice(0, 6)) {
        for (const fusion of [{ method: "convex", normalize: "zscore" }, { method: "dbsf" }] as const) {
          for (const filter of [undefined, FILTERS[1]]) {
            const query: SearchQuery = { sparse: q.sparse, dense: q.dense, legs: ["sparse", "dense"], k: 10, filter, exact: true, candidates: 30, fusion, explain: true };
            const reference = await embedded.search(query);
            for (const [os, path] of [[fromHits, "hits"], [byRequest, "second-request"]] as const) {
              const result = await os.search(query);
              const context = `${path} ${JSON.stringify(fusion)} ${JSON.stringify(filter)}`;
              expect(result.hits.map((h) => h.id), context).toEqual(reference.hits.map((h) => h.id));
              result.hits.forEach((h, i) => expect(within(h.score, reference.hits[i]!.score), `${context}: ${h.score} vs ${reference.hits[i]!.score}`).toBe(true));
              if (result.completion === "none") continue;
              expect(result.completion, context).toBe(path);
              completed++;
            }
          }
        }
      }
      expect(completed).toBeGreaterThan(20);
    } finally {
      await Promise.all([fromHits.close(), byRequest.close(), embedded.close()]);
    }
  });

  it("a missing index is an error when read-only", async () => {
    await expect(OpenSearchIndex.open(client, { index: "tandem-os-no-such-index", readOnly: true })).rejects.toThrow(BackendError);
  });
});

const elasticsearch = (await testServers()).find((s) => s.username === undefined);

describe("OpenSearchIndex.open on an Elasticsearch cluster", () => {
  it.runIf(elasticsearch !== undefined)("is refused for what the cluster is, before its index is read (fault kind: a refusal that names the index, not the cluster)", async () => {
    const client = new Client({ node: elasticsearch!.url });
    try {
      for (const readOnly of [true, false]) {
        await expect(OpenSearchIndex.open(client, { index: uniqueIndexName("tandem-os-on-es"), readOnly })).rejects.toThrow(/^the cluster is Elasticsearch \d+\.\d+\.\d+: use ElasticsearchIndex/);
      }
    } finally {
      await client.close();
    }
  });
});
