import fc from "fast-check";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { resolveQuery, type LegBackend } from "../../src/backend.js";
import { HybridIndex, type DenseQuantization, type Metric, type SearchQuery } from "../../src/index.js";
import { FILTERS, generateCorpus } from "../helpers/generate.js";

const GRAPH_ALWAYS = { exactScanMax: 0, exactScanFraction: 0 };

interface Engine extends LegBackend {
  denseDimension: number;
  metric: Metric;
  hasTextLeg: boolean;
  sparse: { score(query: unknown, slots: ArrayLike<number>): (number | undefined)[] };
  dense: { similarities(vector: unknown, slots: ArrayLike<number>): (number | undefined)[] };
}

/** Counts the slots each leg scores afresh during completion. */
function countFreshScoring(engine: Engine): { sparse: number; dense: number } {
  const counts = { sparse: 0, dense: 0 };
  const score = engine.sparse.score.bind(engine.sparse);
  const similarities = engine.dense.similarities.bind(engine.dense);
  const fresh = (slots: ArrayLike<number>) => Array.from(slots).filter((s) => s >= 0).length;
  engine.sparse.score = (query, slots) => ((counts.sparse += fresh(slots)), score(query, slots));
  engine.dense.similarities = (vector, slots) => ((counts.dense += fresh(slots)), similarities(vector, slots));
  return counts;
}

const CONFIGS: { metric: Metric; quantization: DenseQuantization; graph: boolean }[] = [
  { metric: "cosine", quantization: "none", graph: true },
  { metric: "l2", quantization: "none", graph: false },
  { metric: "dot", quantization: "int8", graph: true },
];

describe.each(CONFIGS)("score completion from retrieval's own scores ($metric, $quantization, graph walk: $graph)", ({ metric, quantization, graph }) => {
  let dir: string;
  let index: HybridIndex;
  let engine: Engine;
  let counts: { sparse: number; dense: number };
  const { docs, queries } = generateCorpus(61, 500, 8);
  const ids = [...docs.map((d) => d.id), "absent"];

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "tandem-completion-from-retrieval-"));
    index = await HybridIndex.open(dir, { metric, quantization, ...(graph ? { densePlanner: GRAPH_ALWAYS } : {}) });
    // Two segments, and deleted documents among the slots.
    await index.upsert(docs.slice(0, 250));
    await index.upsert(docs.slice(250));
    await index.delete(docs.filter((_, i) => i % 17 === 0).map((d) => d.id));
    engine = (index as unknown as { engine: Engine }).engine;
    counts = countFreshScoring(engine);
  });
  afterAll(async () => {
    await index.close();
    await rm(dir, { recursive: true, force: true });
  });

  it("equals fresh scoring of every document, after any retrieval and with other searches retrieved in between", async () => {
    const caps = { dimension: engine.denseDimension, metric: engine.metric, textLeg: engine.hasTextLeg };
    await fc.assert(
      fc.asyncProperty(
        fc.record({
          q: fc.integer({ min: 0, max: queries.length - 1 }),
          other: fc.option(fc.integer({ min: 0, max: queries.length - 1 }), { nil: undefined }),
          filter: fc.option(fc.integer({ min: 0, max: FILTERS.length - 1 }), { nil: undefined }),
          exact: fc.boolean(),
          algorithm: fc.constantFrom("auto" as const, "exhaustive" as const, "maxscore" as const, "blockmax" as const),
          candidates: fc.integer({ min: 3, max: 60 }),
        }),
        async ({ q, other, filter, exact, algorithm, candidates }) => {
          const input = (n: number): SearchQuery => ({
            sparse: queries[n]!.sparse,
            dense: queries[n]!.dense,
            k: Math.min(10, candidates),
            candidates,
            exact,
            ...(exact ? {} : { sparseAlgorithm: algorithm }),
            ...(filter === undefined ? {} : { filter: FILTERS[filter]! }),
          });
          const query = resolveQuery(input(q), caps);
          await engine.retrieve(query.legs, query, query.candidates);
          if (other !== undefined) {
            const next = resolveQuery(input(other), caps);
            await engine.retrieve(next.legs, next, next.candidates);
          }
          counts.sparse = counts.dense = 0;
          const completed = await engine.complete([{ leg: "sparse", ids }, { leg: "dense", ids }], query);
          const fromRetrieval = { ...counts };
          // The same query never retrieved: completion scores every document afresh.
          const fresh = await engine.complete([{ leg: "sparse", ids }, { leg: "dense", ids }], resolveQuery(input(q), caps));
          expect(completed).toEqual(fresh);
          // An exact scan, and term-at-a-time scoring of every segment (what "auto" does below 8,192 documents), leave nothing to score again.
          if (other === undefined && exact) expect(fromRetrieval.dense).toBe(0);
          if (other === undefined && (exact || algorithm === "exhaustive" || algorithm === "auto")) expect(fromRetrieval.sparse).toBe(0);
        },
      ),
      { seed: 16, numRuns: 40 },
    );
  });
});
