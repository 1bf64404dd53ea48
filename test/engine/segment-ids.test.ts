import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { Segment } from "../../src/engine/segment.js";
import { validateDocuments } from "../../src/engine/validate-document.js";
import { buildSegment } from "../../src/store/segment-builder.js";

describe("ids read back from a segment", () => {
  it("equal the ids stored, ASCII or not, short or long, with a leading U+FEFF", () => {
    const id = fc.oneof(
      fc.string({ unit: "binary-ascii", minLength: 1, maxLength: 80 }),
      fc.string({ unit: "grapheme", minLength: 1, maxLength: 40 }),
      fc.string({ unit: "binary-ascii", minLength: 1, maxLength: 10 }).map((s) => `\uFEFF${s}`),
      fc.string({ unit: "binary-ascii", minLength: 60, maxLength: 70 }).map((s) => `${s}é`),
    );
    fc.assert(
      fc.property(fc.uniqueArray(id, { minLength: 1, maxLength: 30 }), (ids) => {
        const valid = validateDocuments(ids.map((i) => ({ id: i, sparse: { a: 1 } })), (i) => `docs[${i}]`, null, "cosine");
        const data = buildSegment(valid);
        const segment = new Segment("s", data, 0);
        const read = Array.from({ length: data.docCount }, (_, doc) => segment.id(doc));
        expect(read.sort()).toEqual(valid.map((d) => d.id).sort());
      }),
      { seed: 20261129, numRuns: 200 },
    );
  });
});
