import { mkdtemp, readdir, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { flexSearchTextIndex } from "../../plugins/flexsearch/index.js";
import { HybridIndex, TandemError } from "../../src/index.js";
import { circular, hostile, nullProto, orHostile } from "../helpers/hostile-values.js";
import { useTempDirs } from "../helpers/temp-dirs.js";

// Fault kind: library calls with values only JavaScript has (BigInt, Symbol, functions, circular
// or null-prototype objects, a string where an array belongs, a non-function textIndex) threw a
// TypeError from deep inside (a template string, JSON.stringify, a method call). Every public
// method must answer with a typed TandemError naming the argument, or succeed; a refused call
// changes nothing stored.

const newDir = useTempDirs("tandem-js-values-");
const IDS = ["keep", "x", "y"];

const sparse = fc.dictionary(fc.constantFrom("a", "b", "c"), fc.oneof(fc.constantFrom(0.5, 1, 2), hostile), { maxKeys: 3 });
const dense = fc.oneof(fc.array(fc.constantFrom(0.5, 1, -1), { minLength: 3, maxLength: 3 }), fc.array(orHostile(fc.constant(1)), { maxLength: 4 }));
const fields = fc.dictionary(fc.constantFrom("year", "tags", "__proto__", "constructor"), orHostile(fc.constantFrom(2020, "a", true, ["a", "b"])), { maxKeys: 3 });
const doc = fc.record(
  { id: orHostile(fc.constantFrom(...IDS)), text: orHostile(fc.constant("alpha beta")), sparse: orHostile(sparse), dense: orHostile(dense), fields: orHostile(fields) },
  { requiredKeys: [] },
);
const filter = orHostile(fc.constantFrom({ term: { year: 2020 } }, { and: [{ not: { term: { tags: "a" } } }] }, { range: { year: { gte: 2000 } } }));
const query = fc.record(
  {
    text: orHostile(fc.constant("alpha")),
    sparse: orHostile(sparse),
    dense: orHostile(dense),
    k: orHostile(fc.constantFrom(1, 5)),
    from: orHostile(fc.constant(1)),
    filter,
    legs: orHostile(fc.constantFrom(["sparse"], ["dense", "text"])),
    candidates: orHostile(fc.constant(20)),
    exact: orHostile(fc.boolean()),
    ef: orHostile(fc.constant(50)),
    fusion: orHostile(
      fc.record(
        {
          method: orHostile(fc.constantFrom("rrf", "convex", "dbsf")),
          normalize: orHostile(fc.constantFrom("minmax", "zscore")),
          rankConstant: orHostile(fc.constant(10)),
          weights: orHostile(fc.dictionary(fc.constantFrom("sparse", "dense", "text"), orHostile(fc.constant(1)))),
          completion: orHostile(fc.boolean()),
        },
        { requiredKeys: [] },
      ),
    ),
    relevance: orHostile(fc.record({ minScore: orHostile(fc.constant(0)), autocut: orHostile(fc.constant(1)), maxHits: orHostile(fc.constant(3)) }, { requiredKeys: [] })),
    explain: orHostile(fc.boolean()),
  },
  { requiredKeys: [] },
);
const attachmentName = orHostile(fc.constantFrom("model", "other"));
const bytes = orHostile(fc.uint8Array({ maxLength: 4 }));

// One index for every test of this file: its directory outlives each test's temporary ones.
let dir: string;
let index: HybridIndex;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "tandem-js-values-shared-"));
  index = await HybridIndex.open(dir, { textIndex: flexSearchTextIndex() });
  await index.upsert([{ id: "keep", text: "alpha", sparse: { a: 1 }, dense: [1, 0, 0], fields: { year: 2020, tags: ["a"] } }]);
  await index.putAttachment("model", new Uint8Array([1, 2]));
});
afterAll(async () => {
  await index.close();
  await rm(dir, { recursive: true, force: true });
});

