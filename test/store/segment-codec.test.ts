import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { Segment } from "../../src/engine/segment.js";
import { SparseSegment } from "../../src/legs/sparse/sparse-segment.js";
import { sparseRecord, validateDocuments, type ValidDocument } from "../../src/engine/validate-document.js";
import { CorruptIndexError, type Document } from "../../src/index.js";
import { buildSegment } from "../../src/store/segment-builder.js";
import { decodeSegment, encodeSegment, type SegmentData } from "../../src/store/segment-codec.js";
import { mergeSegments } from "../../src/store/segment-merge.js";

const DIMENSION = 3;
/** Ids and tokens from a small alphabet with astral and combining characters and U+FEFF (which a default UTF-8 decoder drops when first), so orders and UTF-8 runs are exercised. */
const text = fc.string({ unit: fc.constantFrom("a", "b", "Z", "é", "e\u0301", "😀", "\u{10FFFF}", "\u00ff", " ", "\uFEFF"), maxLength: 5 });
const scalar = fc.oneof(fc.constantFrom("x", "y", "é", "😀"), fc.integer({ min: -3, max: 3 }), fc.constant(-0), fc.double({ min: -10, max: 10, noNaN: true }), fc.boolean());
const documentArb: fc.Arbitrary<Document> = fc.record(
  {
    text,
    sparse: fc.dictionary(text.filter((t) => t.length > 0), fc.oneof(fc.constant(0), fc.float({ min: Math.fround(1e-3), max: 4, noNaN: true })), { maxKeys: 6 }),
    dense: fc.array(fc.float({ min: -1, max: 1, noNaN: true }), { minLength: DIMENSION, maxLength: DIMENSION }),
    fields: fc.dictionary(fc.constantFrom("f", "g", "__proto__", "constructor"), fc.oneof(scalar, fc.array(fc.constantFrom("x", "y"), { maxLength: 3 }), fc.array(fc.integer({ min: 0, max: 3 }), { maxLength: 3 })), { maxKeys: 3 }),
  },
  { requiredKeys: [] },
).chain((d) => text.filter((id) => id.length > 0).map((id) => ({ ...d, id })));

/** Validated documents with unique ids (the last of each id kept), as one commit holds them. */
const batch = fc.array(documentArb, { maxLength: 25 }).map((docs) => {
  const byId = new Map(docs.map((d) => [d.id, d]));
  // The dense metric is "dot" so zero vectors are valid.
  return validateDocuments([...byId.values()], (i) => `docs[${i}]`, DIMENSION, "dot");
});

/** Each document as the segment gives it back. */
function readBack(data: SegmentData): Document[] {
  const segment = new Segment("test", data, 0);
  const sparse = new SparseSegment(data.sparse);
  const { dimension, denseRowOf, denseRows } = data.dense;
  return Array.from({ length: data.docCount }, (_, doc) => {
    const out: Document = { id: segment.id(doc) };
    const t = segment.text(doc);
    if (t !== undefined) out.text = t;
    const vector = sparse.vector(doc);
    if (vector) out.sparse = vector;
    const row = denseRowOf[doc]!;
    if (row >= 0) out.dense = denseRows.slice(row * dimension, (row + 1) * dimension);
    const fields = segment.fields(doc);
    if (fields) out.fields = fields;
    return out;
  });
}

/** A document as the index gives it back: sparse as a record, -0 in fields as 0 (JSON). */
function stored(doc: ValidDocument): Document {
  const out: Document = { id: doc.id };
  if (doc.text !== undefined) out.text = doc.text;
  if (doc.sparse) out.sparse = sparseRecord(doc.sparse);
  if (doc.dense) out.dense = doc.dense;
  if (doc.fields !== undefined) out.fields = JSON.parse(JSON.stringify(doc.fields)) as ValidDocument["fields"];
  return out;
}

describe("segment codec", () => {
  it("round-trips any batch: every document reads back as stored, and the file decodes to the arrays it was built from", () => {
    fc.assert(
      fc.property(batch, (docs) => {
        const data = buildSegment(docs);
        const { bytes } = encodeSegment(data);
        const decoded = decodeSegment(bytes, "seg");
        expect(readBack(decoded)).toEqual(docs.map(stored));
        const { denseRowsAt, dimension, ...arrays } = decoded;
        expect(dimension).toBe(data.dense.dimension);
        expect(denseRowsAt).toBeGreaterThan(0);
        expect(arrays).toEqual(data);
        // A copy of the bytes at an odd offset decodes too (the views are laid over an aligned copy).
        const shifted = new Uint8Array(bytes.length + 1).subarray(1);
        shifted.set(bytes);
        expect(readBack(decodeSegment(shifted, "seg"))).toEqual(docs.map(stored));
      }),
      { numRuns: 300, seed: 11 },
    );
  });

  it("merging segments with any documents dropped writes exactly the segment built from the kept documents", () => {
    const inputs = fc.array(fc.tuple(batch, fc.array(fc.boolean(), { minLength: 25, maxLength: 25 })), { minLength: 1, maxLength: 4 });
    fc.assert(
      fc.property(inputs, (parts) => {
        const merged = mergeSegments(parts.map(([docs, keep]) => ({ data: buildSegment(docs), keep: Uint8Array.from(keep.slice(0, docs.length), Number) })));
        // Ids may repeat across inputs (a replaced document and its replacement): allowed in a merge.
        const kept = parts.flatMap(([docs, keep]) => docs.filter((_, i) => keep[i]));
        const reference = buildSegment(kept);
        expect(Buffer.from(encodeSegment(merged).bytes).equals(Buffer.from(encodeSegment(reference).bytes))).toBe(true);
      }),
      { numRuns: 200, seed: 12 },
    );
  });

  it("refuses a damaged structure with a CorruptIndexError naming the file", () => {
    const data = buildSegment(validateDocuments([{ id: "a", sparse: { x: 1 } }, { id: "b", sparse: { y: 1 } }], (i) => `docs[${i}]`, null, "dot"));
    const bytes = encodeSegment({ ...data, stored: { ...data.stored, idStarts: Uint32Array.from([0, 5, 2]) } }).bytes;
    expect(() => decodeSegment(bytes, "idx/seg-00000001.tseg")).toThrow(CorruptIndexError);
    expect(() => decodeSegment(bytes, "idx/seg-00000001.tseg")).toThrow(/^idx\/seg-00000001\.tseg: id offsets/);
    expect(() => decodeSegment(encodeSegment(data).bytes.subarray(0, 40), "s")).toThrow(/^s: segment (header|is shorter)/);
    expect(() => decodeSegment(new TextEncoder().encode("TANDHNSW\x01\0\0\0\0\0\0\0"), "s")).toThrow(/^s: not a Tandem segment/);
  });
});

