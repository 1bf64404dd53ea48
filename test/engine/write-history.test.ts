import { describe, expect, it } from "vitest";
import { flexSearchTextIndex } from "../../plugins/flexsearch/index.js";
import { HybridIndex, type Document, type FusionOptions, type SearchQuery, type Storage } from "../../src/index.js";
import { seededRandom } from "../helpers/random.js";
import { useStorages } from "../helpers/storages.js";
import { FUSION_METHODS } from "../helpers/fusion.js";

const storages = useStorages("tandem-history-");
const WORDS = ["bone", "vitamin", "calcium", "fracture"];

/**
 * 60 documents built for ties: texts of a few words from a vocabulary of four (FlexSearch puts
 * many documents in one relevance slot), sparse weights in quarters over five tokens, dense
 * vectors with repeats, and some documents lacking a leg. Ids are not in any useful order.
 */
function tiedDocuments(): Document[] {
  const rand = seededRandom(60);
  const pick = <T>(xs: readonly T[]) => xs[Math.floor(rand() * xs.length)]!;
  const vectors = Array.from({ length: 6 }, () => [rand() * 2 - 1, rand() * 2 - 1, rand() * 2 - 1]);
  return Array.from({ length: 60 }, (_, i) => {
    const doc: Document = { id: `doc-${((i * 37) % 60).toString(36)}-${i % 7}`, fields: { rev: 1 } };
    if (i % 9 !== 4) doc.text = Array.from({ length: 1 + Math.floor(rand() * 4) }, () => pick(WORDS)).join(" ");
    if (i % 7 !== 2) {
      doc.sparse = {};
      for (let t = 0; t < 1 + Math.floor(rand() * 3); t++) doc.sparse[`t${Math.floor(rand() * 5)}`] = Math.ceil(rand() * 4) / 4;
    }
    if (i % 5 !== 1) doc.dense = pick(vectors);
    return doc;
  });
}

const METHODS: FusionOptions[] = FUSION_METHODS;
const QUERIES: SearchQuery[] = [
  { text: "bone", sparse: { t1: 1 }, dense: [0.3, -0.2, 0.9] },
  { text: "vitamin calcium", sparse: { t0: 0.5, t3: 1 }, dense: [-0.5, 0.5, 0.1] },
  { text: "fracture bone calcium", dense: [0.1, 0.1, 0.1] },
  { text: "calcium", sparse: { t2: 1, t4: 0.25 } },
];

/** Every answer of the index that could reveal write history: ids, scores, leg ranks, drops. */
async function answers(index: HybridIndex): Promise<unknown[]> {
  const out: unknown[] = [];
  for (const q of QUERIES) {
    for (const fusion of METHODS) {
      const full = await index.search({ ...q, k: 60, candidates: 60, fusion });
      const cut = await index.search({ ...q, k: 20, candidates: 20, fusion, relevance: { autocut: 1 }, explain: true });
      out.push({ fusion, hits: full.hits, cut: cut.hits.map((h) => [h.id, h.score]), dropped: cut.dropped });
    }
    for (const leg of ["sparse", "dense", "text"] as const) {
      if (leg === "sparse" && !q.sparse) continue;
      if (leg === "dense" && !q.dense) continue;
      out.push({ leg, hits: (await index.search({ ...q, legs: [leg], k: 15, candidates: 15 })).hits });
    }
  }
  return out;
}

function shuffled<T>(xs: readonly T[], seed: number): T[] {
  const rand = seededRandom(seed);
  const out = [...xs];
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(rand() * (i + 1));
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
}

describe.each(storages)("results depend on content, not on write history (fault: equal text matches ranked by insertion order; $name storage)", (storage) => {
  it("1 commit, 8 shuffled commits with metadata-only re-upserts, compaction and reopening answer identically", async () => {
    const final = tiedDocuments().map((d, i) => (i % 3 === 0 ? { ...d, fields: { rev: 2 } } : d));
    const open = async (dir: string | Storage) => HybridIndex.open(dir, { metric: "cosine", textIndex: flexSearchTextIndex() });

    const oneDir = await storage.fresh();
    const one = await open(oneDir);
    await one.upsert(final);
    const expected = await answers(one);
    await one.close();

    for (const seed of [1, 2, 3]) {
      const dir = await storage.fresh();
      let index = await open(dir);
      // First version of every document in 8 commits of a shuffled order...
      const order = shuffled(final, seed).map((d) => ({ ...d, fields: { rev: 1 } }));
      for (let c = 0; c < 8; c++) await index.upsert(order.slice(c * 8, c === 7 ? undefined : (c + 1) * 8));
      // ...then only the metadata of a third of them changes, in another order.
      for (const d of shuffled(final.filter((_, i) => i % 3 === 0), seed + 10)) await index.upsert([d]);
      const stats = await index.stats();
      expect(stats.documents).toBe(60);
      expect(await answers(index)).toEqual(expected);
      // A third of the slots retired: writing that third again compacts the index.
      if (seed === 3) {
        await index.upsert(shuffled(final.filter((_, i) => i % 3 !== 0), seed + 20).slice(0, 20));
        expect((await index.stats()).segments).toBe(1);
        expect(await answers(index)).toEqual(expected);
      }
      await index.close();
      index = await open(dir);
      expect(await answers(index)).toEqual(expected);
      await index.close();
    }
  });

  it("sparse scores do not depend on the order tokens were first written", async () => {
    // 1 + 2⁻²⁴ + 2 × (3 × 2⁻⁵⁵) rounds to float32 1 when the two small products are added last
    // and to 1 + 2⁻²³ when they are added first: the summation order must come from the content.
    const small = 3 * 2 ** -55;
    const doc = { id: "x", sparse: { one: 1, mid: 2 ** -24, s1: small, s2: small } };
    const query = { sparse: { one: 1, mid: 1, s1: 1, s2: 1 }, legs: ["sparse" as const] };
    const first = await HybridIndex.open(await storage.fresh());
    await first.upsert([doc]);
    const second = await HybridIndex.open(await storage.fresh());
    await second.upsert([{ id: "w", sparse: { s1: 1, s2: 1 } }]);
    await second.upsert([{ id: "v", sparse: { mid: 1 } }]);
    await second.upsert([doc]);
    const score = async (index: HybridIndex) => (await index.search(query)).hits.find((h) => h.id === "x")!.score;
    expect(await score(second)).toBe(await score(first));
    await first.close();
    await second.close();
  });
});
