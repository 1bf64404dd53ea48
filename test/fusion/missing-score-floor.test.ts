import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { HybridIndex, type Normalizer } from "../../src/index.js";
import { buildCandidatePool, fillCompletedScores, missingScores, type RetrievedLeg } from "../../src/fusion/candidate-pool.js";
import { fuse, type ResolvedFusion } from "../../src/fusion/fuse.js";
import { useTempDirs } from "../helpers/temp-dirs.js";

const tempDir = useTempDirs("tandem-floor-");
const NORMALIZERS: Normalizer[] = ["minmax", "zscore", "tmm", "l2", "none"];

/** A leg's hits over ids x0..x11, scores of either sign, best first. */
const scoredLeg = (leg: "sparse" | "dense", theoreticalMin: number | undefined) =>
  fc
    .uniqueArray(fc.record({ id: fc.integer({ min: 0, max: 11 }).map((i) => `x${i}`), score: fc.double({ min: -50, max: 50, noNaN: true }) }), {
      selector: (h) => h.id,
      maxLength: 8,
    })
    .map((hits): RetrievedLeg => ({ leg, kind: leg === "sparse" ? "impact" : "similarity", theoreticalMin, hits: [...hits].sort((a, b) => b.score - a.score) }));
const textLeg = fc
  .uniqueArray(fc.integer({ min: 0, max: 11 }).map((i) => `x${i}`), { maxLength: 8 })
  .map((ids): RetrievedLeg => ({ leg: "text", kind: "rank-only", hits: ids.map((id) => ({ id })) }));

describe("a missing leg score never outranks a real one (fault: missing counted as 0 where 0 is not the floor)", () => {
  it("a document without a dense vector does not tie the exact match (metric l2, normalize none)", async () => {
    const index = await HybridIndex.open(await tempDir(), { metric: "l2" });
    await index.upsert([
      { id: "a-no-vector", sparse: { x: 1 } },
      { id: "b-exact", sparse: { x: 1 }, dense: [1, 0] },
      { id: "c-far", sparse: { x: 1 }, dense: [0, 1] },
    ]);
    const result = await index.search({ sparse: { x: 1 }, dense: [1, 0], fusion: { method: "convex", normalize: "none" }, explain: true });
    // Dense scores: b-exact −0, c-far −2; the missing one counts as the leg's lowest, −2.
    expect(result.hits.map((h) => [h.id, h.score])).toEqual([
      ["b-exact", 1],
      ["a-no-vector", -1],
      ["c-far", -1],
    ]);
    expect(result.hits[1]!.explanation!.legs.dense).toEqual({ weight: 1, contribution: -2 });
    await index.close();
  });

  it("holds for every method and normalizer, with scores of any sign, completed or not", () => {
    fc.assert(
      fc.property(
        scoredLeg("sparse", 0),
        fc.constantFrom(-1, undefined).chain((min) => scoredLeg("dense", min)),
        textLeg,
        fc.array(fc.option(fc.double({ min: -50, max: 50, noNaN: true }), { nil: undefined }), { minLength: 12, maxLength: 12 }),
        fc.constantFrom<ResolvedFusion["method"]>("rrf", "convex", "dbsf"),
        fc.constantFrom(...NORMALIZERS),
        fc.boolean(),
        (sparse, dense, text, completions, method, normalize, completion) => {
          const pool = buildCandidatePool([sparse, dense, text].filter((l) => l.hits.length > 0));
          for (const leg of pool.legs) {
            const missing = missingScores(leg, pool.ids);
            fillCompletedScores(leg, missing.positions, missing.ids.map((id) => completions[Number(id.slice(1))]));
          }
          const options: ResolvedFusion = { method, normalize, completion, rankConstant: 60, weights: { sparse: 1, dense: 0.5, text: 2 } };
          const out = fuse(pool, options);
          out.legs.forEach((c, l) => {
            const leg = pool.legs[l]!;
            // A candidate has a real value in the leg when the leg ranked it or its (usable) score is known.
            const real = (i: number) => (method === "rrf" || (leg.kind === "rank-only" && pool.legs.length === 1) ? leg.ranks[i]! > 0 : !Number.isNaN(c.normalized[i]!) || (pool.legs.length === 1 && !Number.isNaN(leg.scores[i]!)));
            const withScore = pool.ids.map((_, i) => i).filter(real);
            const without = pool.ids.map((_, i) => i).filter((i) => !real(i));
            if (withScore.length === 0) return;
            const lowest = Math.min(...withScore.map((i) => c.contribution[i]!));
            for (const i of without) expect(c.contribution[i]!).toBeLessThanOrEqual(lowest);
          });
        },
      ),
      { seed: 20240611, numRuns: 2000 },
    );
  });

  it("keeps 0 for scales whose values are all positive (rank-mapped text, minmax, positive raw scores)", () => {
    const sparse: RetrievedLeg = { leg: "sparse", kind: "impact", theoreticalMin: 0, hits: [{ id: "a", score: 3 }, { id: "b", score: 2 }] };
    const text: RetrievedLeg = { leg: "text", kind: "rank-only", hits: [{ id: "c" }, { id: "a" }] };
    const pool = buildCandidatePool([sparse, text]);
    const options: ResolvedFusion = { method: "convex", normalize: "none", completion: false, rankConstant: 60, weights: { sparse: 1, dense: 1, text: 1 } };
    const out = fuse(pool, options);
    const score = Object.fromEntries(out.order.map((i) => [pool.ids[i], out.scores[i]]));
    // sparse none: a 3, b 2, c missing → 0; text: c 1, a 1 / log2(3), b missing → 0.
    expect(score).toEqual({ a: 3 + 1 / Math.log2(3), b: 2, c: 1 });
  });
});
