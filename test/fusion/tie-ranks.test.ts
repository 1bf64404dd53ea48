import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { buildCandidatePool, type RetrievedLeg } from "../../src/fusion/candidate-pool.js";
import { fuse, type ResolvedFusion } from "../../src/fusion/fuse.js";

const options = (o: Partial<ResolvedFusion> = {}): ResolvedFusion => ({
  method: "rrf",
  rankConstant: 60,
  weights: { sparse: 1, dense: 1, text: 1 },
  normalize: "minmax",
  completion: true,
  ...o,
});

describe("equal leg scores share a rank (fault: ties were ranked by accident of order)", () => {
  it("competition ranks (1224) in RRF and in the rank-to-score mapping of rank-only legs", () => {
    const sparse: RetrievedLeg = { leg: "sparse", kind: "impact", theoreticalMin: 0, hits: [{ id: "a", score: 3 }, { id: "b", score: 2 }, { id: "c", score: 2 }, { id: "d", score: 1 }] };
    const text: RetrievedLeg = { leg: "text", kind: "rank-only", hits: [{ id: "e", rank: 1 }, { id: "f", rank: 1 }, { id: "a", rank: 3 }] };
    const pool = buildCandidatePool([sparse, text]);
    expect(Array.from(pool.legs[0]!.ranks.slice(0, 4))).toEqual([1, 2, 2, 4]);
    const rrf = fuse(pool, options());
    const s = Object.fromEntries(rrf.order.map((i) => [pool.ids[i], rrf.scores[i]]));
    expect(s.b).toBe(s.c);
    expect(s.b).toBeCloseTo(1 / 62, 15);
    expect(s.d).toBeCloseTo(1 / 64, 15);
    expect(s.e).toBe(s.f);
    expect(s.a).toBeCloseTo(1 / 61 + 1 / 63, 15);
    // Score fusion: the text leg maps rank r to 1 / log2(1 + r); tied hits share rank 1.
    const convex = fuse(pool, options({ method: "convex", completion: false }));
    const textLeg = convex.legs[1]!;
    const at = (id: string) => textLeg.normalized[pool.ids.indexOf(id)];
    expect([at("e"), at("f"), at("a")]).toEqual([1, 1, 1 / Math.log2(4)]);
    // A single rank-only leg: RRF of its ranks.
    const single = buildCandidatePool([text]);
    const alone = fuse(single, options({ method: "convex" }));
    expect(alone.scores[0]).toBe(alone.scores[1]);
  });

  it("a hit's rank is 1 + the number of hits of the leg scoring strictly higher", () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 5 }), { maxLength: 30 }), fc.constantFrom<ResolvedFusion["method"]>("rrf", "convex", "dbsf"), (raw, method) => {
        const hits = raw
          .map((score, i) => ({ id: `h${String(i).padStart(2, "0")}`, score: score / 4 }))
          .sort((a, b) => b.score - a.score || (a.id < b.id ? -1 : 1));
        const pool = buildCandidatePool([{ leg: "dense", kind: "similarity", hits }, { leg: "sparse", kind: "impact", hits: [] }]);
        hits.forEach((h) => expect(pool.legs[0]!.ranks[pool.ids.indexOf(h.id)]).toBe(1 + hits.filter((o) => o.score > h.score).length));
        const out = fuse(pool, options({ method }));
        // Equal leg scores, equal fused scores; fused order then goes by id.
        hits.forEach((h, i) => i > 0 && h.score === hits[i - 1]!.score && expect(out.scores[pool.ids.indexOf(h.id)]).toBe(out.scores[pool.ids.indexOf(hits[i - 1]!.id)]));
        expect(out.order.map((i) => pool.ids[i])).toEqual(hits.map((h) => h.id));
      }),
      { seed: 1224, numRuns: 300 },
    );
  });
});
