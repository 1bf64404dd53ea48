import { Client } from "@opensearch-project/opensearch";
import { afterAll, beforeAll, expect, it } from "vitest";
import { OpenSearchIndex } from "../../../plugins/opensearch/index.js";
import { IngestError, type Document } from "../../../src/index.js";
import { describeServers, openSearchServers, uniqueIndexName } from "../../helpers/elasticsearch.js";
import { startFaultProxy, type BulkFault } from "../../helpers/fault-proxy.js";
import { generateCorpus } from "../../helpers/generate.js";

// The OpenSearch client's bulk helper reports no successes, so the backend's is rebuilt on
// _bulk: every operation must still be accounted for — retried when overloaded, reported when
// refused, counted when deleted.
const servers = await openSearchServers();

describeServers("OpenSearch $version: bulk writes under injected faults lose nothing", servers, (server) => {
  let admin: Client;
  const indices: string[] = [];
  beforeAll(() => {
    admin = new Client({ node: server.url });
  });
  afterAll(async () => {
    for (const index of indices) await admin.indices.delete({ index }, { ignore: [404] });
    await admin.close();
  });

  const { docs } = generateCorpus(32, 200, 8);

  /** Upserts (then deletes, when asked) through a faulty proxy; returns the outcome and what is stored. */
  async function through(faults: (n: number) => BulkFault | undefined, batch: Document[], remove: string[] = []) {
    const proxy = await startFaultProxy(server.url, faults);
    const name = uniqueIndexName("tandem-os-faults");
    indices.push(name);
    const client = new Client({ node: proxy.url, maxRetries: 0 });
    const index = await OpenSearchIndex.open(client, { index: name, replicas: 0, bulk: { backoffMs: 50, flushBytes: 15_000 } });
    let deleted: number | undefined;
    const write = async () => {
      await index.upsert(batch);
      if (remove.length > 0) deleted = (await index.delete(remove)).deleted;
    };
    const error = await write().then(() => undefined, (err: unknown) => err);
    for (const closing of [index, client, proxy]) await closing.close();
    await admin.indices.refresh({ index: name });
    const found = (await admin.search({ index: name, body: { size: 10_000, query: { match_all: {} } } })).body.hits.hits as { _id: string; _source: Record<string, unknown> }[];
    return { error, deleted, stored: new Map(found.map((h) => [h._id, h._source])), injected: proxy.injected };
  }

  it("a 429 storm, a reset connection and items rejected as overloaded: every document stored; deletes counted", async () => {
    const faults = (n: number): BulkFault | undefined =>
      n < 3 ? { kind: "reject-request", status: 429 } : n === 4 ? { kind: "reset-after-forwarding" } : n % 2 === 1 ? { kind: "reject-items", every: 4, status: n % 4 === 1 ? 429 : 503 } : undefined;
    const remove = [...docs.slice(0, 30).map((d) => d.id), "no-such-id"];
    const { error, deleted, stored, injected } = await through(faults, docs, remove);
    expect(error).toBeUndefined();
    expect([injected["reject-request"], injected["reset-after-forwarding"]]).toEqual([3, 1]);
    expect(injected["reject-items"]).toBeGreaterThan(5);
    expect(deleted).toBe(30);
    expect(stored.size).toBe(docs.length - 30);
    for (const doc of docs.slice(30)) expect(stored.get(doc.id)?.fields).toEqual(doc.fields);
  });

  it("documents the server refuses are reported with id and reason; the rest are stored", async () => {
    const bad = [docs[10]!, docs[20]!].map((d) => ({ ...d, fields: { year: "not a year" } }));
    const batch = docs.map((d) => bad.find((b) => b.id === d.id) ?? d);
    const { error, stored } = await through((n) => (n % 2 === 0 ? { kind: "reject-items", every: 3, status: 429 } : undefined), batch);
    expect(error).toBeInstanceOf(IngestError);
    const { failures } = error as IngestError;
    expect(failures.map((f) => f.id).sort()).toEqual(bad.map((b) => b.id).sort());
    for (const f of failures) expect([f.status, f.reason]).toEqual([400, expect.stringMatching(/parsing_exception/)]);
    expect((error as IngestError).stored).toBe(docs.length - bad.length);
    expect(stored.size).toBe(docs.length - bad.length);
  });
});
