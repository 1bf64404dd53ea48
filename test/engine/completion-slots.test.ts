import fc from "fast-check";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { resolveQuery, type LegBackend } from "../../src/backend.js";
import { buildCandidatePool, missingScores, type RetrievedLeg } from "../../src/fusion/candidate-pool.js";
import { HybridIndex } from "../../src/index.js";
import { generateCorpus } from "../helpers/generate.js";

/** The legs of a pool, with refs standing for document ids (as a backend's slots do). */
const legsArbitrary = fc
  .array(
    fc.record({
      kind: fc.constantFrom("impact" as const, "similarity" as const, "rank-only" as const),
      docs: fc.uniqueArray(fc.integer({ min: 0, max: 40 }), { maxLength: 25 }),
      scores: fc.array(fc.integer({ min: 0, max: 5 }), { minLength: 25, maxLength: 25 }),
    }),
    { minLength: 1, maxLength: 3 },
  )
  .map((legs) =>
    legs.map((l, n): RetrievedLeg => {
      const leg = (["sparse", "dense", "text"] as const)[n]!;
      // Scores descending, as a leg returns them (ties allowed).
      const scores = l.scores.slice(0, l.docs.length).sort((a, b) => b - a);
      const hits = l.docs.map((d, i) => (l.kind === "rank-only" ? { id: `d${d}`, rank: i + 1 } : { id: `d${d}`, score: scores[i]! }));
      return { leg, kind: l.kind, hits, refs: Int32Array.from(l.docs, (d) => d * 3) };
    }),
  );

describe("candidate pool by backend references", () => {
  it("is the pool built by ids: same candidates in first-seen order, same scores, ranks and missing candidates", () => {
    fc.assert(
      fc.property(legsArbitrary, (legs) => {
        const byRefs = buildCandidatePool(legs);
        const byIds = buildCandidatePool(legs.map(({ refs: _refs, ...leg }) => leg));
        expect(byRefs.ids).toEqual(byIds.ids);
        expect(byRefs.legs).toEqual(byIds.legs);
        expect(byIds.refs).toBeUndefined();
        expect(Array.from(byRefs.refs!)).toEqual(byIds.ids.map((id) => Number(id.slice(1)) * 3));
        for (const leg of byRefs.legs) {
          const missing = missingScores(leg, byRefs.ids, byRefs.refs);
          expect(missing.ids).toEqual(missingScores(leg, byIds.ids).ids);
          expect(Array.from(missing.refs!)).toEqual(missing.ids.map((id) => Number(id.slice(1)) * 3));
        }
      }),
      { seed: 16, numRuns: 300 },
    );
  });
});

describe("score completion by slot", () => {
  it("completes by id, not by stale slots, when the index changed between retrieval and completion", async () => {
    const dir = await mkdtemp(join(tmpdir(), "tandem-completion-slots-"));
    const index = await HybridIndex.open(dir);
    try {
      const { docs, queries } = generateCorpus(16, 300, 8);
      await index.upsert(docs);
      const engine = (index as unknown as { engine: LegBackend & { denseDimension: number; metric: "cosine"; hasTextLeg: boolean } }).engine;
      const caps = { dimension: engine.denseDimension, metric: engine.metric, textLeg: engine.hasTextLeg };
      const q = queries[0]!;
      const query = resolveQuery({ sparse: q.sparse, dense: q.dense, k: 10, candidates: 20, exact: true }, caps);
      const retrieved = await engine.retrieve(query.legs, query, query.candidates);
      const pool = buildCandidatePool(retrieved);
      const requests = pool.legs.map((leg) => {
        const missing = missingScores(leg, pool.ids, pool.refs);
        return { leg: leg.leg as "sparse" | "dense", ids: missing.ids, refs: missing.refs };
      });
      const before = await engine.complete(requests, query);
      // Slots are this search's and still valid: the same scores as a completion by id.
      expect(before).toEqual(await engine.complete(requests.map(({ leg, ids }) => ({ leg, ids })), query));
      // Every document deleted and written again: each id now lives at another slot.
      await index.delete(docs.map((d) => d.id));
      await index.upsert([...docs].reverse().map((d, i) => (i % 2 === 0 ? { ...d, sparse: { zz: 1 }, ...(d.dense ? { dense: (d.dense as number[]).map((x) => -x) } : {}) } : d)));
      const after = await engine.complete(requests, query);
      expect(after).toEqual(await engine.complete(requests.map(({ leg, ids }) => ({ leg, ids })), query));
      expect(after).not.toEqual(before);
    } finally {
      await index.close();
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe("score completion in batches", () => {
  it("gives every leg's exact scores, as exhaustive retrieval of the whole index does, for lists longer than a kernel batch", async () => {
    for (const metric of ["cosine", "dot", "l2"] as const) {
      const dir = await mkdtemp(join(tmpdir(), "tandem-completion-batches-"));
      const index = await HybridIndex.open(dir, { metric });
      try {
        const { docs, queries } = generateCorpus(17, 700, 12);
        await index.upsert(docs.slice(0, 400));
        await index.upsert(docs.slice(400));
        const engine = (index as unknown as { engine: LegBackend & { denseDimension: number; metric: typeof metric; hasTextLeg: boolean } }).engine;
        const caps = { dimension: engine.denseDimension, metric: engine.metric, textLeg: engine.hasTextLeg };
        for (const q of queries.slice(0, 3)) {
          const query = resolveQuery({ sparse: q.sparse, dense: q.dense, k: 10, candidates: 700, exact: true }, caps);
          const [sparse, dense] = await engine.retrieve(["sparse", "dense"], query, 700);
          const reference = { sparse: new Map(sparse!.hits.map((h) => [h.id, h.score!])), dense: new Map(dense!.hits.map((h) => [h.id, h.score!])) };
          // Every id (twice, the second time reversed), unknown ids among them.
          const ids = [...docs.map((d) => d.id), "nope", ...docs.map((d) => d.id).reverse()];
          const [sparseScores, denseScores] = await engine.complete([{ leg: "sparse", ids }, { leg: "dense", ids }], query);
          ids.forEach((id, i) => {
            expect(sparseScores![i], `${metric} sparse ${id}`).toBe(reference.sparse.get(id));
            expect(denseScores![i], `${metric} dense ${id}`).toBe(reference.dense.get(id));
          });
        }
      } finally {
        await index.close();
        await rm(dir, { recursive: true, force: true });
      }
    }
  });
});
