import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { createDistanceKernel } from "../../../src/legs/dense/distance-kernel.js";
import { flatSearch } from "../../../src/legs/dense/flat-index.js";
import { HnswIndex } from "../../../src/legs/dense/hnsw-index.js";
import { QuantizedVectorStore } from "../../../src/legs/dense/quantized-vector-store.js";
import { ScalarQuantizer } from "../../../src/legs/dense/scalar-quantizer.js";
import { VectorStore } from "../../../src/legs/dense/vector-store.js";
import { NodeStorage } from "../../../src/store/node-storage.js";
import { SegmentFloatRows } from "../../../src/store/segment-float-rows.js";
import type { Metric } from "../../../src/types.js";
import { embeddingLike } from "../../helpers/embeddings.js";
import { seededRandom } from "../../helpers/random.js";

describe("int8 code kernels", () => {
  it("SIMD and portable dot products of int16 queries with uint8 codes equal integer brute force", () => {
    const rand = seededRandom(11);
    for (const n of [32, 384, 1024]) {
      const limit = Math.min(32767, Math.floor(0x7fffffff / (255 * n)));
      const q = Int16Array.from({ length: n }, (_, i) => (i % 7 === 0 ? -limit : Math.round((rand() * 2 - 1) * limit)));
      const c = Uint8Array.from({ length: n }, (_, i) => (i % 5 === 0 ? 255 : Math.floor(rand() * 256)));
      let expected = 0;
      for (let i = 0; i < n; i++) expected += q[i]! * c[i]!;
      for (const kind of ["simd", "js"] as const) {
        const k = createDistanceKernel(kind);
        expect(k.kind).toBe(kind);
        k.reserve(4 * n);
        k.int16.set(q, 0);
        k.bytes.set(c, 2 * n);
        k.bytes.set(c, 3 * n);
        expect(k.dotCodes(0, 2 * n, n)).toBe(expected);
        k.words.set([2 * n, 3 * n], n);
        k.dotCodesMany(0, 4 * n, 2, n, 4 * n + 16);
        expect(Array.from(k.int32.subarray(n + 4, n + 6))).toEqual([expected, expected]);
      }
    }
  });
});

describe("ScalarQuantizer", () => {
  let rows: Float32Array[];
  let quantizer: ScalarQuantizer;
  beforeAll(() => {
    rows = embeddingLike(3, 500, 40).map((v) => Float32Array.from(v));
    quantizer = ScalarQuantizer.fit(40, rows);
  });

  it("decodes every fitted value to within half a step", () => {
    const codes = new Uint8Array(40);
    for (const row of rows) {
      quantizer.encode(row, 1, codes, 0);
      const back = quantizer.decode(codes, 0);
      for (let d = 0; d < 40; d++) expect(Math.abs(back[d]! - row[d]!)).toBeLessThanOrEqual(quantizer.step[d]! * 0.5001);
    }
  });

  it("clamps values outside the fitted range", () => {
    const codes = new Uint8Array(40);
    quantizer.encode(new Float32Array(40).fill(1e6), 1, codes, 0);
    expect(Array.from(codes)).toEqual(new Array(40).fill(255));
    quantizer.encode(new Float32Array(40).fill(-1e6), 1, codes, 0);
    expect(Array.from(codes)).toEqual(new Array(40).fill(0));
  });

  /** The integer dot of `weights` with each row's codes, scaled, equals the dot of `query` with the decoded row. */
  function expectIntegerDots(query: ArrayLike<number>, weights: Int16Array, offset: number, unit: number): void {
    const codes = new Uint8Array(64);
    for (const row of rows.slice(10, 60)) {
      quantizer.encode(row, 1, codes, 0);
      const decoded = quantizer.decode(codes, 0);
      let exact = 0;
      let magnitude = 0;
      let integer = 0;
      for (let d = 0; d < 40; d++) {
        exact += query[d]! * decoded[d]!;
        magnitude += Math.abs(query[d]! * decoded[d]!);
        integer += weights[d]! * codes[d]!;
      }
      // Only the query's rounding to int16 is lost: about 1e-5 of the terms' magnitude.
      expect(Math.abs(offset + unit * integer - exact)).toBeLessThan(1e-4 * magnitude);
    }
  }

  it("prepares a query whose integer dot with the codes gives the dot with the decoded row", () => {
    const weights = new Int16Array(64);
    const { offset, unit } = quantizer.prepareQuery(rows[7]!, 64, weights, 0);
    expectIntegerDots(rows[7]!, weights, offset, unit);
  });

  it("prepares a stored code row as a query giving the dot of the two decoded rows", () => {
    const codes = new Uint8Array(64);
    const weights = new Int16Array(64);
    quantizer.encode(rows[3]!, 1, codes, 0);
    const offset = quantizer.prepareCodeQuery(codes, 0, 64, weights, 0);
    expectIntegerDots(quantizer.decode(codes, 0), weights, offset, 1 / quantizer.codeQueryFactor);
  });
});

