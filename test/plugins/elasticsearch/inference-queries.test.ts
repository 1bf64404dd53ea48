import { Client } from "@elastic/elasticsearch";
import { afterAll, beforeAll, expect, it } from "vitest";
import { ElasticsearchDenseEncoder, ElasticsearchSparseEncoder } from "../../../plugins/encoders/index.js";
import { ElasticsearchIndex } from "../../../plugins/elasticsearch/index.js";
import { clientFor, describeServers, testServers, uniqueIndexName } from "../../helpers/elasticsearch.js";
import { startFaultProxy, type FaultProxy } from "../../helpers/fault-proxy.js";
import { generateCorpus } from "../../helpers/generate.js";

const open = (await testServers()).find((s) => s.username === undefined);

// A stand-in "model" behind the inference API, answered by a proxy in front of the real cluster
// (the integ-test distribution has no inference module); everything else reaches Elasticsearch.
const sparseOf = (text: string) => Object.fromEntries(text.split(" ").map((w) => [`t${w.length * 7}`, 1 + (w.charCodeAt(0) % 5) / 4]));
const denseOf = (text: string) => Array.from({ length: 8 }, (_, i) => Math.sin(text.length * (i + 1)) + (text.charCodeAt(i % text.length) % 7) / 7);

describeServers("text-only queries get their vectors from inference endpoints", open ? [open] : [], (server) => {
  let proxy: FaultProxy;
  let client: Client;
  const name = uniqueIndexName("tandem-inference");
  const { docs, queries } = generateCorpus(515, 200, 8);

  beforeAll(async () => {
    proxy = await startFaultProxy(server.url, () => undefined, (path, body) => {
      if (!path.startsWith("/_inference/")) return undefined;
      const input = (body() as { input: string[] }).input;
      if (path === "/_inference/sparse_embedding/elser") return { status: 200, json: { sparse_embedding: input.map((t) => ({ is_truncated: false, embedding: sparseOf(t) })) } };
      if (path === "/_inference/text_embedding/e5") return { status: 200, json: { text_embedding: input.map((t) => ({ embedding: denseOf(t) })) } };
      return undefined;
    });
    client = new Client({ node: proxy.url });
  });
  afterAll(async () => {
    const admin = clientFor(server);
    await admin.indices.delete({ index: name }, { ignore: [404] });
    await admin.close();
    await client.close();
    await proxy.close();
  });

  it("gives the same hits as the query with the endpoint's vectors passed in", async () => {
    const queryEncoders = {
      sparse: new ElasticsearchSparseEncoder(client, { inferenceId: "elser" }),
      dense: new ElasticsearchDenseEncoder(client, { inferenceId: "e5", dimension: 8 }),
    };
    const index = await ElasticsearchIndex.open(client, { index: name, replicas: 0, denseIndexType: "flat", queryEncoders });
    await index.upsert(docs);
    for (const { text } of queries.slice(0, 5)) {
      const fusion = { method: "convex" as const, normalize: "zscore" as const };
      const fromText = await index.search({ text, legs: ["sparse", "dense"], fusion, exact: true });
      const fromVectors = await index.search({ sparse: sparseOf(text), dense: denseOf(text), fusion, exact: true });
      expect(fromText.legs).toEqual(["sparse", "dense"]);
      expect(fromText.hits.length).toBeGreaterThan(0);
      expect(fromText.hits).toEqual(fromVectors.hits);
    }
    await index.close();
  });
});
