import { readFileSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { Bm25Encoder, createEnglishAnalyzer } from "../../../plugins/encoders/index.js";
import { luceneQuantizedLength } from "../../../plugins/encoders/bm25/lucene-length.js";
import { evaluateRun, HybridIndex, parseQrels } from "../../../src/index.js";

describe("English analysis", () => {
  it("splits words, removes possessives and stop words, lower-cases and Porter-stems", () => {
    const analyze = createEnglishAnalyzer();
    expect(analyze("The patient's fractures were healing, e.g. in 1,000 cases of COVID-19.")).toEqual([
      "patient", "fractur", "were", "heal", "e.g", "1,000", "case", "covid", "19",
    ]);
    expect(analyze("Generalizations and oscillators")).toEqual(["gener", "oscil"]);
  });
});

describe("Lucene length quantization", () => {
  it("is exact below 24 and keeps 4 significant bits above", () => {
    expect(luceneQuantizedLength(23)).toBe(23);
    expect(luceneQuantizedLength(200)).toBe(200);
    expect(luceneQuantizedLength(210)).toBe(200); // 186 → 176 with 4 significant bits
    expect(luceneQuantizedLength(24 + 17)).toBe(24 + 16);
  });
});

describe("BM25 as sparse vectors", () => {
  const texts = ["bone bone fracture", "bone density", "protein folding protein protein"];

  it("weights documents with BM25 and queries by term count (hand-computed)", async () => {
    const enc = Bm25Encoder.fit(texts, { k1: 1.2, b: 0.75 });
    // Lengths after analysis: 3, 2, 4 → average 3. N = 3; df(bone) = 2, df(fractur) = 1.
    const idfBone = Math.log(1 + (3 - 2 + 0.5) / (2 + 0.5));
    const idfFracture = Math.log(1 + (3 - 1 + 0.5) / (1 + 0.5));
    const norm = 1.2 * (1 - 0.75 + (0.75 * 3) / 3);
    const [doc] = await enc.encodeDocuments([texts[0]!]);
    expect(doc!.bone).toBeCloseTo((idfBone * 2) / (2 + norm), 12);
    expect(doc!.fractur).toBeCloseTo((idfFracture * 1) / (1 + norm), 12);
    expect(await enc.encodeQueries(["Bone fractures of the bone"])).toEqual([{ bone: 2, fractur: 1 }]);
  });

  it("round-trips its model through JSON", () => {
    const enc = Bm25Encoder.fit(texts);
    const copy = Bm25Encoder.fromModel(JSON.parse(JSON.stringify(enc.model)));
    expect(copy.encodeDocumentSync("bone fracture protein")).toEqual(enc.encodeDocumentSync("bone fracture protein"));
  });

  it("reproduces Anserini's published SciFact BM25 figures (flat index: nDCG@10 0.6789, recall@100 0.9253)", async () => {
    const dir = "fixtures/scifact";
    const corpus = readFileSync(join(dir, "corpus.jsonl"), "utf8").trim().split("\n").map((l) => JSON.parse(l));
    const queries = readFileSync(join(dir, "queries.jsonl"), "utf8").trim().split("\n").map((l) => JSON.parse(l));
    const qrels = parseQrels(readFileSync(join(dir, "qrels", "test.tsv"), "utf8"), "test.tsv");
    const docTexts = corpus.map((d) => `${d.title} ${d.text}`);
    const enc = Bm25Encoder.fit(docTexts);
    const vectors = await enc.encodeDocuments(docTexts);
    const path = await mkdtemp(join(tmpdir(), "tandem-bm25-"));
    const index = await HybridIndex.open(path);
    await index.upsert(corpus.map((d, i) => ({ id: d._id, sparse: vectors[i] })));
    const run = new Map<string, string[]>();
    for (const q of queries) run.set(q._id, (await index.search({ sparse: enc.encodeQuerySync(q.text), k: 100 })).hits.map((h) => h.id));
    await index.close();
    await rm(path, { recursive: true, force: true });
    const summary = evaluateRun(run, qrels);
    expect(summary.queries).toBe(300);
    // Equal to four decimals up to ties broken in another order (0.67883 here).
    expect(Math.abs(summary["ndcg@10"] - 0.6789)).toBeLessThanOrEqual(0.0002);
    expect(Math.abs(summary["recall@100"] - 0.9253)).toBeLessThanOrEqual(0.00005);
  });
});

describe("BM25 fitted from texts one at a time", () => {
  it("learns the document frequencies and average length counted directly from the analyzed texts", () => {
    const words = ["bone", "bones", "fracture", "the", "density", "protein", "folding", "cell", "cells", "of"];
    const analyze = createEnglishAnalyzer();
    fc.assert(
      fc.property(fc.array(fc.array(fc.constantFrom(...words), { maxLength: 12 }).map((w) => w.join(" ")), { maxLength: 30 }), (texts) => {
        const fitting = Bm25Encoder.fitter();
        for (const text of texts) fitting.add(text);
        const model = fitting.finish().model;
        const df = new Map<string, number>();
        let length = 0;
        for (const text of texts) {
          const terms = analyze(text);
          length += terms.length;
          for (const term of new Set(terms)) df.set(term, (df.get(term) ?? 0) + 1);
        }
        expect(model.documents).toBe(texts.length);
        expect(model.averageLength).toBeCloseTo(texts.length === 0 ? 0 : length / texts.length, 12);
        expect(model.documentFrequency).toEqual(Object.fromEntries(df));
        expect(Bm25Encoder.fit(texts).model).toEqual(model);
      }),
      { seed: 20240611, numRuns: 200 },
    );
  });
});
