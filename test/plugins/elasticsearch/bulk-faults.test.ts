import { Client } from "@elastic/elasticsearch";
import { afterAll, beforeAll, expect, it } from "vitest";
import { ElasticsearchIndex } from "../../../plugins/elasticsearch/index.js";
import { DEFAULT_FIELDS, newIndexBody } from "../../../plugins/elasticsearch/index-layout.js";
import { IngestError, type Document } from "../../../src/index.js";
import { clientFor, describeServers, testServers, uniqueIndexName } from "../../helpers/elasticsearch.js";
import { startFaultProxy, type BulkFault } from "../../helpers/fault-proxy.js";
import { generateCorpus } from "../../helpers/generate.js";

const open = (await testServers()).find((s) => s.username === undefined);

describeServers("bulk ingest under injected faults loses nothing", open ? [open] : [], (server) => {
  let admin: Client;
  const indices: string[] = [];
  beforeAll(() => {
    admin = clientFor(server);
  });
  afterAll(async () => {
    for (const index of indices) await admin.indices.delete({ index }, { ignore: [404] });
    await admin.close();
  });

  /** Writes through a faulty proxy; returns what the index holds afterwards, read directly. */
  async function ingestThrough(faults: (n: number) => BulkFault | undefined, docs: Document[], options: { pauseRefreshFrom?: number; refreshInterval?: string } = {}) {
    const proxy = await startFaultProxy(server.url, faults);
    const name = uniqueIndexName("tandem-faults");
    indices.push(name);
    // No transport-level retries: every fault reaches the ingest layer.
    const client = new Client({ node: proxy.url, maxRetries: 0 });
    const index = await ElasticsearchIndex.open(client, { index: name, replicas: 0, bulk: { backoffMs: 50, flushBytes: 20_000, pauseRefreshFrom: options.pauseRefreshFrom } });
    let error: unknown;
    try {
      if (options.refreshInterval) {
        const body = newIndexBody(DEFAULT_FIELDS, { metric: "cosine", dimension: 8, denseIndexType: "hnsw" }) as { settings: object; mappings: object };
        await admin.indices.create({ index: name, mappings: body.mappings, settings: { number_of_replicas: 0, refresh_interval: options.refreshInterval } });
        await index.close();
        return await ingestThroughOpen(await ElasticsearchIndex.open(client, { index: name, bulk: { backoffMs: 50, flushBytes: 20_000, pauseRefreshFrom: options.pauseRefreshFrom } }), docs, name, client, proxy);
      }
      await index.upsert(docs);
    } catch (err) {
      error = err;
    } finally {
      await index.close();
      await client.close();
      await proxy.close();
    }
    await admin.indices.refresh({ index: name });
    const stored = await admin.search<Record<string, unknown>>({ index: name, size: 10_000, query: { match_all: {} } });
    return { error, stored: new Map(stored.hits.hits.map((h) => [h._id!, h._source!])), injected: proxy.injected, name };
  }

  /** The same as the end of ingestThrough, for an index opened after its settings were made. */
  async function ingestThroughOpen(index: ElasticsearchIndex, docs: Document[], name: string, client: Client, proxy: Awaited<ReturnType<typeof startFaultProxy>>) {
    let error: unknown;
    try {
      await index.upsert(docs);
    } catch (err) {
      error = err;
    } finally {
      await index.close();
      await client.close();
      await proxy.close();
    }
    await admin.indices.refresh({ index: name });
    const stored = await admin.search<Record<string, unknown>>({ index: name, size: 10_000, query: { match_all: {} } });
    return { error, stored: new Map(stored.hits.hits.map((h) => [h._id!, h._source!])), injected: proxy.injected, name };
  }

  const refreshInterval = async (index: string) =>
    Object.values(await admin.indices.getSettings({ index, name: "index.refresh_interval", flat_settings: true }))[0]?.settings?.["index.refresh_interval"];

  const { docs } = generateCorpus(31, 300, 8);

  it("a 429 storm, a reset connection and rejected items: every document stored", async () => {
    const faults = (n: number): BulkFault | undefined =>
      n < 3 ? { kind: "reject-request", status: 429 } : n === 4 ? { kind: "reset-after-forwarding" } : n % 2 === 1 ? { kind: "reject-items", every: 4, status: n % 4 === 1 ? 429 : 503 } : undefined;
    const { error, stored, injected } = await ingestThrough(faults, docs);
    expect(error).toBeUndefined();
    expect(injected["reject-request"]).toBe(3);
    expect(injected["reset-after-forwarding"]).toBe(1);
    expect(injected["reject-items"]).toBeGreaterThan(10);
    expect(stored.size).toBe(docs.length);
    for (const doc of docs) expect(stored.get(doc.id)?.fields).toEqual(doc.fields);
  });

  it("documents the server refuses are reported with id and reason; the rest are stored", async () => {
    const bad = [
      { ...docs[10]!, fields: { year: "not a year" } },
      { ...docs[20]!, fields: { year: "also not" } },
    ];
    const batch = docs.map((d) => bad.find((b) => b.id === d.id) ?? d);
    // Items also rejected as overloaded, so permanent and transient failures meet in one write.
    const { error, stored } = await ingestThrough((n) => (n % 2 === 0 ? { kind: "reject-items", every: 3, status: 429 } : undefined), batch);
    expect(error).toBeInstanceOf(IngestError);
    const failures = (error as IngestError).failures;
    expect(failures.map((f) => f.id).sort()).toEqual(bad.map((b) => b.id).sort());
    for (const f of failures) {
      expect(f.status).toBe(400);
      expect(f.reason).toMatch(/parsing_exception/);
    }
    expect((error as IngestError).stored).toBe(docs.length - bad.length);
    expect((error as IngestError).message).toContain(bad[0]!.id);
    expect(stored.size).toBe(docs.length - bad.length);
    for (const b of bad) expect(stored.has(b.id)).toBe(false);
  });

  it("a server that stays overloaded: the write fails naming every document not stored", async () => {
    const { error, stored } = await ingestThrough((n) => (n === 0 ? undefined : { kind: "reject-request", status: 503 }), docs.slice(0, 50));
    // The first request creates nothing but the index's mapping; all bulk requests are refused.
    expect(error).toBeInstanceOf(IngestError);
    expect((error as IngestError).failures).toHaveLength(50 - stored.size);
    for (const f of (error as IngestError).failures) expect(stored.has(f.id)).toBe(false);
  });

  it("a large write pauses periodic refresh and puts the setting back, also when it fails", async () => {
    // Stored despite faults, with refresh paused: the index's own interval is back afterwards.
    const ok = await ingestThrough((n) => (n % 3 === 1 ? { kind: "reject-items", every: 5, status: 429 } : undefined), docs, { pauseRefreshFrom: 100, refreshInterval: "7s" });
    expect(ok.error).toBeUndefined();
    expect(ok.stored.size).toBe(docs.length);
    expect(await refreshInterval(ok.name)).toBe("7s");
    // Every bulk request refused: the write fails, and the setting is restored all the same.
    const failed = await ingestThrough(() => ({ kind: "reject-request", status: 503 }), docs.slice(0, 50), { pauseRefreshFrom: 10, refreshInterval: "3s" });
    expect(failed.error).toBeInstanceOf(IngestError);
    expect(await refreshInterval(failed.name)).toBe("3s");
  });

  it("during a large write the index does not refresh on its own; it refreshes once at the end", async () => {
    const client = clientFor(server);
    const name = uniqueIndexName("tandem-pause-refresh");
    indices.push(name);
    const seen: string[] = [];
    let during: unknown;
    let watching = false;
    client.diagnostic.on("request", (err, event) => {
      const { method, path } = event!.meta.request.params;
      if (!err && /_bulk|_settings|_refresh/.test(path)) seen.push(`${method} ${path.replace(`/${name}`, "")}`);
    });
    client.diagnostic.on("response", (err, event) => {
      if (!err && event?.meta.request.params.path.endsWith("/_bulk") && watching && during === undefined) during = refreshInterval(name);
    });
    const index = await ElasticsearchIndex.open(client, { index: name, replicas: 0, bulk: { flushBytes: 20_000, pauseRefreshFrom: 200 } });
    await index.upsert(docs.slice(0, 10));
    seen.length = 0;
    watching = true;
    await index.upsert(docs);
    expect(await during).toBe("-1");
    const bulks = seen.filter((s) => s.endsWith("/_bulk")).length;
    expect(bulks).toBeGreaterThan(3);
    expect(seen).toEqual(["GET /_settings/index.refresh_interval", "PUT /_settings", ...Array<string>(bulks).fill("POST /_bulk"), "PUT /_settings", "GET /_refresh"]);
    expect(await refreshInterval(name)).toBeUndefined();
    expect((await client.count({ index: name })).count).toBe(docs.length);
    // A small write leaves the settings alone.
    seen.length = 0;
    await index.upsert(docs.slice(0, 20));
    expect(seen).toEqual(["POST /_bulk", "GET /_refresh"]);
    await index.close();
    await client.close();
  });
});