const K = 10;
const norm = (v: Float32Array) => Math.sqrt(v.reduce((s, x) => s + x * x, 0));

describe.each(["cosine", "dot", "l2"] as Metric[])("QuantizedVectorStore (%s)", (metric) => {
  const n = 6000;
  const dim = 64;
  const byId = (a: number, b: number) => a - b;
  let queries: number[][];
  let floats: VectorStore;
  let codes: QuantizedVectorStore;
  let accept: Uint8Array;
  beforeAll(() => {
    // Real embeddings have dimensions that never vary (all-MiniLM-L6-v2 has three); a constant must
    // not cost the other dimensions precision.
    const data = embeddingLike(21, n + 40, dim).map((v) => {
      v[5] = 0;
      v[17] = 0;
      if (metric !== "cosine") v[30] = 0.5;
      return v;
    });
    queries = data.slice(n);
    floats = new VectorStore(dim, metric);
    codes = new QuantizedVectorStore(dim, metric);
    for (let i = 0; i < n; i++) {
      // Every 50th slot has no vector, as documents without one.
      const v = i % 50 === 49 ? undefined : data[i];
      floats.add(i, v);
      codes.add(i, v);
    }
    accept = new Uint8Array(n).fill(1);
  });

  it("reports exact similarities equal to the float store's, bit for bit", () => {
    expect(codes.isQuantizing).toBe(true);
    for (const raw of queries.slice(0, 5)) {
      const qf = floats.prepare(raw);
      const qc = codes.prepare(raw);
      for (let slot = 0; slot < n; slot += 37) {
        if (!floats.has(slot)) continue;
        expect(codes.exactSimilarity(qc, slot)).toBe(floats.similarity(qf, slot));
      }
    }
    expect(Array.from(codes.vector(5)!)).toEqual(Array.from(floats.vector(5)!));
    expect(codes.vector(49)).toBeUndefined();
  });

  it("approximates similarities closely and ranks like the exact scan", () => {
    let hits = 0;
    for (const raw of queries) {
      const qf = floats.prepare(raw);
      const qc = codes.prepare(raw);
      const exact = flatSearch(floats, qf, K, accept, byId);
      const approx = flatSearch(codes, qc, K, accept, byId);
      const truth = new Set(exact.slots);
      hits += approx.slots.filter((s) => truth.has(s)).length;
      // The error is that of a dot product of unit-free codes: bounded relative to |q|·|x| (×2 for L2).
      exact.slots.forEach((slot, i) => {
        const scale = metric === "cosine" ? 1 : (metric === "l2" ? 2 : 1) * qf.norm * norm(floats.vector(slot)!);
        expect(Math.abs(codes.similarity(qc, slot) - exact.scores[i]!)).toBeLessThan(0.02 * scale);
        // Stored vectors compared with each other, as graph construction does: both sides are
        // quantized, so up to twice the error.
        const other = exact.slots[0]!;
        const between = floats.similarityBetween(other, slot);
        const scaleBetween = metric === "cosine" ? 1 : (metric === "l2" ? 2 : 1) * norm(floats.vector(other)!) * norm(floats.vector(slot)!);
        expect(Math.abs(codes.similarityBetween(other, slot) - between)).toBeLessThan(0.04 * scaleBetween);
      });
    }
    expect(hits / (K * queries.length)).toBeGreaterThanOrEqual(0.9);
  });

  it("an HNSW graph over the codes, with the ef best rescored exactly, reaches recall@10 ≥ 0.95", () => {
    const graph = new HnswIndex(codes, { M: 12, efConstruction: 100, seed: 42 });
    graph.catchUp();
    let hits = 0;
    for (const raw of queries) {
      const qf = floats.prepare(raw);
      const qc = codes.prepare(raw);
      const truth = new Set(flatSearch(floats, qf, K, accept, byId).slots);
      const found = graph.search(qc, 64, 64, accept);
      const rescored = found.slots.map((slot) => ({ slot, score: codes.exactSimilarity(qc, slot) })).sort((a, b) => b.score - a.score);
      hits += rescored.slice(0, K).filter((r) => truth.has(r.slot)).length;
    }
    expect(hits / (K * queries.length)).toBeGreaterThanOrEqual(0.95);
  });
});

