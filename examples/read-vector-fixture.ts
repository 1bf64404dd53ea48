import { createHash } from "node:crypto";
import { readFile } from "node:fs/promises";
import { gunzipSync } from "node:zlib";
import { dirname, join } from "node:path";
import type { SparseVector } from "tandem-search";

/**
 * Readers for the vectors stored beside the SciFact fixtures (fixtures/scifact/vectors), for the
 * demo and the tests. A damaged fixture is a plain Error naming the file: it is not an index.
 */

const sha256Hex = (bytes: Uint8Array) => createHash("sha256").update(bytes).digest("hex");

/** Vectors a fixture script stored: id → vector, per set (corpus, queries, …). */
export interface VectorFixture {
  model: string;
  dimension: number;
  sets: Record<string, Map<string, Float32Array>>;
}

interface FixtureManifest {
  model: string;
  dimension: number;
  files: Record<string, { file: string; ids: string; count: number; sha256: string }>;
}

/** IEEE 754 half precision → number. */
function halfToNumber(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const exponent = (h >> 10) & 0x1f;
  const fraction = h & 0x3ff;
  if (exponent === 0) return sign * 2 ** -14 * (fraction / 1024);
  if (exponent === 31) return fraction ? NaN : sign * Infinity;
  return sign * 2 ** (exponent - 15) * (1 + fraction / 1024);
}

/** Reads a vector fixture described by a JSON manifest (see fixtures/scifact/vectors/minilm.json). */
export async function readVectorFixture(manifestPath: string): Promise<VectorFixture> {
  const manifest = JSON.parse(await readFile(manifestPath, "utf8")) as FixtureManifest;
  const dir = dirname(manifestPath);
  const sets: VectorFixture["sets"] = Object.create(null) as VectorFixture["sets"];
  for (const [name, entry] of Object.entries(manifest.files)) {
    const bytes = await readFile(join(dir, entry.file));
    if (sha256Hex(bytes) !== entry.sha256) throw new Error(`${join(dir, entry.file)}: checksum mismatch with ${manifestPath}`);
    const ids = JSON.parse(await readFile(join(dir, entry.ids), "utf8")) as string[];
    if (bytes.length !== ids.length * manifest.dimension * 2) {
      throw new Error(`${join(dir, entry.file)}: ${bytes.length} bytes do not hold ${ids.length} float16 vectors of ${manifest.dimension}`);
    }
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    const vectors = new Map<string, Float32Array>();
    ids.forEach((id, row) => {
      const v = new Float32Array(manifest.dimension);
      for (let d = 0; d < manifest.dimension; d++) v[d] = halfToNumber(view.getUint16(2 * (row * manifest.dimension + d), true));
      vectors.set(id, v);
    });
    sets[name] = vectors;
  }
  return { model: manifest.model, dimension: manifest.dimension, sets };
}

/** Sparse vectors a fixture script stored as gzip JSONL (`{"id","sparse"}` per line), per set. */
export interface SparseFixture {
  model: string;
  sets: Record<string, Map<string, SparseVector>>;
}

export async function readSparseFixture(manifestPath: string): Promise<SparseFixture> {
  const manifest = JSON.parse(await readFile(manifestPath, "utf8")) as { model: string; files: Record<string, { file: string; sha256: string }> };
  const dir = dirname(manifestPath);
  const sets: SparseFixture["sets"] = Object.create(null) as SparseFixture["sets"];
  for (const [name, entry] of Object.entries(manifest.files)) {
    const path = join(dir, entry.file);
    const bytes = await readFile(path);
    if (sha256Hex(bytes) !== entry.sha256) throw new Error(`${path}: checksum mismatch with ${manifestPath}`);
    const vectors = new Map<string, SparseVector>();
    gunzipSync(bytes)
      .toString("utf8")
      .split("\n")
      .forEach((line, i) => {
        if (line.trim() === "") return;
        try {
          const { id, sparse } = JSON.parse(line) as { id: string; sparse: SparseVector };
          vectors.set(id, sparse);
        } catch {
          throw new Error(`${path}:${i + 1}: malformed JSON`);
        }
      });
    sets[name] = vectors;
  }
  return { model: manifest.model, sets };
}
