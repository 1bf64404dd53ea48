import fc from "fast-check";
import { beforeAll, describe, expect, it } from "vitest";
import { flatSearch } from "../../../src/legs/dense/flat-index.js";
import { HnswIndex } from "../../../src/legs/dense/hnsw-index.js";
import { QuantizedVectorStore } from "../../../src/legs/dense/quantized-vector-store.js";
import { VectorStore, type DenseVectors } from "../../../src/legs/dense/vector-store.js";
import type { Metric } from "../../../src/types.js";
import { embeddingLike } from "../../helpers/embeddings.js";
import { seededRandom, shuffle } from "../../helpers/random.js";

const K = 10;
/** A modest candidate list: the ordinary-data recall tests reach 0.95 well below it. */
const EF = 64;
const bySlot = (a: number, b: number) => a - b;

type Quantization = "none" | "int8";

function createStore(dimension: number, metric: Metric, quantization: Quantization): DenseVectors {
  return quantization === "int8" ? new QuantizedVectorStore(dimension, metric) : new VectorStore(dimension, metric);
}

function build(vectors: number[][], metric: Metric, quantization: Quantization): { store: DenseVectors; graph: HnswIndex } {
  const store = createStore(vectors[0]!.length, metric, quantization);
  const graph = new HnswIndex(store, { M: 16, efConstruction: 200, seed: 42 });
  vectors.forEach((v, slot) => {
    store.add(slot, v);
    graph.insert(slot);
  });
  return { store, graph };
}

/**
 * Recall@k of the graph against brute force over the same similarity (the graph of an int8 store
 * walks the approximate one). A hit counts when it scores at least the k-th best score, so which
 * of several tied copies is returned does not matter here.
 */
function recall(store: DenseVectors, graph: HnswIndex, queries: number[][], accept: Uint8Array, ef = EF): number {
  let found = 0;
  let wanted = 0;
  for (const raw of queries) {
    const q = store.prepare(raw);
    const truth = flatSearch(store, q, K, accept, bySlot);
    const got = graph.search(q, K, ef, accept, bySlot);
    const kth = truth.scores[truth.scores.length - 1]!;
    found += Math.min(truth.slots.length, got.scores.filter((s) => s >= kth).length);
    wanted += truth.slots.length;
    for (const slot of got.slots) expect(accept[slot]).toBe(1);
  }
  return found / wanted;
}

/** Accepted slots holding a vector of `distinct` whose nearest neighbour by brute force the graph does not return first. */
function notFoundAsNearest(store: DenseVectors, graph: HnswIndex, vectors: number[][], slots: number[], accept: Uint8Array): number[] {
  const missed: number[] = [];
  for (const slot of slots) {
    if (accept[slot] !== 1) continue;
    const q = store.prepare(vectors[slot]!);
    const best = flatSearch(store, q, 1, accept, bySlot).scores[0]!;
    const got = graph.search(q, 1, EF, accept, bySlot);
    if (got.scores[0] !== best) missed.push(slot);
  }
  return missed;
}

describe.each([
  ["cosine", "none"],
  ["l2", "none"],
  ["dot", "none"],
  ["cosine", "int8"],
  ["l2", "int8"],
  ["dot", "int8"],
] as [Metric, Quantization][])("exact-duplicate vectors in the HNSW graph (%s, quantization %s)", (metric, quantization) => {
  // 1,300 copies of one vector among 1,300 distinct ones: the copies once filled each other's link
  // lists and left the graph with a region it could not get out of.
  const DIM = 32;
  const all = embeddingLike(7, 1300 + 1 + 50, DIM);
  const copied = all[1300]!;
  const queries = [...all.slice(1301), copied];

  describe.each(["shuffled", "copies first"])("inserted %s", (order) => {
    const entries = [...all.slice(0, 1300).map((v) => ({ v, copy: false })), ...Array.from({ length: 1300 }, () => ({ v: copied, copy: true }))];
    const items = order === "shuffled" ? shuffle(entries, 3) : entries.reverse();
    const vectors = items.map((x) => x.v);
    const distinctSlots = items.flatMap((x, slot) => (x.copy ? [] : [slot]));
    const copySlots = items.flatMap((x, slot) => (x.copy ? [slot] : []));
    const all1 = new Uint8Array(vectors.length).fill(1);
    let store: DenseVectors;
    let graph: HnswIndex;
    beforeAll(() => ({ store, graph } = build(vectors, metric, quantization)));

    it("keeps recall@10 ≥ 0.95 at ef 64 and finds every distinct vector as its own nearest neighbour", () => {
      expect(recall(store, graph, [...queries, ...distinctSlots.slice(0, 300).map((s) => vectors[s]!)], all1)).toBeGreaterThanOrEqual(0.95);
      expect(notFoundAsNearest(store, graph, vectors, distinctSlots, all1)).toEqual([]);
    });

    it("returns k copies for a query at the copied vector, also with most copies deleted", () => {
      const q = store.prepare(copied);
      const sameScores = (accept: Uint8Array) => {
        const got = graph.search(q, K, EF, accept, bySlot);
        const exact = flatSearch(store, q, K, accept, bySlot);
        for (const slot of got.slots) expect(accept[slot]).toBe(1);
        expect(got.scores.sort((a, b) => b - a)).toEqual(exact.scores);
      };
      sameScores(all1);
      // Deleted nodes stay in the graph to be walked through; the live copies must still be reached.
      const accept = all1.slice();
      const rand = seededRandom(5);
      for (const slot of copySlots) if (rand() < 0.8) accept[slot] = 0;
      sameScores(accept);
      expect(recall(store, graph, queries, accept)).toBeGreaterThanOrEqual(0.95);
      expect(notFoundAsNearest(store, graph, vectors, distinctSlots, accept)).toEqual([]);
    });
  });
});

