import { readFileSync, writeFileSync } from "node:fs";
import wabtInit from "wabt";
import { describe, expect, it } from "vitest";
import { createDistanceKernel } from "../../../src/legs/dense/distance-kernel.js";
import { SIMD_KERNEL_BASE64 } from "../../../src/legs/dense/simd-kernel-binary.js";
import { VectorStore } from "../../../src/legs/dense/vector-store.js";
import { seededRandom } from "../../helpers/random.js";

describe("distance kernels", () => {
  it("the shipped WebAssembly is simd-kernel.wat compiled", async () => {
    const wabt = await wabtInit();
    const module = wabt.parseWat("simd-kernel.wat", readFileSync("src/legs/dense/simd-kernel.wat", "utf8"), { simd: true });
    const compiled = Buffer.from(module.toBinary({}).buffer).toString("base64");
    if (process.env.UPDATE_SIMD_KERNEL === "1") {
      const path = "src/legs/dense/simd-kernel-binary.ts";
      writeFileSync(path, readFileSync(path, "utf8").replace(/"[A-Za-z0-9+/=]+";/, `"${compiled}";`));
    }
    expect(compiled).toBe(SIMD_KERNEL_BASE64);
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
