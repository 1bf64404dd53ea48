import { Client as Client9 } from "elasticsearch-client-9";
import type { Client } from "@elastic/elasticsearch";
import { expect, it } from "vitest";
import { ElasticsearchIndex } from "../../../plugins/elasticsearch/index.js";
import { BackendError } from "../../../src/index.js";
import { expectSameTopK, referenceDense, referenceLeg, referenceSparse } from "../../helpers/brute-force.js";
import { describeServers, featureFieldWeight, testServers, uniqueIndexName } from "../../helpers/elasticsearch.js";
import { generateCorpus } from "../../helpers/generate.js";

// Users bring their own client: the 8.x client (the package's own) works with 8.x and 9.x servers,
// which accept 8-compatible requests (the parity suite runs it against both); a 9.x client works
// with 9.x servers and is refused by 8.x ones.
const servers = (await testServers()).filter((s) => s.username === undefined);
const major = (version: string) => Number(version.split(".")[0]);

describeServers("client and server major versions", servers.slice(0, 1), () => {
  const v8 = servers.find((s) => major(s.version) === 8);
  const v9 = servers.find((s) => major(s.version) === 9);

  it.runIf(v8)("a 9.x client against an 8.x server: a clear error naming the version mismatch", async () => {
    const client = new Client9({ node: v8!.url }) as unknown as Client;
    const error = await ElasticsearchIndex.open(client, { index: "anything" }).catch((e) => e);
    expect(error).toBeInstanceOf(BackendError);
    expect(error.message).toMatch(/Elasticsearch 8\.\d+\.\d+ refuses this client's requests: use an @elastic\/elasticsearch client of major version 8 or older/);
    await client.close();
  });

  it.runIf(v9)("a 9.x client against a 9.x server: writes and exact searches match brute force", async () => {
    const client = new Client9({ node: v9!.url }) as unknown as Client;
    const name = uniqueIndexName("tandem-client9");
    const { docs, queries } = generateCorpus(8, 150, 6);
    for (const d of docs) if (d.sparse) d.sparse = Object.fromEntries(Object.entries(d.sparse).map(([t, w], i) => [t, featureFieldWeight(w + i / 100)]));
    const live = new Map(docs.map((d) => [d.id, d]));
    try {
      const index = await ElasticsearchIndex.open(client, { index: name, replicas: 0, denseIndexType: "flat" });
      expect((await index.upsert(docs)).upserted).toBe(docs.length);
      expect((await index.delete([docs[0]!.id])).deleted).toBe(1);
      live.delete(docs[0]!.id);
      for (const q of queries.slice(0, 5)) {
        const sparse = await index.search({ sparse: q.sparse, legs: ["sparse"], k: 10, exact: true });
        expectSameTopK(sparse.hits, referenceLeg(live, (d) => referenceSparse(q.sparse, d.sparse), undefined), 10);
        const dense = await index.search({ dense: q.dense, legs: ["dense"], k: 10, exact: true });
        expectSameTopK(dense.hits, referenceLeg(live, (d) => referenceDense("cosine", q.dense, d.dense), undefined), 10);
      }
      await index.close();
    } finally {
      await client.indices.delete({ index: name }, { ignore: [404] });
      await client.close();
    }
  });
});
