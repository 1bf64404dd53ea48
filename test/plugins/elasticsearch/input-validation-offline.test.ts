import { Client } from "@elastic/elasticsearch";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { ElasticsearchIndex, translateFilter } from "../../../plugins/elasticsearch/index.js";
import { pathValue } from "../../../plugins/elasticsearch/elasticsearch-legs.js";
import { DEFAULT_FIELDS, newIndexBody } from "../../../plugins/elasticsearch/index-layout.js";
import { InvalidFilterError, InvalidOptionError, MAX_FILTER_DEPTH, TandemError, type Filter } from "../../../src/index.js";
import { hostile, nullProto, orHostile } from "../../helpers/hostile-values.js";

// The Elasticsearch backend's own input handling, checked without a cluster (these run with
// TANDEM_TEST_ES=off): option checks run before any request, and options that pass them meet a
// client whose address nothing listens on. What needs a cluster is in javascript-values.test.ts.

const NAMES = ["__proto__", "constructor", "prototype", "hasOwnProperty", "toString"];

function nested(depth: number, op: "and" | "or" | "not"): Filter {
  let f: Filter = { term: { x: 1 } };
  for (let i = 0; i < depth; i++) f = op === "not" ? { not: f } : op === "and" ? { and: [f] } : { or: [f] };
  return f;
}

/** Nesting depth of a query as Elasticsearch counts it: every query object is one level. */
function esDepth(query: unknown): number {
  if (Array.isArray(query)) return Math.max(0, ...query.map(esDepth));
  if (typeof query !== "object" || query === null) return 0;
  const [kind, body] = Object.entries(query)[0]!;
  if (kind !== "bool") return 1;
  const clauses = Object.values(body as Record<string, unknown>).filter(Array.isArray).flat();
  return 1 + Math.max(0, ...clauses.map(esDepth));
}

describe("Elasticsearch translation: filters nested deeper than the limit", () => {
  it(`translates ${MAX_FILTER_DEPTH} levels within Elasticsearch's default limit of 30 (with the 3 levels a leg query adds), and refuses more`, () => {
    for (const op of ["and", "or", "not"] as const) {
      const translated = translateFilter(nested(MAX_FILTER_DEPTH, op), (f) => `fields.${f}`);
      expect(esDepth(translated) + 3).toBeLessThanOrEqual(30);
      for (const depth of [MAX_FILTER_DEPTH + 1, 2_000, 5_000, 10_000]) {
        expect(() => translateFilter(nested(depth, op), (f) => f)).toThrow(InvalidFilterError);
      }
    }
  });
});

describe("Elasticsearch: keys that are Object.prototype names", () => {
  it("translates filter field names as data", () => {
    for (const name of NAMES) {
      const filter = JSON.parse(`{"or":[{"term":{${JSON.stringify(name)}:1}},{"range":{${JSON.stringify(name)}:{"gt":2}}}]}`) as Filter;
      const query = translateFilter(filter, (f) => f) as { bool: { should: [{ term: Record<string, unknown> }, { range: Record<string, unknown> }] } };
      expect(Object.keys(query.bool.should[0].term)).toEqual([name]);
      expect(Object.keys(query.bool.should[1].range)).toEqual([name]);
      expect(JSON.parse(JSON.stringify(query))).toEqual({ bool: { should: [{ term: { [name]: 1 } }, { range: { [name]: { gt: 2 } } }], minimum_should_match: 1 } });
    }
  });

  it("reads only own fields of a source document", () => {
    const source = JSON.parse(`{"__proto__":{"x":1},"meta":{"constructor":"c"},"a.b":2}`) as Record<string, unknown>;
    expect(pathValue(source, "__proto__.x")).toBe(1);
    expect(pathValue(source, "meta.constructor")).toBe("c");
    expect(pathValue(source, "a.b")).toBe(2);
    for (const name of NAMES.slice(1)) {
      expect(pathValue(source, name)).toBeUndefined();
      expect(pathValue(source, `meta.${name === "constructor" ? "toString" : name}`)).toBeUndefined();
    }
  });

  it("maps field names as data in a new index", () => {
    for (const name of NAMES) {
      const body = newIndexBody({ ...DEFAULT_FIELDS, metadata: name }, { metric: "cosine", dimension: 4, denseIndexType: "hnsw" }) as { mappings: { properties: object } };
      expect(Object.keys(body.mappings.properties)).toEqual(["text", "sparse", "dense", name]);
    }
  });
});

describe("ElasticsearchIndex.open with values only JavaScript has", () => {
  // Nothing listens on port 9: options that pass every check end in a BackendError.
  const client = new Client({ node: "http://127.0.0.1:9", maxRetries: 0 });

  it("refuses any client or options that are not what it takes with a typed error naming them", async () => {
    const options = fc.record(
      {
        index: orHostile(fc.constantFrom("docs", "Bad Name")),
        metric: hostile,
        fields: orHostile(fc.record({ text: hostile, metadata: hostile }, { requiredKeys: [] })),
        dimension: hostile,
        denseIndexType: hostile,
        hnsw: orHostile(fc.record({ M: hostile }, { requiredKeys: [] })),
        shards: hostile,
        sparseQuery: hostile,
        refresh: hostile,
        readOnly: hostile,
        queryEncoders: orHostile(fc.record({ sparse: hostile }, { requiredKeys: [] })),
        closeClient: hostile,
      },
      { requiredKeys: [] },
    );
    await fc.assert(
      fc.asyncProperty(orHostile(fc.constant(client)), orHostile(options), fc.nat(11), async (c, o, keep) => {
        // Every generated option is invalid except by chance: keep one valid index name so the others are what is judged.
        const opts = typeof o === "object" && o !== null && keep > 0 ? { ...o, index: "docs" } : o;
        const error = await ElasticsearchIndex.open(c as never, opts as never).then(() => undefined, (e: unknown) => e);
        if (!(error instanceof TandemError)) throw new Error(`not a TandemError: ${String(error)}`, { cause: error });
        if (c === client && error.code !== "INVALID_OPTION") expect(error.code).toBe("BACKEND_FAILED");
      }),
      { numRuns: 300, seed: 5 },
    );
    await expect(ElasticsearchIndex.open(client, null as never)).rejects.toThrow(/^open: options must be an object, got null$/);
    await expect(ElasticsearchIndex.open("http://localhost:9200" as never, { index: "docs" })).rejects.toThrow(InvalidOptionError);
    await expect(ElasticsearchIndex.open(client, { index: "docs", metric: Symbol("m") as never })).rejects.toThrow(/^metric must be cosine, dot, l2, got Symbol\(m\)$/);
    await expect(ElasticsearchIndex.open(client, { index: "docs", fields: { text: 5 as never } })).rejects.toThrow(/^fields\.text must be a field name, got 5$/);
    await expect(ElasticsearchIndex.open(client, nullProto({ index: "docs", refresh: "no" as never }))).rejects.toThrow(/^refresh must be true or false, got "no"$/);
  });
});
