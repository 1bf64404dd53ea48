import { createHash } from "node:crypto";
import { existsSync } from "node:fs";
import { readdir, readFile, writeFile } from "node:fs/promises";
import { join, resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { TransformersDenseEncoder } from "../../plugins/encoders/index.js";
import { useTempDirs } from "../helpers/temp-dirs.js";
import { BenchDenseVectors } from "./bench-dense-vectors.js";

const MODEL = resolve(".cache/models/all-MiniLM-L6-v2");
const modelReady = existsSync(join(MODEL, "onnx", "model.onnx"));
const tempDir = useTempDirs("tandem-bench-vectors-");

const records = [
  { id: "a", text: "vitamin d and bone fractures" },
  { id: "b", text: "genes linked to breast cancer" },
];

/** The cache file a collection's JSONL file maps to, built by hand: name, SHA-256 prefix, little-endian float32 rows. */
async function cacheFileFor(cacheDir: string, collection: string, file: string, rows: number[][]): Promise<string> {
  const hash = createHash("sha256").update(await readFile(file)).digest("hex").slice(0, 16);
  const bytes = Buffer.alloc(4 * rows.length * rows[0]!.length);
  rows.flat().forEach((x, i) => bytes.writeFloatLE(x, 4 * i));
  const path = join(cacheDir, `${collection}-${hash}.f32`);
  await writeFile(path, bytes);
  return path;
}

describe("dense vectors of a benchmark collection", () => {
  it("reads cached vectors of an unchanged file without a model, and re-encodes once the file changed", async () => {
    const dir = await tempDir();
    const file = join(dir, "corpus.jsonl");
    await writeFile(file, records.map((r) => JSON.stringify({ _id: r.id, text: r.text })).join("\n"));
    await cacheFileFor(dir, "tiny", file, [[0.5, -1.25, 3], [1e-3, 2, -0.75]]);
    const vectors = await BenchDenseVectors.open("tiny", dir, dir, join(dir, "no-model"));
    const got = await vectors.documents(file, records);
    expect([...got.keys()]).toEqual(["a", "b"]);
    expect([...got.get("a")!]).toEqual([0.5, -1.25, 3]);
    expect([...got.get("b")!]).toEqual([Math.fround(1e-3), 2, -0.75]);

    await writeFile(file, `${JSON.stringify({ _id: "a", text: "changed" })}\n`);
    await expect(vectors.documents(file, records.slice(0, 1))).rejects.toThrow(`no ONNX model at ${join(dir, "no-model")} to encode tiny's documents`);
  });

  it("does not read a cache file whose size does not fit the records", async () => {
    const dir = await tempDir();
    const file = join(dir, "queries.jsonl");
    await writeFile(file, "{}");
    await writeFile(join(dir, `tiny-${createHash("sha256").update("{}").digest("hex").slice(0, 16)}.f32`), Buffer.alloc(12));
    const vectors = await BenchDenseVectors.open("tiny", dir, dir, join(dir, "no-model"));
    // 12 bytes are three floats: not a whole number of vectors for two queries.
    await expect(vectors.queries(file, "test", records)).rejects.toThrow("no ONNX model");
  });

  it("uses the vectors a collection ships for its corpus and each split's queries, without a model", async () => {
    const vectors = await BenchDenseVectors.open("scifact", "fixtures/scifact", await tempDir(), "no-model");
    expect((await vectors.documents("fixtures/scifact/corpus.jsonl", [])).size).toBe(5183);
    expect((await vectors.queries("fixtures/scifact/queries.jsonl", "test", [])).size).toBe(300);
    expect((await vectors.queries("fixtures/scifact/extra/queries-train.jsonl", "train", [])).size).toBe(809);
  });

  (modelReady ? it : it.skip)("encodes with the model once, writes the cache, and a second run reads the same vectors back", async () => {
    const dir = await tempDir();
    const file = join(dir, "corpus.jsonl");
    await writeFile(file, records.map((r) => JSON.stringify({ _id: r.id, text: r.text })).join("\n"));
    const first = await BenchDenseVectors.open("tiny", dir, join(dir, "cache"), MODEL);
    const encoded = await first.documents(file, records);
    await first.close();
    expect(await readdir(join(dir, "cache"))).toHaveLength(1);

    const encoder = await TransformersDenseEncoder.load(MODEL);
    const direct = await encoder.encodeDocuments(records.map((r) => r.text));
    await encoder.dispose();
    expect([...encoded.get("a")!]).toEqual([...direct[0]!]);

    const second = await BenchDenseVectors.open("tiny", dir, join(dir, "cache"), join(dir, "no-model"));
    const cached = await second.documents(file, records);
    expect([...cached.get("a")!]).toEqual([...direct[0]!]);
    expect([...cached.get("b")!]).toEqual([...direct[1]!]);
  });
});
