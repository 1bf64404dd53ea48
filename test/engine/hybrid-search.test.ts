import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { flexSearchTextIndex } from "../../plugins/flexsearch/index.js";
import { HybridIndex, InvalidQueryError, MissingPluginError, type Document } from "../../src/index.js";
import { referenceDense, referenceLeg, referenceSparse, referenceTopK } from "../helpers/brute-force.js";
import { FILTERS, generateCorpus } from "../helpers/generate.js";

let dir: string;
let index: HybridIndex;
const { docs, queries } = generateCorpus(2024, 500, 12);
const live = new Map<string, Document>(docs.map((d) => [d.id, d]));
const CANDIDATES = 30;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "tandem-hybrid-"));
  index = await HybridIndex.open(dir, { metric: "cosine", textIndex: flexSearchTextIndex() });
  await index.upsert(docs);
});
afterAll(async () => {
  await index.close();
  await rm(dir, { recursive: true, force: true });
});

/** Brute-force candidates of both legs plus each candidate's exact score in both. */
function referenceLegs(q: (typeof queries)[number], filter = undefined as (typeof FILTERS)[number] | undefined) {
  const sparseAll = referenceLeg(live, (d) => referenceSparse(q.sparse, d.sparse), filter);
  const denseAll = referenceLeg(live, (d) => referenceDense("cosine", q.dense, d.dense), filter);
  return {
    sparse: referenceTopK(sparseAll, CANDIDATES),
    dense: referenceTopK(denseAll, CANDIDATES),
    sparseScore: new Map(sparseAll.map((h) => [h.id, h.score])),
    denseScore: new Map(denseAll.map((h) => [h.id, h.score])),
  };
}

function ordered(scores: Map<string, number>): { id: string; score: number }[] {
  return [...scores].map(([id, score]) => ({ id, score })).sort((a, b) => b.score - a.score || (a.id < b.id ? -1 : 1));
}

