import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { HybridIndex, InvalidFilterError, MAX_FILTER_DEPTH, validateFilter, type Filter } from "../../src/index.js";

// Fault kind: filters nested deeper than the stack allows. Validation, evaluation and translation
// recursed once per level, so about 2,000 levels of and/or (5,000 of not) threw a RangeError
// (maximum call stack size exceeded). The depth is now measured without recursion and refused
// beyond MAX_FILTER_DEPTH with an InvalidFilterError.

const LEAF: Filter = { term: { x: 1 } };
/** The documented limit (README). */
const LIMIT = 20;

/** `depth` operators around a leaf, each picked by `ops[i % ops.length]`. */
function nested(depth: number, ops: readonly ("and" | "or" | "not")[]): Filter {
  let f: Filter = LEAF;
  for (let i = 0; i < depth; i++) {
    const op = ops[i % ops.length]!;
    f = op === "not" ? { not: f } : op === "and" ? { and: [{ term: { y: i } }, f] } : { or: [f] };
  }
  return f;
}

/** Whether the leaf matches (x = 1): inverted once per `not`; and with y = i never matches. */
function reference(depth: number, ops: readonly ("and" | "or" | "not")[]): boolean {
  let v = true;
  for (let i = 0; i < depth; i++) {
    const op = ops[i % ops.length]!;
    if (op === "not") v = !v;
    else if (op === "and") v = false;
  }
  return v;
}

let dir: string;
let index: HybridIndex;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "tandem-depth-"));
  index = await HybridIndex.open(dir);
  await index.upsert([{ id: "a", sparse: { t: 1 }, fields: { x: 1 } }]);
});
afterAll(async () => {
  await index.close();
  await rm(dir, { recursive: true, force: true });
});

describe("filters nested deeper than the stack allows", () => {
  it(`accepts ${LIMIT} levels of and, or, not and mixtures, and evaluates them exactly`, async () => {
    expect(MAX_FILTER_DEPTH).toBe(LIMIT);
    for (const ops of [["and"], ["or"], ["not"], ["not", "or"], ["or", "not", "not"]] as const) {
      const filter = nested(LIMIT, ops);
      expect(validateFilter(filter)).toEqual(filter);
      const hits = (await index.search({ sparse: { t: 1 }, filter })).hits.map((h) => h.id);
      expect(hits).toEqual(reference(LIMIT, ops) ? ["a"] : []);
    }
  });

  it(`refuses one level more, and 2,000, 5,000 and 10,000 levels, with an InvalidFilterError naming the limit`, async () => {
    for (const depth of [LIMIT + 1, 2_000, 5_000, 10_000]) {
      for (const ops of [["and"], ["or"], ["not"], ["and", "not"]] as const) {
        const filter = nested(depth, ops);
        expect(() => validateFilter(filter, "q.jsonl:3")).toThrow(InvalidFilterError);
        expect(() => validateFilter(filter, "q.jsonl:3")).toThrow(/^q\.jsonl:3: filter: "and", "or" and "not" are nested more than 20 levels deep \(the limit is 20\)$/);
        await expect(index.search({ sparse: { t: 1 }, filter })).rejects.toThrow(InvalidFilterError);
        expect(() => index.validateQuery({ sparse: { t: 1 }, filter })).toThrow(InvalidFilterError);
      }
    }
  });

  it("refuses a filter that contains itself instead of looping", () => {
    const f: { and: unknown[] } = { and: [] };
    f.and.push(f);
    expect(() => validateFilter(f)).toThrow(InvalidFilterError);
  });

  it("any nesting: accepted exactly when at most the limit, never a RangeError", () => {
    const op = fc.constantFrom("and" as const, "or" as const, "not" as const);
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 3 * LIMIT }), fc.array(op, { minLength: 1, maxLength: 4 }), (depth, ops) => {
        const filter = nested(depth, ops);
        let error: unknown;
        try {
          validateFilter(filter);
        } catch (e) {
          error = e;
        }
        if (depth <= LIMIT) expect(error).toBeUndefined();
        else expect(error).toBeInstanceOf(InvalidFilterError);
      }),
      { numRuns: 300, seed: 11 },
    );
  });
});
