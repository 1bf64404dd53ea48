import { createHash } from "node:crypto";
import { createReadStream, existsSync } from "node:fs";
import { mkdir, readFile, rename, rm, writeFile } from "node:fs/promises";
import { join, relative } from "node:path";
import { TransformersDenseEncoder } from "../../plugins/encoders/index.js";
import { readVectorFixture, type VectorFixture } from "../../examples/read-vector-fixture.js";
import { startProgress } from "../../src/cli/progress.js";
import type { TextRecord } from "./beir-collection.js";

/** Vectors a BEIR folder ships beside its files, as fixtures/scifact/vectors does. */
const FIXTURE_MANIFEST = join("vectors", "minilm.json");
/** Texts per encoder call: the bar moves between calls. */
const CHUNK = 32;
/** Hex digits of a file's SHA-256 kept in its cache name: enough to tell versions of a file apart. */
const HASH_DIGITS = 16;

async function sha256OfFile(file: string): Promise<string> {
  const hash = createHash("sha256");
  for await (const chunk of createReadStream(file)) hash.update(chunk as Buffer);
  return hash.digest("hex");
}

/** Row-major little-endian float32, `rows` rows; the width follows from the size. */
function decodeRows(bytes: Uint8Array, rows: number): Float32Array[] | undefined {
  if (rows === 0 || bytes.length === 0 || bytes.length % (4 * rows) !== 0) return undefined;
  const width = bytes.length / (4 * rows);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  return Array.from({ length: rows }, (_, r) => {
    const v = new Float32Array(width);
    for (let d = 0; d < width; d++) v[d] = view.getFloat32(4 * (r * width + d), true);
    return v;
  });
}

function encodeRows(vectors: readonly Float32Array[]): Uint8Array {
  const width = vectors[0]?.length ?? 0;
  const bytes = new Uint8Array(4 * width * vectors.length);
  const view = new DataView(bytes.buffer);
  vectors.forEach((v, r) => {
    for (let d = 0; d < width; d++) view.setFloat32(4 * (r * width + d), v[d]!, true);
  });
  return bytes;
}

/**
 * all-MiniLM-L6-v2 vectors of a collection's documents and queries: the ones a folder ships
 * (fixtures/scifact/vectors) when it has the set asked for, else encoded by the ONNX model of
 * `npm run models` — once: the vectors of a JSONL file are kept in
 * `<cache>/<collection>-<first 16 hex digits of the file's SHA-256>.f32` (row per record, in file
 * order) and read back while the file is unchanged.
 */
export class BenchDenseVectors {
  private encoder: TransformersDenseEncoder | undefined;

  private constructor(
    private readonly collection: string,
    private readonly fixture: VectorFixture | undefined,
    private readonly cacheDir: string,
    private readonly modelDir: string,
  ) {}

  static async open(collection: string, folder: string, cacheDir: string, modelDir: string): Promise<BenchDenseVectors> {
    const manifest = join(folder, FIXTURE_MANIFEST);
    return new BenchDenseVectors(collection, existsSync(manifest) ? await readVectorFixture(manifest) : undefined, cacheDir, modelDir);
  }

  /** id → vector for every document of `file`. */
  documents(file: string, records: readonly TextRecord[]): Promise<Map<string, Float32Array>> {
    return this.vectors("corpus", file, records, "documents");
  }

  /** id → vector for the queries of `file`; a split other than test has its own fixture set. */
  queries(file: string, split: string, records: readonly TextRecord[]): Promise<Map<string, Float32Array>> {
    return this.vectors(split === "test" ? "queries" : `queries-${split}`, file, records, "queries");
  }

  /** Where the vectors of a set come from, for the report. */
  source(set: "corpus" | "queries", split: string): string {
    const name = set === "corpus" ? "corpus" : split === "test" ? "queries" : `queries-${split}`;
    const shown = (path: string) => relative(process.cwd(), path) || ".";
    return this.fixture?.sets[name] ? `stored with the collection (${FIXTURE_MANIFEST})` : `encoded by ${shown(this.modelDir)}, cached in ${shown(this.cacheDir)}`;
  }

  async close(): Promise<void> {
    await this.encoder?.dispose();
    this.encoder = undefined;
  }

  private async vectors(set: string, file: string, records: readonly TextRecord[], role: "documents" | "queries"): Promise<Map<string, Float32Array>> {
    const stored = this.fixture?.sets[set];
    if (stored) return stored;
    const rows = await this.cachedOrEncoded(file, records, role);
    return new Map(records.map((r, i) => [r.id, rows[i]!]));
  }

  private async cachedOrEncoded(file: string, records: readonly TextRecord[], role: "documents" | "queries"): Promise<Float32Array[]> {
    const path = join(this.cacheDir, `${this.collection}-${(await sha256OfFile(file)).slice(0, HASH_DIGITS)}.f32`);
    if (existsSync(path)) {
      const rows = decodeRows(await readFile(path), records.length);
      if (rows) return rows;
    }
    const rows = await this.encode(records.map((r) => r.text), role);
    await mkdir(this.cacheDir, { recursive: true });
    // Written aside and renamed, so an interrupted run never leaves a short file under the real name.
    const temporary = `${path}.tmp-${process.pid}`;
    try {
      await writeFile(temporary, encodeRows(rows));
      await rename(temporary, path);
    } finally {
      await rm(temporary, { force: true });
    }
    return rows;
  }

  private async encode(texts: string[], role: "documents" | "queries"): Promise<Float32Array[]> {
    if (!existsSync(join(this.modelDir, "onnx", "model.onnx"))) {
      throw new Error(`no ONNX model at ${this.modelDir} to encode ${this.collection}'s ${role} (npm run models builds it)`);
    }
    this.encoder ??= await TransformersDenseEncoder.load(this.modelDir);
    const progress = startProgress(`encoding ${this.collection} ${role}`, texts.length, role, { quiet: false });
    try {
      const out: Float32Array[] = [];
      for (let start = 0; start < texts.length; start += CHUNK) {
        const chunk = texts.slice(start, start + CHUNK);
        out.push(...(await (role === "documents" ? this.encoder.encodeDocuments(chunk) : this.encoder.encodeQueries(chunk))));
        progress.advance(chunk.length);
      }
      return out;
    } finally {
      progress.stop();
    }
  }
}
