import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { Bm25Encoder } from "../../../plugins/encoders/index.js";
import { HybridIndex, InvalidInputError } from "../../../src/index.js";

// Fault kind: keys that are Object.prototype names. The BM25 encoder kept terms in plain objects:
// "__proto__" vanished from document vectors, and a term such as "constructor" missing from the
// fitted corpus read Object.prototype.constructor as its document frequency (idf NaN: dropped).

const idf = (n: number, df: number) => Math.log(1 + (n - df + 0.5) / (df + 0.5));

describe("BM25 with terms that are Object.prototype names", () => {
  const texts = ["__proto__ constructor alpha", "alpha beta", "toString valueOf"];

  it("weights every term, serializes every term and restores every term", () => {
    const enc = Bm25Encoder.fit(texts, { k1: 0, b: 0 });
    // k1 = 0: a document weight is the term's idf.
    const doc = enc.encodeDocumentSync("__proto__ constructor alpha");
    expect(Object.keys(doc).sort()).toEqual(["__proto__", "alpha", "constructor"]);
    expect(doc["__proto__"]).toBeCloseTo(idf(3, 1), 12);
    expect(doc.constructor).toBeCloseTo(idf(3, 1), 12);
    expect(Object.keys(enc.model.documentFrequency).sort()).toEqual(["__proto__", "alpha", "beta", "constructor", "tostr", "valueof"]);

    const restored = Bm25Encoder.fromModel(JSON.parse(JSON.stringify(enc.model)));
    expect(restored.encodeDocumentSync("__proto__ constructor alpha")).toEqual(doc);
    expect(restored.model.documentFrequency).toEqual(enc.model.documentFrequency);
  });

  it("gives a term the fitted corpus never saw (e.g. constructor) the idf of df 0, not NaN", () => {
    const enc = Bm25Encoder.fit(["alpha beta", "alpha"], { k1: 0, b: 0 });
    expect(enc.idf("constructor")).toBeCloseTo(idf(2, 0), 12);
    expect(enc.idf("__proto__")).toBeCloseTo(idf(2, 0), 12);
    expect(Object.keys(enc.encodeDocumentSync("constructor __proto__ alpha")).sort()).toEqual(["__proto__", "alpha", "constructor"]);
    expect(enc.encodeQuerySync("__proto__ __proto__ constructor")).toEqual(JSON.parse(`{"__proto__":2,"constructor":1}`));
  });

  it("indexes and finds a document by such a term, every term counted in the vocabulary", async () => {
    const dir = await mkdtemp(join(tmpdir(), "tandem-bm25-proto-"));
    try {
      const enc = Bm25Encoder.fit(texts);
      const index = await HybridIndex.open(dir);
      await index.upsert(await Promise.all(texts.map(async (text, i) => ({ id: `d${i}`, text, sparse: enc.encodeDocumentSync(text) }))));
      expect((await index.stats()).vocabulary).toBe(6);
      const hits = (await index.search({ sparse: enc.encodeQuerySync("__proto__") })).hits;
      expect(hits.map((h) => h.id)).toEqual(["d0"]);
      await index.close();
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it("refuses a damaged model with a typed error instead of weighting with NaN", () => {
    const model = Bm25Encoder.fit(texts).model;
    expect(() => Bm25Encoder.fromModel({ ...model, documentFrequency: { alpha: "two" } } as never)).toThrow(InvalidInputError);
    expect(() => Bm25Encoder.fromModel({ ...model, k1: Number.NaN })).toThrow(/k1 must be a finite number/);
    expect(() => Bm25Encoder.fromModel(null as never)).toThrow(InvalidInputError);
  });
});
