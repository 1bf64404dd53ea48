import { existsSync, readFileSync } from "node:fs";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { TransformersDenseEncoder, TransformersSparseEncoder } from "../../plugins/encoders/index.js";
import { expectSameTopK, referenceDense, referenceLeg, referenceSparse } from "../helpers/brute-force.js";
import { tandem } from "../helpers/cli.js";

const MODELS = resolve(".cache/models");
const DENSE = join(MODELS, "all-MiniLM-L6-v2");
const SPLADE = join(MODELS, "splade-tiny");
const ready = existsSync(join(DENSE, "onnx", "model.onnx")) && existsSync(join(SPLADE, "onnx", "model.onnx"));
if (!ready && process.env.CI) throw new Error(`CLI encoders: no models in ${MODELS} (npm run models)`);
const run = ready ? describe : describe.skip;

const read = (file: string) => readFileSync(join("fixtures/scifact", file), "utf8").trim().split("\n").map((l) => JSON.parse(l) as { _id: string; title: string; text: string });

run("tandem index/search --encode-dense and --encode-sparse with model directories", () => {
  let work: string;
  let docs: { id: string; text: string }[];
  let queries: { id: string; text: string }[];
  beforeAll(async () => {
    // Short texts keep the SPLADE head (a vocabulary-wide product per token) quick.
    docs = read("corpus.jsonl").slice(0, 40).map((d) => ({ id: d._id, text: `${d.title} ${d.text}`.slice(0, 300) }));
    queries = read("queries.jsonl").slice(0, 6).map((q) => ({ id: q._id, text: q.text }));
    work = await mkdtemp(join(tmpdir(), "tandem-cli-enc-"));
    await writeFile(join(work, "docs.jsonl"), docs.map((d) => JSON.stringify(d)).join("\n") + "\n");
    await writeFile(join(work, "queries.jsonl"), queries.map((q) => JSON.stringify(q)).join("\n") + "\n");
  });
  afterAll(async () => rm(work, { recursive: true, force: true }));

  it("text in, vectors from the models, answers equal brute force over the same encoders' vectors", async () => {
    const indexed = tandem(["index", "docs.jsonl", "--index", "idx", "--encode-dense", DENSE, "--encode-sparse", SPLADE], work);
    expect(indexed.stderr).toBe("");
    expect(JSON.parse(indexed.stdout)).toMatchObject({ upserted: 40, dimension: 384 });

    const dense = await TransformersDenseEncoder.load(DENSE);
    const sparse = await TransformersSparseEncoder.load(SPLADE);
    const docDense = await dense.encodeDocuments(docs.map((d) => d.text));
    const docSparse = await sparse.encodeDocuments(docs.map((d) => d.text));
    const live = new Map(docs.map((d, i) => [d.id, { id: d.id, dense: docDense[i], sparse: docSparse[i] }]));
    const qDense = await dense.encodeQueries(queries.map((q) => q.text));
    const qSparse = await sparse.encodeQueries(queries.map((q) => q.text));

    for (const leg of ["dense", "sparse"] as const) {
      const r = tandem(["search", "--index", "idx", "--queries", "queries.jsonl", "--legs", leg, "--exact", "--k", "5", "--encode-dense", DENSE, "--encode-sparse", SPLADE], work);
      expect(r.stderr).toBe("");
      r.stdout.trim().split("\n").map((l) => JSON.parse(l)).forEach((line, i) => {
        const score = leg === "dense" ? (d: { dense?: Float32Array }) => referenceDense("cosine", Array.from(qDense[i]!), d.dense) : (d: { sparse?: Record<string, number> }) => referenceSparse(qSparse[i]!, d.sparse);
        expectSameTopK(line.hits, referenceLeg(live, score as never, undefined), 5);
      });
    }
    await dense.dispose();
    await sparse.dispose();
  });

  it("a value that is neither bm25 nor a model directory: exit 2 naming the option", () => {
    const r = tandem(["index", "docs.jsonl", "--index", "idx2", "--encode-dense", "no-such-model"], work);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/--encode-dense: expected a model directory .* got "no-such-model"/);
    const s = tandem(["search", "--index", "idx2", "--queries", "queries.jsonl", "--encode-sparse", "splade"], work);
    expect(s.code).toBe(2);
    expect(s.stderr).toMatch(/--encode-sparse: expected "bm25" or a model directory/);
  });
});
