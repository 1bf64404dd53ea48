import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { FieldColumns } from "../../src/filter/field-columns.js";
import { buildColumnPart } from "../../src/filter/column-part.js";
import type { FieldValue, Filter } from "../../src/index.js";
import { referenceMatches } from "../helpers/brute-force.js";

const scalar = fc.oneof(fc.constantFrom("a", "b", "c", "2021-01-01", "2022-06-30"), fc.integer({ min: 0, max: 6 }), fc.boolean());
const fieldValue: fc.Arbitrary<FieldValue> = fc.oneof(
  scalar,
  fc.array(fc.constantFrom("a", "b", "c"), { maxLength: 3 }),
  fc.array(fc.integer({ min: 0, max: 6 }), { maxLength: 3 }),
);
const fields = fc.dictionary(fc.constantFrom("x", "y", "z"), fieldValue, { maxKeys: 3 });
const field = fc.constantFrom("x", "y", "z", "missing");
const bound = fc.oneof(fc.integer({ min: -1, max: 7 }), fc.constantFrom("a", "b", "2021-06-01"));
const filter: fc.Arbitrary<Filter> = fc.letrec((tie) => ({
  leaf: fc.oneof(
    fc.tuple(field, scalar).map(([f, v]) => ({ term: { [f]: v } })),
    fc.tuple(field, fc.array(scalar, { maxLength: 3 })).map(([f, v]) => ({ terms: { [f]: v } })),
    fc
      .tuple(field, fc.record({ gte: bound, gt: bound, lte: bound, lt: bound }, { requiredKeys: [] }))
      .filter(([, b]) => Object.keys(b).length > 0)
      .map(([f, b]) => ({ range: { [f]: b } })),
  ),
  node: fc.oneof(
    { depthSize: "small" },
    tie("leaf"),
    fc.array(tie("node"), { maxLength: 3 }).map((fs) => ({ and: fs }) as Filter),
    fc.array(tie("node"), { maxLength: 3 }).map((fs) => ({ or: fs }) as Filter),
    tie("node").map((f) => ({ not: f }) as Filter),
  ),
})).node as fc.Arbitrary<Filter>;

/** The filter columns of a segment holding documents with these fields. */
const columnsOf = (docs: Record<string, FieldValue>[]) => new FieldColumns(buildColumnPart(docs), docs.length);

describe("FieldColumns", () => {
  it("evaluates any filter exactly as the filter semantics say, for every document", () => {
    fc.assert(
      fc.property(fc.array(fields, { maxLength: 30 }), filter, (docs, f) => {
        const bits = columnsOf(docs).evaluate(f);
        docs.forEach((d, slot) => expect(bits[slot], JSON.stringify({ d, f })).toBe(referenceMatches(f, d) ? 1 : 0));
      }),
      { numRuns: 500, seed: 7 },
    );
  });

  it("compares string ranges lexicographically and never across types", () => {
    const docs = [{ d: "2021-01-01" }, { d: "2022-06-30" }, { d: 2021 }, { d: ["2020-12-31", "2023-01-01"] }, {}];
    const index = columnsOf(docs as Record<string, FieldValue>[]);
    expect(Array.from(index.evaluate({ range: { d: { gte: "2021-01-01", lt: "2023" } } }))).toEqual([1, 1, 0, 0, 0]);
    expect(Array.from(index.evaluate({ range: { d: { gte: 2000 } } }))).toEqual([0, 0, 1, 0, 0]);
    expect(Array.from(index.evaluate({ range: { d: { gt: "2022-12-31" } } }))).toEqual([0, 0, 0, 1, 0]);
    expect(Array.from(index.evaluate({ not: { range: { d: { gte: "2000" } } } }))).toEqual([0, 0, 1, 0, 1]);
  });
});