describe.each(["cosine", "dot", "l2"] as Metric[])("int8 ranges over copies of one vector (%s)", (metric) => {
  it("are fitted once 1,024 distinct vectors are stored, so copies stored first do not collapse them", () => {
    // Ranges fitted over 1,024 copies were a single point: every later vector got the same codes.
    const dim = 32;
    const data = embeddingLike(43, 2100, dim);
    const floats = new VectorStore(dim, metric);
    const codes = new QuantizedVectorStore(dim, metric);
    let slot = 0;
    const add = (v: number[]) => {
      floats.add(slot, v);
      codes.add(slot++, v);
    };
    for (let i = 0; i < 1100; i++) add(data[0]!);
    for (let i = 1; i < 1023; i++) add(data[i]!);
    expect(codes.isQuantizing).toBe(false);
    add(data[1023]!);
    expect(codes.isQuantizing).toBe(true);
    for (let i = 1024; i < 2080; i++) add(data[i]!);
    const accept = new Uint8Array(slot).fill(1);
    const byId = (a: number, b: number) => a - b;
    let hits = 0;
    for (const raw of data.slice(2080)) {
      const truth = new Set(flatSearch(floats, floats.prepare(raw), K, accept, byId).slots);
      hits += flatSearch(codes, codes.prepare(raw), K, accept, byId).slots.filter((s) => truth.has(s)).length;
    }
    expect(hits / (K * 20)).toBeGreaterThanOrEqual(0.9);
  });
});

describe("exact scans over float rows read back from files", () => {
  it("read runs of rows in blocks and give what one read per vector gives, under any filter", async () => {
    const dim = 24;
    const n = 3000;
    const data = embeddingLike(41, n + 3, dim).map((v) => Float32Array.from(v));
    const dir = mkdtempSync(join(tmpdir(), "tandem-rows-"));
    try {
      // Two files, as two segments, with a header before the rows.
      const sources = await Promise.all(
        [0, 1].map(async (part) => {
          const rows = data.slice(part * 1500, (part + 1) * 1500);
          const bytes = new Uint8Array(64 + rows.length * dim * 4);
          rows.forEach((r, i) => bytes.set(new Uint8Array(r.buffer), 64 + i * dim * 4));
          writeFileSync(join(dir, `part${part}`), bytes);
          return new SegmentFloatRows(join(dir, `part${part}`), (await new NodeStorage(dir).openFile(`part${part}`))!, { denseRowsAt: 64, dimension: dim });
        }),
      );
      const store = new QuantizedVectorStore(dim, "cosine");
      for (let i = 0; i < n; i++) store.add(i, data[i], { rows: sources[i < 1500 ? 0 : 1]!, row: i % 1500 });
      const rand = seededRandom(5);
      for (const share of [1, 0.5, 0.02]) {
        const accept = Uint8Array.from({ length: n }, () => (rand() < share ? 1 : 0));
        const q = store.prepare(data[n + Math.floor(share * 2)]!);
        const scanned: [number, number][] = [];
        store.exactScan(q, accept, (slot, score) => scanned.push([slot, score]));
        const expected: [number, number][] = [];
        for (let slot = 0; slot < n; slot++) if (accept[slot] === 1) expected.push([slot, store.exactSimilarity(q, slot)]);
        expect(scanned).toEqual(expected);
      }
      store.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