/** Everything stored, as the API shows it. */
async function state(): Promise<unknown> {
  const stats = await index.stats();
  return { stats, docs: await Promise.all(IDS.map((id) => index.get(id))), model: await index.getAttachment("model"), other: await index.getAttachment("other") };
}

/** Runs `call`: a TandemError or success; after a refusal, nothing stored has changed. */
async function typedOrSuccess(call: () => unknown): Promise<void> {
  const before = await state();
  let refused = false;
  try {
    await call();
  } catch (e) {
    if (!(e instanceof TandemError)) throw new Error(`not a TandemError: ${String(e)}`, { cause: e });
    expect(e.message.length).toBeGreaterThan(0);
    refused = true;
  }
  if (refused) expect(await state()).toEqual(before);
}

const RUNS = 150;

describe("library calls with values only JavaScript has", () => {
  it("upsert: a typed error or success, never a TypeError; a refused batch stores nothing", async () => {
    await fc.assert(
      fc.asyncProperty(orHostile(fc.array(orHostile(doc), { maxLength: 3 })), orHostile(fc.record({ where: orHostile(fc.constant((i: number) => `row ${i}`)) }, { requiredKeys: [] })), async (docs, options) => {
        await typedOrSuccess(() => index.upsert(docs as never, options as never));
      }),
      { numRuns: RUNS, seed: 1 },
    );
  });

  it("search and validateQuery: a typed error or success, and every returned score finite", async () => {
    await fc.assert(
      fc.asyncProperty(orHostile(query), orHostile(fc.constant("line 1")), async (q, where) => {
        await typedOrSuccess(async () => {
          const result = await index.search(q as never);
          for (const hit of result.hits) expect(Number.isFinite(hit.score)).toBe(true);
        });
        await typedOrSuccess(() => index.validateQuery(q as never, where as never));
      }),
      { numRuns: RUNS * 2, seed: 2 },
    );
  });

  it("delete, get, putAttachment, getAttachment and stats: a typed error or success", async () => {
    await fc.assert(
      fc.asyncProperty(orHostile(fc.array(orHostile(fc.constantFrom("x", "y")), { maxLength: 3 })), orHostile(fc.constantFrom(...IDS)), attachmentName, bytes, async (ids, id, name, data) => {
        await typedOrSuccess(() => index.delete(ids as never));
        await typedOrSuccess(() => index.get(id as never));
        await typedOrSuccess(() => index.putAttachment(name as never, data as never));
        await typedOrSuccess(() => index.getAttachment(name as never));
        await typedOrSuccess(() => index.stats());
      }),
      { numRuns: RUNS, seed: 3 },
    );
  });

  it("open: a typed error or success for any directory argument and options", async () => {
    const base = await newDir();
    let n = 0;
    const options = fc.record(
      {
        metric: orHostile(fc.constantFrom("cosine", "dot")),
        dimension: orHostile(fc.constant(3)),
        textIndex: orHostile(fc.constantFrom(flexSearchTextIndex(), () => 5 as never)),
        hnsw: orHostile(fc.record({ M: orHostile(fc.constant(8)) }, { requiredKeys: [] })),
        quantization: orHostile(fc.constantFrom("none", "int8")),
        readOnly: orHostile(fc.boolean()),
      },
      { requiredKeys: [] },
    );
    await fc.assert(
      fc.asyncProperty(fc.oneof(hostile.filter((v) => typeof v !== "string" || v === "" || v.includes("\u0000")), fc.constant("new")), orHostile(options), async (target, opts) => {
        const path = target === "new" ? join(base, `ix-${n++}`) : target;
        const entriesBefore = await readdir(base);
        try {
          const opened = await HybridIndex.open(path as never, opts as never);
          await opened.close();
        } catch (e) {
          if (!(e instanceof TandemError)) throw new Error(`not a TandemError: ${String(e)}`, { cause: e });
          // A refused open of a new directory creates nothing.
          if (target === "new") expect(await readdir(base)).toEqual(entriesBefore);
        }
      }),
      { numRuns: RUNS, seed: 4 },
    );
  });

  it("names the argument in the message (the reported cases)", async () => {
    await expect(index.delete("keep" as never)).rejects.toThrow(/^delete takes an array of ids, got "keep"$/);
    await expect(HybridIndex.open(await newDir(), null as never)).rejects.toThrow(/^open: options must be an object, got null$/);
    await expect(HybridIndex.open({ location: "x", read: () => undefined } as never)).rejects.toThrow(
      /^open: the index location must be a directory path \(a non-empty string\) or a Storage \(e\.g\. new MemoryStorage\(\)\), got \{"location":"x","read":/,
    );
    await expect(HybridIndex.open(await newDir(), { textIndex: "flexsearch" as never })).rejects.toThrow(/^textIndex must be a function .* got "flexsearch"$/);
    await expect(index.get(7 as never)).rejects.toThrow(/^get: an id must be a non-empty string, got 7$/);
    await expect(index.upsert([{ id: 10n as never }])).rejects.toThrow(/^docs\[0\]: "id" must be a non-empty string, got 10n$/);
    await expect(index.upsert([{ id: "s", sparse: { a: Symbol("w") as never } }])).rejects.toThrow(/sparse weight of "a" must be a finite number, got Symbol\(w\)/);
    await expect(index.upsert([{ id: "c", fields: { x: circular() as never } }])).rejects.toThrow(/fields\.x must be a string, finite number, boolean or array of them, got \{"term":\{"a":1\},"self":/);
    await expect(index.search({ sparse: { a: 1 }, k: 5n as never })).rejects.toThrow(/^query: "k" must be an integer, got 5n$/);
    await expect(index.search({ sparse: { a: 1 }, legs: [Symbol("leg") as never] })).rejects.toThrow(/"legs" must be an array of sparse, dense, text, got Symbol\(leg\) at \[0\]/);
    await expect(index.search({ sparse: { a: 1 }, fusion: { weights: { sparse: 1e300 } } })).rejects.toThrow(/weights\.sparse is 1e\+300, above the largest allowed weight/);
    const model = Array.from((await index.getAttachment("model")) ?? []);
    await expect(index.putAttachment(Symbol("n") as never, new Uint8Array(1))).rejects.toThrow(/attachment name must be .* got Symbol\(n\)/);
    await expect(index.putAttachment("model", "bytes" as never)).rejects.toThrow(/attachment bytes must be a Uint8Array, got "bytes"/);
    expect(Array.from((await index.getAttachment("model")) ?? [])).toEqual(model);
  });

  it("accepts null-prototype objects wherever an object is expected", async () => {
    const other = await HybridIndex.open(await newDir(), nullProto({ metric: "dot" as const, hnsw: nullProto({ M: 8 }) }));
    try {
      const docs = [
        nullProto({ id: "n1", sparse: nullProto({ a: 2 }), dense: [1, 2], fields: nullProto({ year: 2020, constructor: "c" }) }),
        nullProto({ id: "n2", sparse: nullProto({ a: 1 }), dense: [2, 1], fields: nullProto({ year: 2010 }) }),
      ];
      expect(await other.upsert(docs, nullProto({ where: (i: number) => `row ${i}` }))).toEqual({ upserted: 2 });
      const result = await other.search(
        nullProto({
          sparse: nullProto({ a: 1 }),
          dense: [1, 2],
          filter: nullProto({ range: nullProto({ year: nullProto({ gte: 2015 }) }) }),
          fusion: nullProto({ method: "convex" as const, weights: nullProto({ sparse: 1, dense: 1 }) }),
          relevance: nullProto({ minScore: 0 }),
        }),
      );
      expect(result.hits.map((h) => h.id)).toEqual(["n1"]);
      expect((await other.get("n1"))!.fields).toEqual({ year: 2020, constructor: "c" });
    } finally {
      await other.close();
    }
  });
});
