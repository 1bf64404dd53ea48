import { describe, expect, it } from "vitest";
import { buildCandidatePool, fillCompletedScores, missingScores, type RetrievedLeg } from "../../src/fusion/candidate-pool.js";
import { fuse, type ResolvedFusion } from "../../src/fusion/fuse.js";

const sparse: RetrievedLeg = { leg: "sparse", kind: "impact", theoreticalMin: 0, hits: [{ id: "a", score: 3 }, { id: "b", score: 2 }, { id: "c", score: 1 }] };
const dense: RetrievedLeg = { leg: "dense", kind: "similarity", theoreticalMin: -1, hits: [{ id: "b", score: 0.9 }, { id: "d", score: 0.8 }] };
const options = (o: Partial<ResolvedFusion> = {}): ResolvedFusion => ({
  method: "rrf",
  rankConstant: 60,
  weights: { sparse: 1, dense: 1, text: 1 },
  normalize: "minmax",
  completion: true,
  ...o,
});

/** Pool of the two legs with completed scores: d has sparse 0.5, a has dense 0.4, c has no vector. */
function completedPool() {
  const pool = buildCandidatePool([sparse, dense]);
  const completions: Record<string, Record<string, number | undefined>> = { sparse: { d: 0.5 }, dense: { a: 0.4, c: undefined } };
  for (const leg of pool.legs) {
    const missing = missingScores(leg, pool.ids);
    fillCompletedScores(leg, missing.positions, missing.ids.map((id) => completions[leg.leg]![id]));
  }
  return pool;
}

function scores(outcome: ReturnType<typeof fuse>, ids: string[]): Record<string, number> {
  return Object.fromEntries(outcome.order.map((i) => [ids[i]!, outcome.scores[i]!]));
}

describe("rrf", () => {
  it("sums w / (60 + rank) over the legs that retrieved a hit", () => {
    const pool = buildCandidatePool([sparse, dense]);
    const out = fuse(pool, options());
    expect(out.order.map((i) => pool.ids[i])).toEqual(["b", "a", "d", "c"]);
    const s = scores(out, pool.ids);
    expect(s.a).toBeCloseTo(1 / 61, 12);
    expect(s.b).toBeCloseTo(1 / 62 + 1 / 61, 12);
    expect(s.c).toBeCloseTo(1 / 63, 12);
    expect(s.d).toBeCloseTo(1 / 62, 12);
  });

  it("applies weights and the rank constant", () => {
    const pool = buildCandidatePool([sparse, dense]);
    const out = fuse(pool, options({ weights: { sparse: 2, dense: 1, text: 1 }, rankConstant: 10 }));
    const s = scores(out, pool.ids);
    expect(s.b).toBeCloseTo(2 / 12 + 1 / 11, 12);
    expect(s.c).toBeCloseTo(2 / 13, 12);
    expect(out.order.map((i) => pool.ids[i])).toEqual(["b", "a", "c", "d"]);
  });
});

describe("convex", () => {
  it("minmax over retrieved and completed scores", () => {
    const pool = completedPool();
    const out = fuse(pool, options({ method: "convex" }));
    const s = scores(out, pool.ids);
    // sparse {3, 2, 1, 0.5} → a 1, b 0.6, c 0.2, d 0; dense {0.9, 0.8, 0.4} → b 1, d 0.8, a 0.
    expect(s.a).toBeCloseTo(1, 12);
    expect(s.b).toBeCloseTo(1.6, 12);
    expect(s.c).toBeCloseTo(0.2, 12);
    expect(s.d).toBeCloseTo(0.8, 12);
    expect(out.order.map((i) => pool.ids[i])).toEqual(["b", "a", "d", "c"]);
  });

  it("tmm uses the theoretical minimum (0 sparse, −1 cosine)", () => {
    const pool = completedPool();
    const s = scores(fuse(pool, options({ method: "convex", normalize: "tmm" })), pool.ids);
    expect(s.a).toBeCloseTo(1 + 1.4 / 1.9, 12);
    expect(s.b).toBeCloseTo(2 / 3 + 1, 12);
    expect(s.c).toBeCloseTo(1 / 3, 12);
    expect(s.d).toBeCloseTo(0.5 / 3 + 1.8 / 1.9, 12);
  });

  it("zscore and l2 and none", () => {
    const pool = completedPool();
    const sd = Math.sqrt(0.921875); // sparse {3, 2, 1, 0.5}: mean 1.625
    const dm = 0.7;
    const dd = Math.sqrt((0.04 + 0.01 + 0.09) / 3); // dense {0.9, 0.8, 0.4}
    const z = scores(fuse(pool, options({ method: "convex", normalize: "zscore" })), pool.ids);
    expect(z.a).toBeCloseTo((3 - 1.625) / sd + (0.4 - dm) / dd, 6);
    // c has no dense vector: it counts as the dense leg's lowest z-score (a's), never above it.
    expect(z.c).toBeCloseTo((1 - 1.625) / sd + (0.4 - dm) / dd, 6);
    const l2 = scores(fuse(pool, options({ method: "convex", normalize: "l2" })), pool.ids);
    expect(l2.b).toBeCloseTo(2 / Math.sqrt(9 + 4 + 1 + 0.25) + 0.9 / Math.sqrt(0.81 + 0.64 + 0.16), 6);
    const none = scores(fuse(pool, options({ method: "convex", normalize: "none", weights: { sparse: 0.5, dense: 2, text: 1 } })), pool.ids);
    expect(none.d).toBeCloseTo(0.5 * 0.5 + 2 * 0.8, 6);
  });

  it("ignores completed scores when completion is off", () => {
    const pool = completedPool();
    const s = scores(fuse(pool, options({ method: "convex", completion: false })), pool.ids);
    // sparse {3, 2, 1} → a 1, b 0.5, c 0; dense {0.9, 0.8} → b 1, d 0.
    expect(s.a).toBeCloseTo(1, 12);
    expect(s.b).toBeCloseTo(1.5, 12);
    expect(s.d).toBeCloseTo(0, 12);
  });
});