describe.each(["cosine", "l2", "dot"] as Metric[])("small groups of copies (%s)", (metric) => {
  it.each(["none", "int8"] as Quantization[])("come back as an exact scan returns them, ties by slot (quantization %s)", (quantization) => {
    // 60 groups of 10 to 40 copies (within ef) among 1,500 distinct vectors, a quarter of the copies deleted.
    const DIM = 24;
    const data = embeddingLike(13, 1560, DIM);
    const rand = seededRandom(17);
    const entries = data.slice(0, 1500);
    for (let g = 0; g < 60; g++) for (let c = 10 + Math.floor(rand() * 31); c > 0; c--) entries.push(data[1500 + g]!);
    const vectors = shuffle(entries, 19);
    const { store, graph } = build(vectors, metric, quantization);
    const accept = Uint8Array.from(vectors, (v) => (data.indexOf(v) >= 1500 && rand() < 0.25 ? 0 : 1));
    let compared = 0;
    for (const raw of data.slice(1500)) {
      const q = store.prepare(raw);
      const exact = flatSearch(store, q, K, accept, bySlot);
      // Only where the top k are all copies of the query (under a dot product they need not be).
      if (!exact.slots.every((slot) => vectors[slot] === raw)) continue;
      compared++;
      const got = graph.search(q, K, EF, accept, bySlot);
      expect(got.scores).toEqual(exact.scores);
      // Under a dot product a vector need not be its own nearest neighbour, and copies inserted far
      // apart may not meet: the scores are right, but not always the lowest slots among the tied.
      if (metric !== "dot") expect(got.slots.sort(bySlot)).toEqual(exact.slots);
    }
    expect(compared).toBeGreaterThanOrEqual(metric === "dot" ? 5 : 50);
  });
});

describe("HNSW graphs with groups of copies (property)", () => {
  const DIM = 24;
  // "scaled": each member the same direction at another length — one point under cosine (under a
  // dot product the longest would outscore the rest for most queries: plain copies there).
  const vectorKinds = fc.constantFrom("embedding", "zero", "one of the distinct", "scaled");
  const collection = fc.record({
    metric: fc.constantFrom<Metric>("cosine", "l2", "dot"),
    quantization: fc.constantFrom<Quantization>("none", "int8"),
    distinct: fc.integer({ min: 100, max: 1400 }),
    groups: fc.array(fc.record({ size: fc.integer({ min: 2, max: 700 }), kind: vectorKinds }), { minLength: 1, maxLength: 4 }),
    orderSeed: fc.integer({ min: 1, max: 1000 }),
    deleted: fc.double({ min: 0, max: 0.6, noNaN: true }),
    reinserted: fc.integer({ min: 0, max: 100 }),
  });

  it("every distinct vector is found as its own nearest neighbour and recall@10 ≥ 0.95 at ef 64, whatever share of copies, groups, metric, order and deletions", () => {
    fc.assert(
      fc.property(collection, (c) => {
        const data = embeddingLike(c.orderSeed, c.distinct + c.groups.length + 30, DIM);
        const entries: { v: number[]; copy: boolean }[] = data.slice(0, c.distinct).map((v) => ({ v, copy: false }));
        c.groups.forEach((g, i) => {
          // The cosine of a zero vector is undefined (documents refuse it); there it is an embedding.
          const v = g.kind === "zero" && c.metric !== "cosine" ? new Array<number>(DIM).fill(0) : g.kind === "one of the distinct" ? data[i % c.distinct]! : data[c.distinct + i]!;
          const scale = seededRandom(c.orderSeed + i);
          for (let j = 0; j < g.size; j++) entries.push({ v: g.kind === "scaled" && c.metric !== "dot" ? v.map((x) => x * (0.5 + 3 * scale())) : v, copy: true });
        });
        const items = shuffle(entries, c.orderSeed);
        // Deleting and re-adding a document appends its vector again: a copy of a deleted node.
        const rand = seededRandom(c.orderSeed + 1);
        const deleted = items.map(() => rand() < c.deleted);
        for (let i = 0; i < c.reinserted && i < items.length; i++) {
          if (!deleted[i]) continue;
          items.push(items[i]!);
          deleted.push(false);
        }
        const vectors = items.map((x) => x.v);
        const { store, graph } = build(vectors, c.metric, c.quantization);
        const accept = Uint8Array.from(deleted, (d) => (d ? 0 : 1));
        const distinctSlots = items.flatMap((x, slot) => (x.copy ? [] : [slot]));
        const queries = [...data.slice(c.distinct), ...distinctSlots.slice(0, 100).map((s) => vectors[s]!)];
        expect(notFoundAsNearest(store, graph, vectors, distinctSlots, accept)).toEqual([]);
        expect(recall(store, graph, queries, accept)).toBeGreaterThanOrEqual(0.95);
      }),
      { numRuns: 12, seed: 20240611 },
    );
  });
});
