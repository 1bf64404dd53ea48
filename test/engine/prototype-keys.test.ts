import { describe, expect, it } from "vitest";
import { flexSearchTextIndex } from "../../plugins/flexsearch/index.js";
import { HybridIndex, validateFilter, type Document } from "../../src/index.js";
import { useTempDirs } from "../helpers/temp-dirs.js";

// Fault kind: user-supplied keys that are Object.prototype names. Tokens, field names, ids and
// attachment names went through plain objects used as maps, where assigning "__proto__" sets the
// prototype instead of storing a key and reading "constructor" finds Object.prototype's.

const PROTOTYPE_NAMES = ["__proto__", "constructor", "prototype", "hasOwnProperty", "toString"];

/** JSON as a file would hold it: JSON.parse makes "__proto__" an own key, as a user's input has it. */
const fromJson = <T>(text: string): T => JSON.parse(text) as T;
const key = (name: string) => JSON.stringify(name);

function documentFor(name: string, i: number): Document {
  return fromJson(`{"id":${key(name)},"text":"alpha ${name}","sparse":{${key(name)}:${i + 1},"common":1},"dense":[${i + 1},1],"fields":{${key(name)}:"v${i}","n":${i}}}`);
}

const newDir = useTempDirs("tandem-proto-");

describe("keys that are Object.prototype names", () => {
  it("are tokens, field names and ids like any other: stored, found, filtered, explained, counted, in memory and after reopening", async () => {
    const dir = await newDir();
    const docs = PROTOTYPE_NAMES.map(documentFor);
    let index = await HybridIndex.open(dir, { metric: "dot", textIndex: flexSearchTextIndex() });
    await index.upsert(docs);
    const check = async () => {
      const stats = await index.stats();
      expect(stats.documents).toBe(5);
      // Five names and "common".
      expect(stats.vocabulary).toBe(6);
      for (const [i, name] of PROTOTYPE_NAMES.entries()) {
        const got = (await index.get(name))!;
        expect(got, name).toBeDefined();
        expect(Object.keys(got.sparse!).sort()).toEqual([name, "common"].sort());
        expect(Object.hasOwn(got.sparse!, name) && got.sparse![name]).toBe(i + 1);
        expect(Object.hasOwn(got.fields!, name) && got.fields![name]).toBe(`v${i}`);
        expect(Object.getPrototypeOf(got.sparse)).toBe(Object.prototype);

        const sparse = await index.search(fromJson(`{"sparse":{${key(name)}:2},"explain":true}`));
        expect(sparse.hits.map((h) => [h.id, h.score])).toEqual([[name, 2 * (i + 1)]]);
        expect(sparse.hits[0]!.explanation!.legs.sparse!.tokens).toEqual([{ token: name, query: 2, doc: i + 1, contribution: 2 * (i + 1) }]);

        const filtered = await index.search(fromJson(`{"sparse":{"common":1},"filter":{"term":{${key(name)}:"v${i}"}}}`));
        expect(filtered.hits.map((h) => h.id)).toEqual([name]);
        const ranged = await index.search(fromJson(`{"sparse":{"common":1},"filter":{"range":{${key(name)}:{"gte":"v"}}}}`));
        expect(ranged.hits.map((h) => h.id)).toEqual([name]);

        const text = await index.search({ text: name, legs: ["text"] });
        expect(text.hits.map((h) => h.id)).toContain(name);
      }
    };
    await check();
    await index.close();
    index = await HybridIndex.open(dir, { textIndex: flexSearchTextIndex() });
    try {
      await check();
      await index.delete(["__proto__", "constructor"]);
      expect(await index.get("__proto__")).toBeUndefined();
      expect(await index.get("constructor")).toBeUndefined();
      expect((await index.stats()).documents).toBe(3);
    } finally {
      await index.close();
    }
  });

  it("is not an attachment name that exists until one is stored under it", async () => {
    const dir = await newDir();
    let index = await HybridIndex.open(dir);
    await index.putAttachment("model", new Uint8Array([1]));
    for (const name of ["constructor", "prototype"]) expect(await index.getAttachment(name)).toBeUndefined();
    await index.putAttachment("constructor", new Uint8Array([7, 8]));
    await index.putAttachment("prototype", new Uint8Array([9]));
    await index.close();
    index = await HybridIndex.open(dir);
    try {
      const bytes = async (name: string) => Array.from((await index.getAttachment(name)) ?? []);
      expect(await bytes("constructor")).toEqual([7, 8]);
      expect(await bytes("prototype")).toEqual([9]);
      expect(await bytes("model")).toEqual([1]);
    } finally {
      await index.close();
    }
  });

  it("field names in filters are copied as data", () => {
    for (const name of PROTOTYPE_NAMES) {
      const filter = fromJson<object>(`{"and":[{"term":{${key(name)}:1}},{"not":{"terms":{${key(name)}:["x"]}}}]}`);
      const valid = validateFilter(filter) as { and: [{ term: Record<string, number> }, { not: { terms: Record<string, string[]> } }] };
      expect(Object.keys(valid.and[0].term)).toEqual([name]);
      expect(Object.keys(valid.and[1].not.terms)).toEqual([name]);
      expect(JSON.stringify(valid)).toBe(JSON.stringify(filter));
    }
  });
});
