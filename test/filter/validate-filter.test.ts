import { describe, expect, it } from "vitest";
import { FieldColumns } from "../../src/filter/field-columns.js";
import { buildColumnPart } from "../../src/filter/column-part.js";
import { InvalidFilterError, validateFilter, type FieldValue, type Filter } from "../../src/index.js";

describe("filter language", () => {
  it("rejects unknown operators and malformed clauses, naming the path", () => {
    expect(() => validateFilter({ regex: { a: "x" } }, "q.jsonl:3")).toThrow(/q\.jsonl:3: filter: unknown filter operator "regex"/);
    expect(() => validateFilter({ and: [{ term: { a: 1 } }, { range: { y: { from: 1 } } }] })).toThrow(/^filter\.and\[1\]: range\.y: unknown bound "from"/);
    expect(() => validateFilter({ term: { a: 1 }, not: {} })).toThrow(InvalidFilterError);
    expect(() => validateFilter({ terms: { a: "x" } })).toThrow(/terms\.a must be an array/);
    expect(() => validateFilter([])).toThrow(InvalidFilterError);
  });

  it("matches arrays by any element, strings and numbers by their own order", () => {
    /** Whether a document with these fields matches: filter columns holding just that document. */
    const matchesFilter = (f: Filter, fields: Record<string, FieldValue>) => {
      const index = new FieldColumns(buildColumnPart([fields]), 1);
      return index.evaluate(validateFilter(f))[0] === 1;
    };
    const fields = { tags: ["x", "y"], year: 2020, date: "2021-05-01", ok: true };
    expect(matchesFilter({ term: { tags: "y" } }, fields)).toBe(true);
    expect(matchesFilter({ terms: { tags: ["q", "x"] } }, fields)).toBe(true);
    expect(matchesFilter({ range: { year: { gt: 2019, lte: 2020 } } }, fields)).toBe(true);
    expect(matchesFilter({ range: { year: { gt: 2020 } } }, fields)).toBe(false);
    expect(matchesFilter({ range: { date: { gte: "2021-01-01" } } }, fields)).toBe(true);
    expect(matchesFilter({ range: { year: { gte: "2000" } } }, fields)).toBe(false);
    expect(matchesFilter({ term: { ok: true } }, fields)).toBe(true);
    expect(matchesFilter({ not: { term: { missing: 1 } } }, fields)).toBe(true);
    expect(matchesFilter({ and: [{ term: { ok: true } }, { or: [{ term: { year: 1 } }, { term: { tags: "x" } }] }] }, fields)).toBe(true);

    // Other documents give other answers to the same filters.
    const other = { tags: ["z"], year: [1999, 2021], ok: false };
    expect(matchesFilter({ term: { tags: "y" } }, other)).toBe(false);
    expect(matchesFilter({ range: { year: { gt: 2020 } } }, other)).toBe(true);
    expect(matchesFilter({ range: { year: { lt: 2000 } } }, other)).toBe(true);
    expect(matchesFilter({ range: { year: { gt: 2019, lte: 2020 } } }, other)).toBe(false);
    expect(matchesFilter({ range: { date: { gte: "2021-01-01" } } }, other)).toBe(false);
    expect(matchesFilter({ not: { range: { date: { gte: "2021-01-01" } } } }, other)).toBe(true);
    expect(matchesFilter({ term: { ok: true } }, other)).toBe(false);
    expect(matchesFilter({ and: [{ term: { ok: true } }, { or: [{ term: { year: 1 } }, { term: { tags: "x" } }] }] }, {})).toBe(false);
  });
});
