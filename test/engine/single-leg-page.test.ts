import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { flexSearchTextIndex } from "../../plugins/flexsearch/index.js";
import { resolveQuery, runSearch } from "../../src/backend.js";
import { EmbeddedEngine } from "../../src/engine/embedded-engine.js";
import { validateDocuments } from "../../src/engine/validate-document.js";
import { buildSegment } from "../../src/store/segment-builder.js";
import type { Filter, Metric, SearchHit, SearchQuery } from "../../src/index.js";

const DIM = 4;
const WORDS = ["alpha", "beta", "gamma", "delta"];
/** The graph answers every dense query, however few documents a filter accepts. */
const GRAPH_ALWAYS = { exactScanMax: 0, exactScanFraction: 0 };

const doc = fc.record({
  // Few distinct values: equal scores (ties broken by id) are common.
  dense: fc.option(fc.array(fc.integer({ min: -2, max: 2 }), { minLength: DIM, maxLength: DIM }), { nil: undefined }),
  sparse: fc.option(fc.dictionary(fc.constantFrom("a", "b", "c"), fc.integer({ min: 1, max: 3 })), { nil: undefined }),
  text: fc.option(fc.subarray(WORDS, { minLength: 1 }).map((w) => w.join(" ")), { nil: undefined }),
  bucket: fc.integer({ min: 0, max: 3 }),
});

const query = fc.record({
  leg: fc.constantFrom("dense", "sparse", "text"),
  // Never all zeros: cosine refuses that.
  dense: fc.array(fc.integer({ min: -2, max: 2 }), { minLength: DIM, maxLength: DIM }).map((v) => (v.every((x) => x === 0) ? [1, ...v.slice(1)] : v)),
  sparse: fc.dictionary(fc.constantFrom("a", "b", "c"), fc.integer({ min: 1, max: 3 }), { minKeys: 1 }),
  text: fc.constantFrom(...WORDS),
  k: fc.integer({ min: 1, max: 8 }),
  from: fc.integer({ min: 0, max: 6 }),
  candidates: fc.option(fc.integer({ min: 14, max: 30 }), { nil: undefined }),
  exact: fc.boolean(),
  ef: fc.option(fc.integer({ min: 1, max: 20 }), { nil: undefined }),
  filter: fc.option(fc.constantFrom<Filter>({ term: { bucket: 1 } }, { range: { bucket: { lt: 3 } } }), { nil: undefined }),
  typed: fc.boolean(),
});

/** Hits without explanations: what the two paths must agree on. */
const plain = (hits: SearchHit[]) => hits.map(({ id, score, legs, probability }) => ({ id, score, legs, probability }));

describe("a single-leg query's page taken straight from the leg", () => {
  it.each<Metric>(["cosine", "dot", "l2"])("equals the full pipeline's (ids, scores, leg ranks), with filters, deletions, ties and the graph walk (%s)", async (metric) => {
    await fc.assert(
      fc.asyncProperty(fc.array(doc, { minLength: 1, maxLength: 40 }), fc.array(fc.nat(), { maxLength: 10 }), fc.array(query, { minLength: 1, maxLength: 6 }), async (docs, deletes, queries) => {
        const engine = new EmbeddedEngine(DIM, metric, flexSearchTextIndex(), { M: 4, efConstruction: 8, seed: 1 }, "none", GRAPH_ALWAYS);
        const valid = validateDocuments(
          docs.map((d, i) => ({
            id: `d${(i * 7) % 41}`,
            ...(d.dense && d.dense.some((v) => v !== 0) ? { dense: d.dense } : {}),
            ...(d.sparse && Object.keys(d.sparse).length > 0 ? { sparse: d.sparse } : {}),
            ...(d.text ? { text: d.text } : {}),
            fields: { bucket: d.bucket },
          })),
          (i) => `docs[${i}]`,
          DIM,
          metric,
        );
        const unique = [...new Map(valid.map((d) => [d.id, d])).values()];
        engine.addSegment("s1", buildSegment(unique), new Uint32Array(0));
        engine.markDeleted(deletes.map((d) => d % unique.length));
        const caps = { dimension: DIM, metric, textLeg: true };
        for (const q of queries) {
          if (q.from + q.k > (q.candidates ?? Infinity)) continue;
          const dense = q.typed ? Float32Array.from(q.dense) : q.dense;
          const search: SearchQuery = { dense, sparse: q.sparse, text: q.text, legs: [q.leg], k: q.k, from: q.from, exact: q.exact, filter: q.filter };
          if (q.candidates !== undefined) search.candidates = q.candidates;
          if (q.ef !== undefined) search.ef = q.ef;
          const lean = await runSearch(engine, resolveQuery(search, caps, "query", true));
          // explain runs the full pipeline (candidate pool, fusion, relevance) over the same retrieval.
          const full = await runSearch(engine, resolveQuery({ ...search, explain: true }, caps));
          expect(plain(lean.hits)).toEqual(plain(full.hits));
          expect(lean.legs).toEqual(full.legs);
        }
      }),
      { seed: 20261129, numRuns: 60 },
    );
  });

  it("retrieves from + k by default when one leg runs without relevance rules, and the fusion window otherwise", () => {
    const caps = { dimension: 2, metric: "cosine" as const, textLeg: false };
    expect(resolveQuery({ dense: [1, 0], k: 10 }, caps).candidates).toBe(10);
    expect(resolveQuery({ dense: [1, 0], k: 10, from: 150 }, caps).candidates).toBe(160);
    expect(resolveQuery({ dense: [1, 0], k: 10, relevance: { minDense: 0.5 } }, caps).candidates).toBe(100);
    expect(resolveQuery({ dense: [1, 0], sparse: { a: 1 }, k: 10 }, caps).candidates).toBe(100);
    expect(resolveQuery({ dense: [1, 0], k: 10, candidates: 40 }, caps).candidates).toBe(40);
  });

  it("does not keep the caller's Float32Array when the search runs the full pipeline (it may read it after an await)", () => {
    const caps = { dimension: 2, metric: "cosine" as const, textLeg: false };
    const vector = Float32Array.of(1, 0);
    expect(resolveQuery({ dense: vector }, caps, "query", true).dense).toBe(vector);
    expect(resolveQuery({ dense: vector }, caps).dense).not.toBe(vector);
    expect(resolveQuery({ dense: vector, sparse: { a: 1 } }, caps, "query", true).dense).not.toBe(vector);
    expect(resolveQuery({ dense: vector, explain: true }, caps, "query", true).dense).not.toBe(vector);
    expect(resolveQuery({ dense: vector }, caps).dense).toEqual(vector);
  });
});
