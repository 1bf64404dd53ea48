import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { HybridIndex, type Document, type FieldValue, type Filter } from "../../src/index.js";
import { referenceMatches } from "../helpers/brute-force.js";
import { useTempDirs } from "../helpers/temp-dirs.js";

// Fault kind: the index keeps the caller's objects. It stored the `fields` object it was given and
// handed the same object out from `get()`, so changing either later changed what `get()` returned
// (but not the filters or the files). Every structure goes in and comes out as a copy.

const newDir = useTempDirs("tandem-aliasing-");

const scalar = fc.oneof(fc.constantFrom("a", "b", "c"), fc.integer({ min: 0, max: 5 }), fc.boolean());
const fieldValue: fc.Arbitrary<FieldValue> = fc.oneof(scalar, fc.array(fc.constantFrom("a", "b", "c"), { minLength: 1, maxLength: 3 }), fc.array(fc.integer({ min: 0, max: 5 }), { minLength: 1, maxLength: 3 }));
const doc = fc.record({
  sparse: fc.dictionary(fc.constantFrom("s", "t", "u"), fc.integer({ min: 1, max: 4 }), { minKeys: 1, maxKeys: 3 }),
  dense: fc.array(fc.integer({ min: -4, max: 4 }).map((v) => v + 0.5), { minLength: 2, maxLength: 2 }),
  fields: fc.dictionary(fc.constantFrom("x", "y", "z"), fieldValue, { maxKeys: 3 }),
});
/** A change to any part of a document: a field set, deleted or an array element replaced; a weight or component changed. */
const mutation = fc.record({ field: fc.constantFrom("x", "y", "z", "new"), value: fieldValue, token: fc.constantFrom("s", "t", "new"), at: fc.nat(3) });

function mutate(d: Document, m: { field: string; value: FieldValue; token: string; at: number }): void {
  const fields = d.fields!;
  const current = fields[m.field];
  if (Array.isArray(current) && current.length > 0) (current as unknown[])[m.at % current.length] = 99;
  else if (m.at === 0) delete fields[m.field];
  else fields[m.field] = m.value;
  if (m.at === 1) fields.added = "z";
  d.sparse![m.token] = 7;
  if (d.dense) (d.dense)[m.at % 2] = 123;
}

const filters = (f: string): Filter[] => [{ term: { [f]: "a" } }, { term: { [f]: 99 } }, { terms: { [f]: ["b", 3] } }, { range: { [f]: { gte: 2 } } }];

describe("the index keeps no object of the caller's", () => {
  it("changing what was upserted, or what get() returned, changes nothing stored, in memory or after reopening", async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(doc, { minLength: 1, maxLength: 5 }), fc.array(mutation, { minLength: 1, maxLength: 4 }), async (raw, mutations) => {
        const dir = await newDir();
        let index = await HybridIndex.open(dir, { metric: "dot" });
        const given: Document[] = raw.map((d, i) => ({ id: `d${i}`, ...d }));
        const expected = structuredClone(given);
        await index.upsert(given);
        for (const [i, m] of mutations.entries()) mutate(given[i % given.length]!, m);
        for (const [i, m] of mutations.entries()) {
          const got = (await index.get(`d${i % given.length}`))!;
          mutate(got, m);
        }
        const stats = await index.stats();
        stats.hnsw.M = 99;

        const check = async () => {
          for (const e of expected) {
            const got = (await index.get(e.id))!;
            expect({ ...got, dense: Array.from(got.dense!) }).toEqual(e);
          }
          expect((await index.stats()).hnsw.M).toBe(16);
          for (const f of ["x", "y", "z", "added"]) {
            for (const filter of filters(f)) {
              const hits = (await index.search({ sparse: { s: 1, t: 1, u: 1 }, filter, k: 10 })).hits.map((h) => h.id).sort();
              expect(hits, JSON.stringify(filter)).toEqual(expected.filter((d) => referenceMatches(filter, d.fields)).map((d) => d.id).sort());
            }
          }
        };
        await check();
        await index.close();
        index = await HybridIndex.open(dir);
        try {
          await check();
        } finally {
          await index.close();
        }
      }),
      { numRuns: 30, seed: 909 },
    );
  });

  it("a filter or attachment changed by the caller after the call is not the one used", async () => {
    const index = await HybridIndex.open(await newDir());
    try {
      await index.upsert([{ id: "a", sparse: { s: 1 }, fields: { x: 1 } }, { id: "b", sparse: { s: 1 }, fields: { x: 2 } }]);
      const filter: { term: Record<string, number> } = { term: { x: 1 } };
      const pending = index.search({ sparse: { s: 1 }, filter });
      filter.term.x = 2;
      expect((await pending).hits.map((h) => h.id)).toEqual(["a"]);

      const bytes = new Uint8Array([1, 2, 3]);
      const stored = index.putAttachment("model", bytes);
      bytes[0] = 9;
      await stored;
      const back = (await index.getAttachment("model"))!;
      expect(Array.from(back)).toEqual([1, 2, 3]);
      back[1] = 9;
      expect(Array.from((await index.getAttachment("model"))!)).toEqual([1, 2, 3]);
    } finally {
      await index.close();
    }
  });
});