describe("dbsf", () => {
  it("maps mean ± 3σ to [0, 1] per leg", () => {
    const pool = completedPool();
    const s = scores(fuse(pool, options({ method: "dbsf" })), pool.ids);
    const sd = Math.sqrt(0.921875);
    const dd = Math.sqrt(0.14 / 3);
    const norm = (x: number, mean: number, std: number) => (x - (mean - 3 * std)) / (6 * std);
    expect(s.b).toBeCloseTo(norm(2, 1.625, sd) + norm(0.9, 0.7, dd), 9);
    expect(s.c).toBeCloseTo(norm(1, 1.625, sd), 9);
  });
});

describe("edge cases", () => {
  it("single leg: the score is the leg's raw score", () => {
    const pool = buildCandidatePool([sparse]);
    const out = fuse(pool, options({ method: "convex" }));
    expect(out.method).toBe("single-leg");
    expect(scores(out, pool.ids)).toEqual({ a: 3, b: 2, c: 1 });
  });

  it("single rank-only leg scores as RRF", () => {
    const pool = buildCandidatePool([{ leg: "text", kind: "rank-only", hits: [{ id: "x" }, { id: "y" }] }]);
    const s = scores(fuse(pool, options()), pool.ids);
    expect(s.x).toBeCloseTo(1 / 61, 12);
    expect(s.y).toBeCloseTo(1 / 62, 12);
  });

  it("one hit per leg, all-equal scores and an empty leg are defined", () => {
    const one = buildCandidatePool([{ ...sparse, hits: [{ id: "a", score: 5 }] }, { ...dense, hits: [] }]);
    expect(scores(fuse(one, options({ method: "convex" })), one.ids)).toEqual({ a: 1 });
    const equal = buildCandidatePool([{ ...sparse, hits: [{ id: "a", score: 2 }, { id: "b", score: 2 }] }, { ...dense, hits: [{ id: "c", score: 0.5 }] }]);
    const out = fuse(equal, options({ method: "convex", completion: false }));
    expect(out.order.map((i) => equal.ids[i])).toEqual(["a", "b", "c"]);
    expect(scores(out, equal.ids)).toEqual({ a: 1, b: 1, c: 1 });
    expect(scores(fuse(equal, options({ method: "convex", normalize: "zscore" })), equal.ids)).toEqual({ a: 0, b: 0, c: 0 });
    expect(scores(fuse(equal, options({ method: "dbsf" })), equal.ids)).toEqual({ a: 0.5, b: 0.5, c: 0.5 });
  });

  it("breaks ties by id", () => {
    const pool = buildCandidatePool([
      { ...sparse, hits: [{ id: "z", score: 1 }, { id: "m", score: 1 }] },
      { ...dense, hits: [{ id: "m", score: 1 }, { id: "z", score: 1 }] },
    ]);
    const out = fuse(pool, options());
    expect(out.scores[0]).toBe(out.scores[1]);
    expect(out.order.map((i) => pool.ids[i])).toEqual(["m", "z"]);
  });

  it("rank-only legs join score-based fusion by DCG's discount 1 / log2(1 + rank)", () => {
    const pool = buildCandidatePool([sparse, { leg: "text", kind: "rank-only", hits: [{ id: "c" }, { id: "e" }] }]);
    const s = scores(fuse(pool, options({ method: "convex", completion: false })), pool.ids);
    expect(s.c).toBeCloseTo(0 + 1, 12);
    expect(s.e).toBeCloseTo(1 / Math.log2(3), 12);
    expect(s.a).toBeCloseTo(1, 12);
  });
});
