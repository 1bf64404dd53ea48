import { describe, expect, it } from "vitest";
import { FieldIndex } from "../../src/filter/field-index.js";
import { InvalidFilterError, validateFilter, type Filter } from "../../src/index.js";

describe("filter language", () => {
  it("rejects unknown operators and malformed clauses, naming the path", () => {
    expect(() => validateFilter({ regex: { a: "x" } }, "q.jsonl:3")).toThrow(/q\.jsonl:3: filter: unknown filter operator "regex"/);
    expect(() => validateFilter({ and: [{ term: { a: 1 } }, { range: { y: { from: 1 } } }] })).toThrow(/^filter\.and\[1\]: range\.y: unknown bound "from"/);
    expect(() => validateFilter({ term: { a: 1 }, not: {} })).toThrow(InvalidFilterError);
    expect(() => validateFilter({ terms: { a: "x" } })).toThrow(/terms\.a must be an array/);
    expect(() => validateFilter([])).toThrow(InvalidFilterError);
  });

  it("matches arrays by any element, strings and numbers by their own order", () => {
    const fields = { tags: ["x", "y"], year: 2020, date: "2021-05-01", ok: true };
    const index = new FieldIndex();
    index.add(0, fields);
    const matchesFilter = (f: Filter, _fields: typeof fields) => index.evaluate(validateFilter(f))[0] === 1;
    expect(matchesFilter({ term: { tags: "y" } }, fields)).toBe(true);
    expect(matchesFilter({ terms: { tags: ["q", "x"] } }, fields)).toBe(true);
    expect(matchesFilter({ range: { year: { gt: 2019, lte: 2020 } } }, fields)).toBe(true);
    expect(matchesFilter({ range: { year: { gt: 2020 } } }, fields)).toBe(false);
    expect(matchesFilter({ range: { date: { gte: "2021-01-01" } } }, fields)).toBe(true);
    expect(matchesFilter({ range: { year: { gte: "2000" } } }, fields)).toBe(false);
    expect(matchesFilter({ term: { ok: true } }, fields)).toBe(true);
    expect(matchesFilter({ not: { term: { missing: 1 } } }, fields)).toBe(true);
    expect(matchesFilter({ and: [{ term: { ok: true } }, { or: [{ term: { year: 1 } }, { term: { tags: "x" } }] }] }, fields)).toBe(true);
  });
});
