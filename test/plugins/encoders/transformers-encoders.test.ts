import { existsSync, readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { TransformersDenseEncoder, TransformersSparseEncoder } from "../../../plugins/encoders/index.js";
import { readSparseFixture, readVectorFixture } from "../../../examples/read-vector-fixture.js";
import { cosine } from "../../../examples/cosine.js";
import { EncoderError } from "../../../src/index.js";

// The transformers.js encoders against reference outputs of the same weights: the SciFact vectors
// in fixtures/scifact/vectors, computed by a NumPy forward pass that reproduces the models'
// published figures (MiniLM: MTEB SciFact nDCG@10 0.645). The ONNX models come from
// `npm run models` (scripts/models), which the test run builds when they are missing.
const MODELS = resolve(".cache/models");
const ready = ["all-MiniLM-L6-v2", "splade-tiny"].every((m) => existsSync(join(MODELS, m, "onnx", "model.onnx")));
if (!ready && process.env.CI) throw new Error(`transformers encoders: no models in ${MODELS} (npm run models)`);
const run = ready ? describe : describe.skip;

const read = (file: string) => readFileSync(join("fixtures/scifact", file), "utf8").trim().split("\n").map((l) => JSON.parse(l) as { _id: string; title?: string; text: string });
const documentText = (d: { title?: string; text: string }) => `${d.title ?? ""} ${d.text}`.trim();

run("transformers.js encoders on local ONNX models", () => {
  let dense: TransformersDenseEncoder;
  let sparse: TransformersSparseEncoder;
  let corpus: ReturnType<typeof read>;
  let queries: ReturnType<typeof read>;
  beforeAll(async () => {
    corpus = read("corpus.jsonl").slice(0, 24);
    queries = read("queries.jsonl").slice(0, 24);
    dense = await TransformersDenseEncoder.load(join(MODELS, "all-MiniLM-L6-v2"));
    sparse = await TransformersSparseEncoder.load(join(MODELS, "splade-tiny"), { minWeight: 0.01 });
  });
  afterAll(async () => {
    await dense?.dispose();
    await sparse?.dispose();
  });

  it("all-MiniLM-L6-v2: cosine ≥ 0.999 with the reference vectors, documents and queries", async () => {
    const reference = await readVectorFixture("fixtures/scifact/vectors/minilm.json");
    expect(dense.dimension).toBe(384);
    const docs = await dense.encodeDocuments(corpus.map(documentText));
    const qs = await dense.encodeQueries(queries.map((q) => q.text));
    let worst = 1;
    docs.forEach((v, i) => (worst = Math.min(worst, cosine(v, reference.sets.corpus!.get(corpus[i]!._id)!))));
    qs.forEach((v, i) => (worst = Math.min(worst, cosine(v, reference.sets.queries!.get(queries[i]!._id)!))));
    expect(worst).toBeGreaterThanOrEqual(0.999);
    for (const v of docs) expect(Math.hypot(...v)).toBeCloseTo(1, 5);
  });

  it("splade-tiny: the same tokens as the reference, weights within 1e-3", async () => {
    const reference = await readSparseFixture("fixtures/scifact/vectors/splade.json");
    const docs = await sparse.encodeDocuments(corpus.slice(0, 12).map(documentText));
    const qs = await sparse.encodeQueries(queries.slice(0, 12).map((q) => q.text));
    const pairs = [
      ...docs.map((v, i) => [v, reference.sets.corpus!.get(corpus[i]!._id)!] as const),
      ...qs.map((v, i) => [v, reference.sets.queries!.get(queries[i]!._id)!] as const),
    ];
    for (const [actual, expected] of pairs) {
      // Every token within 1e-3 of the reference; one missing on a side may only sit at the 0.01 cut.
      for (const token of new Set([...Object.keys(actual), ...Object.keys(expected)])) {
        const a = actual[token];
        const e = expected[token];
        if (a !== undefined && e !== undefined) expect(Math.abs(a - e), token).toBeLessThanOrEqual(1e-3);
        else expect(a ?? e!, `${token} only on one side`).toBeLessThan(0.011);
      }
      const top = (v: Record<string, number>) => Object.entries(v).sort((a, b) => b[1] - a[1]).slice(0, 10).map(([t]) => t);
      expect(top(actual)).toEqual(top(expected));
    }
  });

  it("topK keeps the largest weights; a directory without a model is refused by name", async () => {
    const [full] = await sparse.encodeQueries([queries[0]!.text]);
    const limited = await TransformersSparseEncoder.load(join(MODELS, "splade-tiny"), { topK: 5 });
    const [five] = await limited.encodeQueries([queries[0]!.text]);
    await limited.dispose();
    const fifth = Object.values(full!).sort((a, b) => b - a)[4]!;
    expect(Object.keys(five!)).toHaveLength(5);
    for (const [token, w] of Object.entries(five!)) {
      expect(w).toBe(full![token]);
      expect(w).toBeGreaterThanOrEqual(fifth);
    }
    await expect(TransformersDenseEncoder.load("fixtures/scifact")).rejects.toThrow(EncoderError);
  });
});