describe("hybrid search through the index", () => {
  it("rrf equals RRF over brute-force legs, filtered and not", async () => {
    for (const q of queries.slice(0, 10)) {
      for (const filter of [undefined, FILTERS[1], FILTERS[3]]) {
        const ref = referenceLegs(q, filter);
        const fused = new Map<string, number>();
        // Competition ranks: hits of equal leg score share the rank of the first of them.
        const rank = (leg: { score: number }[], h: { score: number }) => 1 + leg.filter((o) => o.score > h.score).length;
        ref.sparse.forEach((h) => fused.set(h.id, (fused.get(h.id) ?? 0) + 1 / (60 + rank(ref.sparse, h))));
        ref.dense.forEach((h) => fused.set(h.id, (fused.get(h.id) ?? 0) + 1 / (60 + rank(ref.dense, h))));
        const result = await index.search({ sparse: q.sparse, dense: q.dense, k: 10, candidates: CANDIDATES, filter, fusion: { method: "rrf" } });
        const expected = ordered(fused).slice(0, 10);
        expect(result.hits.map((h) => h.score)).toEqual(expected.map((h) => h.score).map((s) => expect.closeTo(s, 12)));
        for (const hit of result.hits) expect(hit.score).toBeCloseTo(fused.get(hit.id)!, 12);
      }
    }
  });

  it("convex minmax with score completion equals the same computed from brute force", async () => {
    for (const q of queries.slice(0, 10)) {
      const ref = referenceLegs(q);
      const union = [...new Set([...ref.sparse, ...ref.dense].map((h) => h.id))];
      // A document sharing no token with the query has the exact sparse score 0 (a sum over no
      // tokens), which completion reports and normalization counts like any other score.
      const minmax = (m: Map<string, number>, unmatched?: number) => {
        const raw = (id: string) => m.get(id) ?? unmatched;
        const present = union.map(raw).filter((s) => s !== undefined);
        const lo = Math.min(...present);
        const hi = Math.max(...present);
        return (id: string) => {
          const s = raw(id);
          return s === undefined ? 0 : hi > lo ? (s - lo) / (hi - lo) : 1;
        };
      };
      const ns = minmax(ref.sparseScore, 0);
      const nd = minmax(ref.denseScore);
      const fused = new Map(union.map((id) => [id, 0.3 * ns(id) + 0.7 * nd(id)]));
      const result = await index.search({
        sparse: q.sparse,
        dense: q.dense,
        k: 10,
        candidates: CANDIDATES,
        fusion: { method: "convex", normalize: "minmax", weights: { sparse: 0.3, dense: 0.7 } },
      });
      const expected = ordered(fused).slice(0, 10);
      result.hits.forEach((hit, i) => {
        expect(hit.score).toBeCloseTo(expected[i]!.score, 5);
        expect(hit.score).toBeCloseTo(fused.get(hit.id)!, 5);
        // Every leg score shown is the exact one, retrieved or completed.
        if (hit.legs.sparse) expect(hit.legs.sparse.score).toBeCloseTo(ref.sparseScore.get(hit.id) ?? 0, 5);
        if (hit.legs.dense) expect(hit.legs.dense.score).toBeCloseTo(ref.denseScore.get(hit.id)!, 5);
        if (hit.legs.dense?.completed) expect(hit.legs.dense.rank).toBeUndefined();
      });
    }
  });

  it("explains every hit: leg scores, ranks, normalized values, contributions and sparse tokens", async () => {
    const q = queries[0]!;
    const result = await index.search({ sparse: q.sparse, dense: q.dense, text: q.text, k: 5, fusion: { method: "convex" }, explain: true });
    expect(result.legs).toEqual(["sparse", "dense", "text"]);
    for (const hit of result.hits) {
      const e = hit.explanation!;
      const sum = Object.values(e.legs).reduce((s, l) => s + l.contribution, 0);
      expect(sum).toBeCloseTo(hit.score, 12);
      const sparse = e.legs.sparse!;
      if (sparse.score !== undefined) {
        const tokens = sparse.tokens!;
        expect(tokens.reduce((s, t) => s + t.contribution, 0)).toBeCloseTo(sparse.score, 5);
        for (const t of tokens) expect(t.contribution).toBeCloseTo(Math.fround(q.sparse[t.token]!) * Math.fround(live.get(hit.id)!.sparse![t.token]!), 6);
      }
    }
    expect(result.dropped).toEqual([]);
  });

  it("pages stably with from", async () => {
    const q = queries[1]!;
    const all = await index.search({ sparse: q.sparse, dense: q.dense, k: 30 });
    const pages = [];
    for (let from = 0; from < 30; from += 7) pages.push(...(await index.search({ sparse: q.sparse, dense: q.dense, k: 7, from })).hits);
    expect(pages.slice(0, 30).map((h) => h.id)).toEqual(all.hits.map((h) => h.id));
  });

  it("relevance filtering on raw leg scores uses exact (completed) scores", async () => {
    const q = queries[2]!;
    const result = await index.search({ sparse: q.sparse, dense: q.dense, k: 50, relevance: { minDense: 0.2 }, explain: true });
    const ref = referenceLegs(q);
    for (const hit of result.hits) expect(ref.denseScore.get(hit.id)!).toBeGreaterThanOrEqual(0.2 - 1e-6);
    for (const d of result.dropped!) expect((ref.denseScore.get(d.id) ?? -Infinity) < 0.2 + 1e-6).toBe(true);
    expect(result.dropped!.length).toBeGreaterThan(0);
  });

  it("rejects bad queries with typed errors", async () => {
    await expect(index.search({})).rejects.toThrow(InvalidQueryError);
    await expect(index.search({ dense: [1, 2] })).rejects.toThrow(/dense has 2 values, index dimension is 12/);
    await expect(index.search({ sparse: { a: 1 }, k: 0 })).rejects.toThrow(/"k" must be an integer from 1/);
    await expect(index.search({ sparse: { a: 1 }, fusion: { method: "magic" as never } })).rejects.toThrow(/unknown fusion method "magic"/);
    await expect(index.search({ sparse: { a: 1 }, fusion: "convex" as never })).rejects.toThrow(/"fusion" must be an object such as \{"method":"convex","normalize":"zscore"\}, got "convex"/);
    await expect(index.search({ sparse: { a: 1 }, filter: { near: {} } as never })).rejects.toThrow(/unknown filter operator "near"/);
    const bare = await HybridIndex.open(join(dir, "..", `${dir.split("/").pop()}-bare`));
    await bare.upsert([{ id: "x", text: "hello" }]);
    await expect(bare.search({ text: "hello", legs: ["text"] })).rejects.toThrow(MissingPluginError);
    await bare.close();
    await rm(join(dir, "..", `${dir.split("/").pop()}-bare`), { recursive: true, force: true });
  });
});
