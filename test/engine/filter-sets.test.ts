import { describe, expect, it } from "vitest";
import { HybridIndex, MemoryStorage, type Document, type Filter, type SparseAlgorithm, type SparseVector } from "../../src/index.js";
import { seededRandom } from "../helpers/random.js";

const TOKENS = ["a", "b", "c", "d", "e", "f"];
const ALGORITHMS: SparseAlgorithm[] = ["exhaustive", "maxscore", "blockmax", "auto"];
/**
 * Filters of several selectivities, each asked again as a new object of the same content; one
 * more than the engine keeps, so sets are also dropped and evaluated again.
 */
const FILTERS: (() => Filter)[] = [
  () => ({ terms: { lang: ["en", "de"] } }),
  () => ({ term: { lang: "fr" } }),
  () => ({ range: { year: { lt: 2005 } } }),
  () => ({ and: [{ term: { lang: "en" } }, { range: { year: { gte: 2015 } } }] }),
  // About 3% of the documents: auto scores them alone.
  () => ({ and: [{ term: { lang: "fr" } }, { range: { year: { gte: 2022 } } }] }),
  () => ({ or: [{ term: { lang: "de" } }, { not: { range: { year: { gte: 1995 } } } }] }),
];
const QUERIES: SparseVector[] = [{ a: 1, c: 0.5 }, { b: 2, d: 1, f: 0.25 }, { e: 1 }];

interface Live {
  sparse: SparseVector;
  lang: string;
  year: number;
}

function matches(doc: Live, filter: Filter): boolean {
  if ("and" in filter) return filter.and.every((f) => matches(doc, f));
  if ("or" in filter) return filter.or.some((f) => matches(doc, f));
  if ("not" in filter) return !matches(doc, filter.not);
  if ("term" in filter) return filter.term.lang === doc.lang;
  if ("terms" in filter) return filter.terms.lang!.includes(doc.lang);
  if ("range" in filter) {
    const b = filter.range.year!;
    return (b.lt === undefined || doc.year < (b.lt as number)) && (b.gte === undefined || doc.year >= (b.gte as number));
  }
  throw new Error("filter not used here");
}

describe("a filter's accepted set, kept between searches, follows every write", () => {
  it("after upserts, replacements, deletions, merges and compactions, every algorithm returns exactly the live documents the filter keeps", async () => {
    const rand = seededRandom(12);
    const index = await HybridIndex.open(new MemoryStorage("filter-sets"));
    const live = new Map<string, Live>();
    const draw = (): Live => {
      const sparse: SparseVector = {};
      for (const t of TOKENS) if (rand() < 0.4) sparse[t] = Math.ceil(rand() * 8) / 4;
      return { sparse, lang: ["en", "fr", "de"][Math.floor(rand() * 3)]!, year: 1990 + Math.floor(rand() * 35) };
    };
    let next = 0;
    for (let step = 0; step < 40; step++) {
      const roll = rand();
      if (roll < 0.55 || live.size < 10) {
        // New documents and replacements of existing ones (new fields, new vector).
        const docs: Document[] = [];
        const ids = [...live.keys()];
        const batch = new Set<string>();
        for (let i = 0, n = 1 + Math.floor(rand() * 15); i < n; i++) {
          const id = ids.length > 0 && rand() < 0.3 ? ids[Math.floor(rand() * ids.length)]! : `d${next++}`;
          if (batch.has(id)) continue;
          batch.add(id);
          const doc = draw();
          live.set(id, doc);
          docs.push({ id, sparse: doc.sparse, fields: { lang: doc.lang, year: doc.year } });
        }
        await index.upsert(docs);
      } else {
        // A few deletions, or most documents at once (past the share that compacts).
        const ids = [...live.keys()].filter(() => rand() < (roll < 0.9 ? 0.1 : 0.6));
        for (const id of ids) live.delete(id);
        await index.delete(ids);
      }
      for (const filter of FILTERS) {
        for (const sparse of QUERIES) {
          const want = [...live].filter(([, doc]) => matches(doc, filter()) && Object.keys(sparse).some((t) => doc.sparse[t] !== undefined)).map(([id]) => id);
          for (const sparseAlgorithm of ALGORITHMS) {
            const { hits } = await index.search({ sparse, filter: filter(), legs: ["sparse"], k: 500, candidates: 500, sparseAlgorithm });
            expect(
              hits.map((h) => h.id).sort(),
              `step ${step}, ${JSON.stringify(filter())}, ${sparseAlgorithm}`,
            ).toEqual(want.sort());
          }
        }
      }
    }
    await index.close();
  });
});
