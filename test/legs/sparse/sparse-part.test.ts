import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { validateDocuments } from "../../../src/engine/validate-document.js";
import { BLOCK_SHIFT, buildSparsePart, MAX_LEVEL, mergeSparseParts, pairPosting, type SparsePart } from "../../../src/legs/sparse/sparse-part.js";
import { SparseSegment } from "../../../src/legs/sparse/sparse-segment.js";
import { buildSegment } from "../../../src/store/segment-builder.js";
import { decodeSegment, encodeSegment } from "../../../src/store/segment-codec.js";
import { mergeSegments } from "../../../src/store/segment-merge.js";
import type { SparseVector } from "../../../src/types.js";

const TOKENS = Array.from({ length: 30 }, (_, i) => `t${i}`);
const token = fc.integer({ min: 0, max: 999 }).map((r) => TOKENS[Math.floor(TOKENS.length * (r / 1000) ** 2)]!);
const weight = fc.oneof(fc.integer({ min: 1, max: 12 }).map((q) => q / 4), fc.float({ min: Math.fround(1e-3), max: 3, noNaN: true }));
/** Up to 300 documents: several blocks of 32, some documents without a sparse vector. */
const docs = fc.array(fc.option(fc.dictionary(token, weight, { maxKeys: 10 }), { nil: undefined, freq: 6 }), { maxLength: 300 }).map((vectors) =>
  validateDocuments(
    vectors.map((sparse, i) => ({ id: `d${String(i).padStart(4, "0")}`, ...(sparse && Object.keys(sparse).length > 0 ? { sparse } : { text: "none" }) })),
    (i) => `docs[${i}]`,
    null,
    "dot",
  ),
);

/** Every array of a part, by name, for comparing bytes. */
const arrays = (part: SparsePart) => Object.fromEntries(Object.entries(part).map(([k, v]) => [k, ArrayBuffer.isView(v) ? Array.from(v as Uint8Array) : v]));

describe("sparse part layout (blocks of reordered documents)", () => {
  it("round-trips through the segment file, reads every document back, and bounds every block from above, tightly", () => {
    fc.assert(
      fc.property(docs, (batch) => {
        const data = buildSegment(batch);
        const decoded = decodeSegment(encodeSegment(data).bytes, "test.tseg");
        expect(arrays(decoded.sparse)).toEqual(arrays(data.sparse));
        const part = decoded.sparse;
        const segment = new SparseSegment(part);
        // docOrder is a permutation.
        expect([...part.docOrder].sort((a, b) => a - b)).toEqual(batch.map((_, i) => i));
        batch.forEach((doc, i) => {
          const expected: SparseVector | undefined = doc.sparse && Object.fromEntries(doc.sparse.tokens.map((t, j) => [t, doc.sparse!.weights[j]!]));
          expect(segment.vector(i)).toEqual(expected);
        });
        for (let t = 0; t < part.tokens.length; t++) {
          const max = part.termMaxWeights[t]!;
          for (let j = part.termBlockStarts[t]!; j < part.termBlockStarts[t + 1]!; j++) {
            let blockMax = 0;
            const p0 = pairPosting(part, j);
            for (let p = p0; p < p0 + part.blockCounts[j]!; p++) blockMax = Math.max(blockMax, part.postingWeights[p]!);
            const q = part.blockMaxima[j]!;
            expect((max * q) / MAX_LEVEL).toBeGreaterThanOrEqual(blockMax);
            if (q > 1) expect((max * (q - 1)) / MAX_LEVEL).toBeLessThan(blockMax);
            if (j > part.termBlockStarts[t]!) expect(part.blockIds[j]!).toBeGreaterThan(part.blockIds[j - 1]!);
            expect(part.blockIds[j]!).toBeLessThan(Math.ceil(batch.length / (1 << BLOCK_SHIFT)));
          }
        }
      }),
      { numRuns: 150, seed: 41 },
    );
  });

  it("a term's dense row of block maxima holds the level of its (term, block) pair in each block it occurs in and 0 in every other", () => {
    fc.assert(
      fc.property(docs, (batch) => {
        const part = buildSegment(batch).sparse;
        const segment = new SparseSegment(part);
        for (let t = 0; t < part.tokens.length; t++) {
          const row = segment.blockMaxRow(t);
          expect(row.length).toBe(segment.blockCount);
          const expected = new Array<number>(segment.blockCount).fill(0);
          for (let j = part.termBlockStarts[t]!; j < part.termBlockStarts[t + 1]!; j++) expected[part.blockIds[j]!] = part.blockMaxima[j]!;
          expect(Array.from(row)).toEqual(expected);
          expect(segment.blockMaxRow(t)).toBe(row);
        }
      }),
      { numRuns: 60, seed: 44 },
    );
  });

  it("a merge with any documents dropped equals the build of the kept documents, byte for byte", () => {
    fc.assert(
      fc.property(fc.array(docs, { minLength: 1, maxLength: 3 }), fc.integer({ min: 0, max: 2 ** 31 - 1 }), (batches, seed) => {
        const inputs = batches.map((b, s) => ({ data: buildSegment(b), keep: Uint8Array.from(b, (_, i) => ((Math.imul(i + 1 + s * 1000, 2654435761) ^ seed) >>> 5) % 4 === 0 ? 0 : 1) }));
        const kept = batches.flatMap((b, s) => b.filter((_, i) => inputs[s]!.keep[i] === 1));
        const merged = mergeSegments(inputs);
        expect(arrays(merged.sparse)).toEqual(arrays(buildSparsePart(kept.map((d) => d.sparse))));
        expect(encodeSegment(merged).bytes).toEqual(encodeSegment(buildSegment(kept)).bytes);
        // The part-level merge agrees with the segment-level one.
        const newNumber = inputs.map(({ keep }, s) => {
          let before = inputs.slice(0, s).reduce((n, x) => n + x.keep.reduce((a, b) => a + b, 0), 0);
          return Int32Array.from(keep, (k) => (k === 1 ? before++ : -1));
        });
        expect(arrays(mergeSparseParts(inputs.map((x) => x.data.sparse), newNumber, kept.length))).toEqual(arrays(merged.sparse));
      }),
      { numRuns: 60, seed: 42 },
    );
  });
});
