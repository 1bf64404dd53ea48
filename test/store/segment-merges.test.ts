import { describe, expect, it } from "vitest";
import { HybridIndex, type Document, type Filter, type SearchQuery } from "../../src/index.js";
import { expectSameTopK, referenceDense, referenceLeg, referenceSparse } from "../helpers/brute-force.js";
import { FILTERS, generateCorpus } from "../helpers/generate.js";
import { seededRandom } from "../helpers/random.js";
import { useStorages } from "../helpers/storages.js";

const storages = useStorages("tandem-merges-");
const DIMENSION = 8;

/** Every leg's top 20 for a few queries and filters, and some documents read back: what merges must not change. */
async function answers(index: HybridIndex, queries: SearchQuery[], ids: string[]) {
  const out: unknown[] = [];
  for (const q of queries) {
    for (const filter of [undefined, ...FILTERS.slice(0, 3)]) {
      out.push((await index.search({ sparse: q.sparse, legs: ["sparse"], k: 20, candidates: 20, filter })).hits);
      out.push((await index.search({ dense: q.dense, legs: ["dense"], exact: true, k: 20, candidates: 20, filter })).hits);
      out.push((await index.search({ ...q, k: 20, filter, explain: true })).hits);
    }
  }
  out.push(await Promise.all(ids.map((id) => index.get(id))));
  return out;
}

function checkAgainstBruteForce(live: Map<string, Document>, hits: { sparse: { id: string; score: number }[]; dense: { id: string; score: number }[] }, q: SearchQuery, filter?: Filter) {
  expectSameTopK(hits.sparse, referenceLeg(live, (d) => referenceSparse(q.sparse!, d.sparse), filter), 20);
  expectSameTopK(hits.dense, referenceLeg(live, (d) => referenceDense("cosine", q.dense as number[], d.dense), filter), 20);
}

describe.each(storages)("segments merge without changing any answer ($name storage)", (storage) => {
  it("60 commits of upserts, replacements and deletions: segments merge, and every leg answers as brute force over the live documents, before and after reopening", async () => {
    const { docs, queries } = generateCorpus(5, 500, DIMENSION);
    const rand = seededRandom(99);
    const dir = await storage.fresh();
    const index = await HybridIndex.open(dir, { metric: "cosine" });
    const live = new Map<string, Document>();
    let maxSegments = 0;
    let next = 0;
    for (let c = 0; c < 60; c++) {
      const batch: Document[] = [];
      for (let i = 0; i < 4 + Math.floor(rand() * 6) && next < docs.length; i++) batch.push(docs[next++]!);
      // A few earlier documents come back with another document's content (a replacement).
      for (let i = 0; i < 2 && live.size > 0; i++) {
        const old = [...live.keys()][Math.floor(rand() * live.size)]!;
        if (!batch.some((d) => d.id === old)) batch.push({ ...docs[Math.floor(rand() * docs.length)]!, id: old });
      }
      await index.upsert(batch);
      for (const d of batch) live.set(d.id, d);
      if (c % 4 === 3) {
        const gone = [...live.keys()].filter(() => rand() < 0.04);
        await index.delete(gone);
        for (const id of gone) live.delete(id);
      }
      maxSegments = Math.max(maxSegments, (await index.stats()).segments);
    }
    const stats = await index.stats();
    expect(stats.documents).toBe(live.size);
    // Without merges there would be a segment per commit (75 commits with the deletions).
    expect(maxSegments).toBeLessThan(20);

    const qs = queries.slice(0, 6).map((q) => ({ sparse: q.sparse, dense: q.dense }));
    for (const q of qs) {
      for (const filter of [undefined, ...FILTERS]) {
        const sparse = (await index.search({ sparse: q.sparse, legs: ["sparse"], k: 20, candidates: 20, filter })).hits;
        const dense = (await index.search({ dense: q.dense, legs: ["dense"], exact: true, k: 20, candidates: 20, filter })).hits;
        checkAgainstBruteForce(live, { sparse, dense }, q, filter);
      }
    }
    const ids = [...live.keys()].slice(0, 30).concat(["d499-never", docs[0]!.id]);
    for (const id of ids) {
      const doc = await index.get(id);
      expect(doc?.id, id).toBe(live.get(id)?.id);
      if (doc) expect(doc.fields).toEqual(live.get(id)!.fields);
    }
    const before = await answers(index, qs, ids);
    await index.close();

    // The same live documents written in one commit, and the merged index reopened, answer the same.
    const oneDir = await storage.fresh();
    const one = await HybridIndex.open(oneDir, { metric: "cosine" });
    await one.upsert([...live.values()]);
    expect(await answers(one, qs, ids)).toEqual(before);
    await one.close();
    const reopened = await HybridIndex.open(dir, { readOnly: true });
    expect(await answers(reopened, qs, ids)).toEqual(before);
    await reopened.close();
  });
});
