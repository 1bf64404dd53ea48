import type { Client } from "@elastic/elasticsearch";
import fc from "fast-check";
import { afterAll, beforeAll, expect, it } from "vitest";
import { ElasticsearchIndex } from "../../../plugins/elasticsearch/index.js";
import { InvalidDocumentError, InvalidFilterError, InvalidQueryError, MAX_FILTER_DEPTH, TandemError, type Document, type Filter } from "../../../src/index.js";
import { clientFor, describeServers, testServers, uniqueIndexName } from "../../helpers/elasticsearch.js";
import { hostile, nullProto, orHostile } from "../../helpers/hostile-values.js";

const servers = (await testServers()).filter((s) => s.username === undefined);

// The faults of the embedded engine's input tests, on the Elasticsearch backend: values only
// JavaScript has, keys that are Object.prototype names, caller objects kept, values valid in
// float64 but not in float32, and filters nested deeper than Elasticsearch allows.

const NAMES = ["__proto__", "constructor", "prototype", "hasOwnProperty", "toString"];
const IDS = ["keep", "x", "y"];
const key = (s: string) => JSON.stringify(s);

const sparse = fc.dictionary(fc.constantFrom("a", "b"), orHostile(fc.constantFrom(0.5, 1)), { maxKeys: 2 });
const dense = orHostile(fc.array(orHostile(fc.constantFrom(0.5, 1)), { minLength: 3, maxLength: 3 }));
const doc = fc.record({ id: orHostile(fc.constantFrom(...IDS)), text: orHostile(fc.constant("alpha")), sparse: orHostile(sparse), dense, fields: orHostile(fc.dictionary(fc.constantFrom("year", "constructor"), orHostile(fc.constant(2020)))) }, { requiredKeys: [] });
const query = fc.record(
  {
    text: orHostile(fc.constant("alpha")),
    sparse: orHostile(sparse),
    dense,
    k: orHostile(fc.constant(3)),
    filter: orHostile(fc.constant({ term: { year: 2020 } })),
    legs: orHostile(fc.constant(["sparse"])),
    fusion: orHostile(fc.record({ method: orHostile(fc.constant("convex")), weights: hostile }, { requiredKeys: [] })),
    relevance: hostile,
    exact: hostile,
  },
  { requiredKeys: [] },
);

