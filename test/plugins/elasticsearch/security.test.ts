import { readFileSync } from "node:fs";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { Client } from "@elastic/elasticsearch";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { connect, ElasticsearchIndex } from "../../../plugins/elasticsearch/index.js";
import { BackendError, InvalidOptionError } from "../../../src/index.js";
import { describeServers, testServers, uniqueIndexName } from "../../helpers/elasticsearch.js";

const secured = (await testServers()).find((s) => s.username !== undefined);

describeServers("a secured cluster (HTTPS with its own CA, basic authentication)", secured ? [secured] : [], (server) => {
  const indices: string[] = [];
  let admin: Client;
  beforeAll(() => {
    admin = connect({ url: server.url, username: server.username, password: server.password, caFile: server.ca });
  });
  afterAll(async () => {
    for (const index of indices) await admin.indices.delete({ index }, { ignore: [404] });
    await admin.close();
  });

  it("indexes and searches with a username and password", async () => {
    const name = uniqueIndexName("tandem-secured");
    indices.push(name);
    const index = await ElasticsearchIndex.open(admin, { index: name, replicas: 0 });
    await index.upsert([
      { id: "a", sparse: { x: 1 }, dense: [1, 0] },
      { id: "b", sparse: { x: 2, y: 1 }, dense: [0, 1] },
    ]);
    const { hits } = await index.search({ sparse: { x: 1 }, dense: [1, 0.1], fusion: { method: "rrf" } });
    expect(hits.map((h) => h.id).sort()).toEqual(["a", "b"]);
    expect((await index.stats()).documents).toBe(2);
    await index.close();
  });

  it("a certificate the client does not trust: a clear error, not a silent downgrade", async () => {
    expect(server.url).toMatch(/^https:/);
    const client = connect({ url: server.url, username: server.username, password: server.password });
    const error = await ElasticsearchIndex.open(client, { index: "anything" }).catch((e) => e);
    expect(error).toBeInstanceOf(BackendError);
    expect(error.message).toMatch(/cannot reach Elasticsearch: .*(certificate|self.signed)/i);
    await client.close();
  });

  it("wrong or missing credentials: a clear error naming the refusal", async () => {
    const tls = { ca: readFileSync(server.ca!, "utf8") };
    for (const client of [connect({ url: server.url, username: server.username, password: "wrong", caFile: server.ca }), new Client({ node: server.url, tls })]) {
      const error = await ElasticsearchIndex.open(client, { index: "anything" }).catch((e) => e);
      expect(error).toBeInstanceOf(BackendError);
      expect(error.message).toMatch(/HTTP 401: security_exception/);
      await client.close();
    }
  });
});

describe("connect() credentials", () => {
  it("sends an API key as Elasticsearch expects it", async () => {
    // The integ-test distribution cannot create API keys (its .security index needs the
    // analysis-common module), so the header is checked on a capturing server.
    const seen: (string | undefined)[] = [];
    const server = createServer((req, res) => {
      seen.push(req.headers.authorization);
      res.writeHead(200, { "content-type": "application/json", "x-elastic-product": "Elasticsearch" });
      res.end(JSON.stringify({ version: { number: "8.19.0" } }));
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    const client = connect({ url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, apiKey: "a2V5OnNlY3JldA==" });
    await client.info();
    await client.close();
    server.close();
    expect(seen).toEqual(["ApiKey a2V5OnNlY3JldA=="]);
  });

  it("rejects contradictory or incomplete credentials and bad URLs", () => {
    expect(() => connect({ url: "http://h:9200", apiKey: "k", username: "u", password: "p" })).toThrow(InvalidOptionError);
    expect(() => connect({ url: "http://h:9200", username: "u" })).toThrow(/needs a password/);
    expect(() => connect({ url: "not a url" })).toThrow(/not a URL/);
    expect(() => connect({ url: "https://h:9200", caFile: "/no/such/ca.pem" })).toThrow(/CA file \/no\/such\/ca.pem/);
  });
});
