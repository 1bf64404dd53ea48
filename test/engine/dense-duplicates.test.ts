import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { HybridIndex, type DenseQuantization, type Metric } from "../../src/index.js";
import { embeddingLike } from "../helpers/embeddings.js";
import { seededRandom, shuffle } from "../helpers/random.js";

const DIM = 32;
const K = 10;

describe.each([
  ["cosine", "int8"],
  ["l2", "none"],
  ["dot", "int8"],
] as [Metric, DenseQuantization][])("the dense leg with exact-duplicate vectors (%s, quantization %s)", (metric, quantization) => {
  // 2,400 distinct documents and 1,300 with one copied vector, under ids whose order is not the
  // insertion order (so a tie broken by slot would not be a tie broken by id).
  const vectors = embeddingLike(29, 2400 + 1 + 30 + 200, DIM);
  const copied = vectors[2400]!;
  const held = vectors.slice(2401, 2431);
  const later = vectors.slice(2431);
  const distinct = vectors.slice(0, 2400).map((dense, i) => ({ id: `d${(i * 7919) % 2400}`, dense }));
  const copies = Array.from({ length: 1300 }, (_, i) => ({ id: `c${(i * 389) % 1300}`, dense: copied }));
  let dir: string;
  let index: HybridIndex;
  const live = new Map<string, number[]>();

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "tandem-duplicates-"));
    index = await HybridIndex.open(dir, { metric, quantization });
    const docs = shuffle([...distinct, ...copies], 31);
    for (const d of docs) live.set(d.id, d.dense);
    await index.upsert(docs);
  });
  afterAll(async () => {
    await index.close();
    await rm(dir, { recursive: true, force: true });
  });

  /** Checks the graph's answers against exact search over the live documents. */
  async function expectGraphAnswersLikeExact(): Promise<void> {
    const probes = [...held, copied, ...[...live.values()].filter((v) => v !== copied)];
    let found = 0;
    let wanted = 0;
    for (const [i, dense] of probes.entries()) {
      const exact = (await index.search({ dense, k: K, exact: true })).hits;
      const approx = (await index.search({ dense, k: K, ef: 64 })).hits;
      // Ties rank by id, as in the exact scan.
      for (let j = 1; j < approx.length; j++) {
        const [a, b] = [approx[j - 1]!, approx[j]!];
        expect(a.score > b.score || (a.score === b.score && a.id < b.id)).toBe(true);
      }
      // Every distinct document is found as its own best hit (under a dot product: a hit as good).
      if (i > held.length) expect(approx[0]!.score).toBe(exact[0]!.score);
      if (i <= held.length) {
        const kth = exact[exact.length - 1]!.score;
        found += Math.min(exact.length, approx.filter((h) => h.score >= kth).length);
        wanted += exact.length;
      }
    }
    expect(found / wanted).toBeGreaterThanOrEqual(0.95);
    // A query at the copied vector gets k copies.
    const atCopy = await index.search({ dense: copied, k: K, ef: 64 });
    const exactAtCopy = await index.search({ dense: copied, k: K, exact: true });
    expect(atCopy.hits.map((h) => h.score)).toEqual(exactAtCopy.hits.map((h) => h.score));
  }

  it("answers like exact search: recall@10, every document its own best hit, k copies, ties by id", async () => {
    await expectGraphAnswersLikeExact();
  });

  it("keeps doing so after deletes, re-upserts of unchanged vectors, reopening and inserts into the saved graph", async () => {
    const rand = seededRandom(37);
    const gone = [...live.keys()].filter((id) => (id.startsWith("c") ? rand() < 0.7 : rand() < 0.05));
    await index.delete(gone);
    for (const id of gone) live.delete(id);
    // Upserting a document with an unchanged vector adds a copy of the node it replaces.
    const again = [...live.entries()].filter(([, v]) => v !== copied).slice(0, 200);
    await index.upsert(again.map(([id, dense]) => ({ id, dense })));
    await expectGraphAnswersLikeExact();
    await index.close();
    index = await HybridIndex.open(dir);
    const added = [...later.map((dense, i) => ({ id: `n${i}`, dense })), ...Array.from({ length: 300 }, (_, i) => ({ id: `e${i}`, dense: copied }))];
    await index.upsert(shuffle(added, 41));
    for (const d of added) live.set(d.id, d.dense);
    await expectGraphAnswersLikeExact();
  });
});