describeServers("Elasticsearch $version: input validation", servers, (server) => {
  let client: Client;
  let index: ElasticsearchIndex;
  const name = uniqueIndexName("tandem-input");

  beforeAll(async () => {
    client = clientFor(server);
    index = await ElasticsearchIndex.open(client, { index: name, metric: "cosine" });
    await index.upsert([{ id: "keep", text: "alpha", sparse: { a: 1 }, dense: [1, 0, 0], fields: { year: 2020 } }]);
    await index.putAttachment("model", new Uint8Array([1, 2]));
  });
  afterAll(async () => {
    await index.close();
    await client.indices.delete({ index: [name, `${name}-tandem-attachments`] }, { ignore: [404] });
    await client.close();
  });

  const state = async () => ({
    count: (await index.stats()).documents,
    docs: await Promise.all(IDS.map((id) => index.get(id))),
    model: await index.getAttachment("model"),
  });
  async function typedOrSuccess(call: () => unknown): Promise<void> {
    const before = await state();
    try {
      await call();
    } catch (e) {
      if (!(e instanceof TandemError)) throw new Error(`not a TandemError: ${String(e)}`, { cause: e });
      expect(await state()).toEqual(before);
    }
  }

  it("every public method answers any JavaScript value with a typed error or success; a refused call changes nothing", async () => {
    await fc.assert(
      fc.asyncProperty(
        orHostile(fc.array(orHostile(doc), { maxLength: 2 })),
        orHostile(query),
        orHostile(fc.array(orHostile(fc.constantFrom("x", "y")), { maxLength: 2 })),
        orHostile(fc.constantFrom(...IDS)),
        orHostile(fc.constantFrom("model", "other")),
        orHostile(fc.uint8Array({ maxLength: 3 })),
        orHostile(fc.constant("line 1")),
        async (docs, q, ids, id, attachment, bytes, where) => {
          await typedOrSuccess(() => index.upsert(docs as never));
          await typedOrSuccess(async () => {
            for (const hit of (await index.search(q as never)).hits) expect(Number.isFinite(hit.score)).toBe(true);
          });
          await typedOrSuccess(() => index.validateQuery(q as never, where as never));
          await typedOrSuccess(() => index.delete(ids as never));
          await typedOrSuccess(() => index.get(id as never));
          await typedOrSuccess(() => index.putAttachment(attachment as never, bytes as never));
          await typedOrSuccess(() => index.getAttachment(attachment as never));
          await typedOrSuccess(() => index.stats());
        },
      ),
      { numRuns: 40, seed: 6 },
    );
    await expect(index.delete("keep" as never)).rejects.toThrow(/^delete takes an array of ids, got "keep"$/);
    await expect(index.get(5 as never)).rejects.toThrow(/^get: an id must be a non-empty string, got 5$/);
  });

  it("stores, finds, filters and explains tokens, field names and ids named like Object.prototype's properties", async () => {
    const docs = NAMES.map((n, i) => JSON.parse(`{"id":${key(n)},"sparse":{${key(n)}:${i + 1},"common":1},"dense":[1,${i},1],"fields":{${key(n)}:"v${i}"}}`) as Document);
    await index.upsert(docs);
    for (const [i, n] of NAMES.entries()) {
      const got = (await index.get(n))!;
      expect(Object.hasOwn(got.sparse!, n)).toBe(true);
      expect(Object.hasOwn(got.fields!, n) && got.fields![n]).toBe(`v${i}`);
      const result = await index.search(JSON.parse(`{"sparse":{${key(n)}:1},"filter":{"term":{${key(n)}:"v${i}"}},"explain":true}`));
      expect(result.hits.map((h) => h.id)).toEqual([n]);
      expect(result.hits[0]!.explanation!.legs.sparse!.tokens!.map((t) => t.token)).toEqual([n]);
    }
    const other = await index.search({ sparse: { common: 1, toString: 1 }, explain: true, k: 10 });
    for (const hit of other.hits) for (const t of hit.explanation!.legs.sparse!.tokens!) expect(Number.isFinite(t.contribution)).toBe(true);
    await index.delete(NAMES);
  });

  it("keeps none of the caller's objects", async () => {
    const fields = { year: 1999, tags: ["a"] };
    const d: Document = { id: "alias", sparse: { a: 1 }, fields };
    await index.upsert([d]);
    fields.year = 1;
    fields.tags.push("b");
    const got = (await index.get("alias"))!;
    expect(got.fields).toEqual({ year: 1999, tags: ["a"] });
    (got.fields!.tags as string[]).push("c");
    expect((await index.get("alias"))!.fields).toEqual({ year: 1999, tags: ["a"] });
    const stats = await index.stats();
    stats.fields.metadata = "elsewhere";
    expect((await index.stats()).fields.metadata).toBe("fields");
    await index.delete(["alias"]);
  });

  it("refuses values float32 cannot hold or compute with, and filters nested deeper than the limit", async () => {
    await expect(index.upsert([{ id: "w", sparse: { a: 1e39 } }])).rejects.toThrow(InvalidDocumentError);
    await expect(index.upsert([{ id: "w", sparse: { a: 1e-46 } }])).rejects.toThrow(InvalidDocumentError);
    await expect(index.upsert([{ id: "w", dense: [1e-30, 1e-30, 1e-30] }])).rejects.toThrow(InvalidDocumentError);
    await expect(index.search({ dense: [2e19, 2e19, 0] })).rejects.toThrow(InvalidQueryError);
    expect(await index.get("w")).toBeUndefined();
    let atLimit: Filter = { term: { year: 2020 } };
    for (let i = 0; i < MAX_FILTER_DEPTH; i++) atLimit = i % 2 === 0 ? { and: [atLimit] } : { or: [atLimit] };
    for (const exact of [false, true]) {
      const result = await index.search({ sparse: { a: 1 }, dense: [1, 0, 0], filter: atLimit, exact, fusion: { method: "convex" } });
      expect(result.hits.map((h) => h.id)).toEqual(["keep"]);
    }
    let beyond: Filter = atLimit;
    for (let i = 0; i < 10_000; i++) beyond = { not: beyond };
    await expect(index.search({ sparse: { a: 1 }, filter: { not: atLimit } })).rejects.toThrow(InvalidFilterError);
    await expect(index.search({ sparse: { a: 1 }, filter: beyond })).rejects.toThrow(InvalidFilterError);
  });

  it("accepts null-prototype objects wherever an object is expected", async () => {
    await index.upsert([nullProto({ id: "np", sparse: nullProto({ b: 2 }), fields: nullProto({ year: 2001 }) })], nullProto({}));
    const result = await index.search(nullProto({ sparse: nullProto({ b: 1 }), filter: nullProto({ term: nullProto({ year: 2001 }) }) }));
    expect(result.hits.map((h) => h.id)).toEqual(["np"]);
    await index.delete(["np"]);
  });
});
