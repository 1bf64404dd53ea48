import { describe, expect, it } from "vitest";
import { flexSearchTextIndex } from "../../plugins/flexsearch/index.js";
import { HybridIndex, type Document, type Filter, type Metric } from "../../src/index.js";
import { expectSameTopK, referenceDense, referenceLeg, referenceMatches, referenceSparse } from "../helpers/brute-force.js";
import { compareKeys, FlexSearchReference } from "../helpers/flexsearch-reference.js";
import { FILTERS, generateCorpus, METRICS } from "../helpers/generate.js";
import { useStorages } from "../helpers/storages.js";

const storages = useStorages("tandem-legs-");

const K = 10;

/** Checks the sparse and dense legs, alone, unfiltered and under every filter, against brute force. */
async function checkLegs(index: HybridIndex, live: Map<string, Document>, metric: Metric, queries: ReturnType<typeof generateCorpus>["queries"]) {
  for (const q of queries.slice(0, 8)) {
    for (const filter of [undefined, ...FILTERS] as (Filter | undefined)[]) {
      const sparse = await index.search({ sparse: q.sparse, k: K, filter });
      expect(sparse.legs).toEqual(["sparse"]);
      expectSameTopK(sparse.hits, referenceLeg(live, (d) => referenceSparse(q.sparse, d.sparse), filter), K);
      const dense = await index.search({ dense: q.dense, k: K, filter });
      expectSameTopK(dense.hits, referenceLeg(live, (d) => referenceDense(metric, q.dense, d.dense), filter), K);
    }
  }
}

/**
 * The text leg against FlexSearch itself, queried for every match and filtered afterwards:
 * FlexSearch's groups of equal relevance (terms matched, worst slot), each ordered by id, equal
 * relevance sharing a rank.
 */
async function checkTextLeg(index: HybridIndex, live: Map<string, Document>, queries: ReturnType<typeof generateCorpus>["queries"]) {
  const docs = [...live.values()];
  const reference = new FlexSearchReference(docs.map((d) => d.text));
  for (const q of queries.slice(0, 5)) {
    const keys = reference.keys(q.text)!;
    for (const filter of [undefined, ...FILTERS] as (Filter | undefined)[]) {
      const matching = reference
        .order(q.text)
        .map((i) => ({ id: docs[i]!.id, fields: docs[i]!.fields, key: keys.get(i)! }))
        .filter((d) => !filter || referenceMatches(filter, d.fields))
        .sort((a, b) => compareKeys(a.key, b.key) || (a.id < b.id ? -1 : 1));
      const rank = (d: (typeof matching)[number]) => 1 + matching.filter((o) => compareKeys(o.key, d.key) < 0).length;
      const expected = matching.slice(0, K);
      const result = await index.search({ text: q.text, k: K, filter });
      expect(result.hits.map((h) => h.id)).toEqual(expected.map((d) => d.id));
      result.hits.forEach((h, i) => expect(h.legs.text?.rank).toBe(rank(expected[i]!)));
    }
  }
}

describe.each(storages.flatMap((storage) => METRICS.map((metric) => ({ metric, storage }))))("embedded legs vs brute force ($metric, $storage.name storage)", ({ metric, storage }) => {
  it("match brute force alone and filtered, after upserts, deletes and reopening", async () => {
    const dir = await storage.fresh();
    const { docs, queries } = generateCorpus(metric.length * 7919, 600, 16);
    const live = new Map(docs.map((d) => [d.id, d]));
    let index = await HybridIndex.open(dir, { metric, textIndex: flexSearchTextIndex() });
    await index.upsert(docs.slice(0, 400));
    await index.upsert(docs.slice(400));
    await checkLegs(index, live, metric, queries);
    await checkTextLeg(index, live, queries);

    // Replace some documents with new content (including ones losing a leg) and delete others.
    const replacements = generateCorpus(metric.length * 31 + 1, 120, 16).docs.map((d, i) => ({ ...d, id: `d${i * 5}` }));
    await index.upsert(replacements);
    // A replaced document is a new version (the text leg's ranks do not depend on that).
    for (const r of replacements) {
      live.delete(r.id);
      live.set(r.id, r);
    }
    const deleted = docs.filter((_, i) => i % 7 === 3).map((d) => d.id);
    expect((await index.delete(deleted)).deleted).toBe(deleted.length);
    for (const id of deleted) live.delete(id);
    expect((await index.stats()).documents).toBe(live.size);
    await checkLegs(index, live, metric, queries);
    await checkTextLeg(index, live, queries);
    await index.close();

    index = await HybridIndex.open(dir, { textIndex: flexSearchTextIndex(), readOnly: true });
    expect((await index.stats()).metric).toBe(metric);
    expect((await index.stats()).documents).toBe(live.size);
    await checkLegs(index, live, metric, queries);
    await checkTextLeg(index, live, queries);
    for (const id of deleted) expect(await index.get(id)).toBeUndefined();
    const sample = replacements[3]!;
    const stored = await index.get(sample.id);
    expect(stored?.text).toBe(sample.text);
    expect(stored?.fields).toEqual(sample.fields);
    await index.close();
  });
});

describe.each(storages)("compaction ($name storage)", (storage) => {
  it("keeps every leg exact after enough deletes and replacements to compact", async () => {
    const dir = await storage.fresh();
    const { docs, queries } = generateCorpus(424242, 300, 8);
    const live = new Map(docs.map((d) => [d.id, d]));
    const index = await HybridIndex.open(dir, { metric: "cosine", textIndex: flexSearchTextIndex() });
    await index.upsert(docs);
    // Many small commits: more segments than the compaction threshold, and most slots retired.
    for (let round = 0; round < 20; round++) {
      const batch = generateCorpus(round + 1000, 15, 8).docs.map((d, i) => ({ ...d, id: `d${(round * 15 + i) % 300}` }));
      await index.upsert(batch);
      for (const d of batch) {
        live.delete(d.id);
        live.set(d.id, d);
      }
    }
    const stats = await index.stats();
    expect(stats.segments).toBeLessThanOrEqual(17);
    expect(stats.documents).toBe(300);
    await checkLegs(index, live, "cosine", queries);
    await checkTextLeg(index, live, queries);
    await index.close();
  });
});
