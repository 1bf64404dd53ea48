import { readFileSync, writeFileSync } from "node:fs";
import { Worker } from "node:worker_threads";
import wabtInit from "wabt";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { createDistanceKernel } from "../../../src/legs/dense/distance-kernel.js";
import { PRIVATE_MEMORY_WAT, SHARED_MEMORY_WAT, SIMD_KERNEL_BASE64, SIMD_KERNEL_SHARED_BASE64 } from "../../../src/legs/dense/simd-kernel-binary.js";
import { VectorStore } from "../../../src/legs/dense/vector-store.js";
import { seededRandom } from "../../helpers/random.js";

describe("distance kernels", () => {
  it("the shipped WebAssembly is simd-kernel.wat compiled, with its memory private and shared", async () => {
    const wabt = await wabtInit();
    const wat = readFileSync("src/legs/dense/simd-kernel.wat", "utf8");
    expect(wat).toContain(PRIVATE_MEMORY_WAT);
    const compile = (text: string) => Buffer.from(wabt.parseWat("simd-kernel.wat", text, { simd: true, threads: true }).toBinary({}).buffer).toString("base64");
    const compiled = compile(wat);
    const shared = compile(wat.replace(PRIVATE_MEMORY_WAT, SHARED_MEMORY_WAT));
    if (process.env.UPDATE_SIMD_KERNEL === "1") {
      const path = "src/legs/dense/simd-kernel-binary.ts";
      const source = readFileSync(path, "utf8")
        .replace(/SIMD_KERNEL_BASE64 =\s*"[A-Za-z0-9+/=]*";/, `SIMD_KERNEL_BASE64 =\n  "${compiled}";`)
        .replace(/SIMD_KERNEL_SHARED_BASE64 =\s*"[A-Za-z0-9+/=]*";/, `SIMD_KERNEL_SHARED_BASE64 =\n  "${shared}";`);
      writeFileSync(path, source);
    }
    expect(compiled).toBe(SIMD_KERNEL_BASE64);
    expect(shared).toBe(SIMD_KERNEL_SHARED_BASE64);
  });

  it("a kernel over shared memory computes what a private one does, and a kernel in another thread attached to it reads the same rows, grown or not", async () => {
    const dim = 384;
    const rows = 600;
    const rand = seededRandom(11);
    const shared = createDistanceKernel("simd", { shared: true });
    const own = createDistanceKernel("simd");
    expect(shared.sharedMemory).toBeDefined();
    expect(own.sharedMemory).toBeUndefined();
    const data = Float32Array.from({ length: rows * dim }, () => rand() * 2 - 1);
    for (const k of [shared, own]) {
      k.reserve(rows * dim);
      k.floats.set(data);
    }
    const expected = Array.from({ length: rows - 1 }, (_, r) => own.dot(0, (r + 1) * dim, dim));
    expect(Array.from({ length: rows - 1 }, (_, r) => shared.dot(0, (r + 1) * dim, dim))).toEqual(expected);
    // Another thread instantiates the shared binary over the same memory, as a build worker would.
    const worker = new Worker(
      `const { parentPort, workerData } = require("node:worker_threads");
       const bytes = Buffer.from(workerData.base64, "base64");
       const instance = new WebAssembly.Instance(new WebAssembly.Module(bytes), { env: { memory: workerData.memory } });
       const out = [];
       for (let r = 1; r < workerData.rows; r++) out.push(instance.exports.dot(0, r * workerData.dim * 4, workerData.dim));
       parentPort.postMessage(out);`,
      { eval: true, workerData: { memory: shared.sharedMemory, base64: SIMD_KERNEL_SHARED_BASE64, rows, dim } },
    );
    const fromWorker = await new Promise<number[]>((resolve, reject) => {
      worker.once("message", resolve);
      worker.once("error", reject);
    });
    await worker.terminate();
    expect(fromWorker).toEqual(expected);
    // Attached in this thread too, after growing: the rows written before are there.
    shared.reserve(rows * dim * 8);
    const attached = createDistanceKernel("simd", { shared: shared.sharedMemory! });
    expect(attached.dot(0, 5 * dim, dim)).toBe(expected[4]);
  });

  it("SIMD and portable kernels agree with float64 brute force", () => {
    const simd = createDistanceKernel("simd");
    const js = createDistanceKernel("js");
    expect(simd.kind).toBe("simd");
    const rand = seededRandom(3);
    for (const dim of [8, 16, 384]) {
      for (const k of [simd, js]) k.reserve(4 * dim);
      const a = Float64Array.from({ length: dim }, () => rand() * 2 - 1);
      const b = Float64Array.from({ length: dim }, () => rand() * 2 - 1);
      for (const k of [simd, js]) {
        k.floats.set(a, 0);
        k.floats.set(b, dim);
      }
      let dot = 0;
      let l2 = 0;
      for (let i = 0; i < dim; i++) {
        const x = Math.fround(a[i]!);
        const y = Math.fround(b[i]!);
        dot += x * y;
        l2 += (x - y) ** 2;
      }
      for (const k of [simd, js]) {
        expect(k.dot(0, dim, dim)).toBeCloseTo(dot, 4);
        expect(k.squaredL2(0, dim, dim)).toBeCloseTo(l2, 4);
      }
    }
  });

  it("batched similarities are the single-row ones bit for bit, either way round, whatever the batch size and dimension", () => {
    // The graph scores neighbours in batches and the exact scan one row at a time: a batch that
    // summed in another order would rank ties and near-ties differently from the scan.
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 9 }), fc.integer({ min: 1, max: 70 }), fc.integer({ min: 0, max: 1000 }), (count, dim, seed) => {
        const rand = seededRandom(seed);
        const rows = 12;
        for (const metric of ["cosine", "dot", "l2"] as const) {
          const store = new VectorStore(dim, metric);
          for (let r = 0; r < rows; r++) store.add(r, Array.from({ length: dim }, () => rand() * 2 - 1));
          const q = store.prepare(Array.from({ length: dim }, () => rand() * 2 - 1));
          const slots = Uint32Array.from({ length: count }, () => Math.floor(rand() * rows));
          const out = new Float64Array(count);
          store.similarities(q, slots, count, out);
          expect(Array.from(out)).toEqual(Array.from(slots, (s) => store.similarity(q, s)));
          store.similarities(store.asQuery(0), slots, count, out);
          expect(Array.from(out)).toEqual(Array.from(slots, (s) => store.similarityBetween(0, s)));
          // The graph's neighbour selection scores kept neighbours against a candidate in batches.
          expect(store.symmetric).toBe(true);
          store.similaritiesFrom(1, slots, count, out);
          expect(Array.from(out)).toEqual(Array.from(slots, (s) => store.similarityBetween(1, s)));
          expect(Array.from(out)).toEqual(Array.from(slots, (s) => store.similarityBetween(s, 1)));
        }
      }),
      { seed: 21, numRuns: 60 },
    );
  });

  it("a store keeps its vectors when its memory grows", () => {
    const store = new VectorStore(5, "dot");
    const rows = Array.from({ length: 5000 }, (_, i) => [i, 1, 2, 3, -i]);
    rows.forEach((r, i) => store.add(i, r));
    expect(Array.from(store.vector(0)!)).toEqual([0, 1, 2, 3, -0]);
    expect(Array.from(store.vector(4999)!)).toEqual([4999, 1, 2, 3, -4999]);
    const q = store.prepare([1, 0, 0, 0, 1]);
    expect(store.similarity(q, 1234)).toBe(0);
    expect(store.similarity(store.prepare([0, 1, 1, 1, 0]), 77)).toBe(6);
  });
});
