import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { validateDocuments } from "../../src/engine/validate-document.js";
import { COLUMN_SECTIONS } from "../../src/filter/column-part.js";
import type { Document, Metric } from "../../src/index.js";
import { DENSE_SECTIONS } from "../../src/legs/dense/dense-part.js";
import { SPARSE_SECTIONS_V2, type SparsePartV2 } from "../../src/legs/sparse/sparse-part.js";
import { allocateBinaryFile, pad4 } from "../../src/store/binary-file.js";
import { sha256Hex } from "../../src/store/checksum.js";
import { encodeDeletions } from "../../src/store/deletions-codec.js";
import { serializeManifest, type Manifest } from "../../src/store/manifest.js";
import { buildSegment } from "../../src/store/segment-builder.js";
import { STORED_SECTIONS } from "../../src/store/stored-part.js";
import type { SectionList } from "../../src/typed-arrays.js";

/**
 * Writes an index as builds of format version 3 did: segment files of version 2, whose sparse
 * part is plain postings per term (documents ascending, exact weights, per-term maxima, per-document
 * term counts), a deletions file per segment with deletions. `segments[i]` are segment i's
 * documents, `deleted[i]` the local numbers deleted in it. What a user upgrading from such a build
 * has on disk.
 */
export async function writeFormat3Index(dir: string, segments: Document[][], deleted: number[][], metric: Metric = "dot"): Promise<Manifest> {
  const entries: Manifest["segments"] = [];
  let generation = 0;
  for (const [s, docs] of segments.entries()) {
    const valid = validateDocuments(docs, (j) => `segment ${s} docs[${j}]`, null, metric);
    const data = buildSegment(valid);
    const sparse = postings(valid.map((d) => d.sparse));
    const parts: [Record<string, ArrayBufferView>, SectionList<string>][] = [
      [data.stored as unknown as Record<string, ArrayBufferView>, STORED_SECTIONS],
      [data.columns as unknown as Record<string, ArrayBufferView>, COLUMN_SECTIONS],
      [sparse as unknown as Record<string, ArrayBufferView>, SPARSE_SECTIONS_V2],
      [data.dense as unknown as Record<string, ArrayBufferView>, DENSE_SECTIONS],
    ];
    const arrays = parts.flatMap(([part, sections]) => sections.map(([name]) => part[name]!));
    const header = { docCount: data.docCount, tokens: sparse.tokens, columns: data.columns.columns, dimension: data.dense.dimension, lengths: arrays.map((a) => (a as Uint8Array).length) };
    const sizes = arrays.map((a) => pad4(a.byteLength));
    const { bytes, bodyAt } = allocateBinaryFile("TANDSEG\0", 2, header, sizes.reduce((a, b) => a + b, 0));
    let at = bodyAt;
    arrays.forEach((a, i) => {
      bytes.set(new Uint8Array(a.buffer, a.byteOffset, a.byteLength), at);
      at += sizes[i]!;
    });
    const file = `seg-${String(++generation).padStart(8, "0")}.tseg`;
    await writeFile(join(dir, file), bytes);
    const entry: Manifest["segments"][number] = { file, sha256: sha256Hex(bytes), bytes: bytes.length, docs: data.docCount };
    const gone = deleted[s] ?? [];
    if (gone.length > 0) {
      const del = encodeDeletions(Uint32Array.from(gone).sort(), file, data.docCount);
      const delFile = `del-${String(++generation).padStart(8, "0")}.del`;
      await writeFile(join(dir, delFile), del);
      entry.deletions = { file: delFile, sha256: sha256Hex(del), bytes: del.length, count: gone.length };
    }
    entries.push(entry);
  }
  const manifest: Manifest = {
    format: "tandem-index",
    formatVersion: 3,
    generation,
    config: { dimension: null, metric, hnsw: { M: 16, efConstruction: 200, seed: 42 } },
    segments: entries,
    updatedAt: new Date(0).toISOString(),
  };
  await writeFile(join(dir, "manifest.json"), serializeManifest(manifest));
  return manifest;
}

/** The version 2 sparse part of documents' vectors: tokens sorted, postings in document order. */
function postings(vectors: readonly ({ tokens: string[]; weights: Float32Array } | undefined)[]): SparsePartV2 {
  const tokens = [...new Set(vectors.flatMap((v) => v?.tokens ?? []))].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  const termOf = new Map(tokens.map((t, i) => [t, i]));
  const lists = tokens.map((): [number, number][] => []);
  vectors.forEach((v, doc) => v?.tokens.forEach((t, j) => lists[termOf.get(t)!]!.push([doc, v.weights[j]!])));
  const postingStarts = new Uint32Array(tokens.length + 1);
  lists.forEach((l, t) => (postingStarts[t + 1] = postingStarts[t]! + l.length));
  const flat = lists.flat();
  return {
    tokens,
    postingStarts,
    postingDocs: Uint32Array.from(flat, (p) => p[0]),
    postingWeights: Float32Array.from(flat, (p) => p[1]),
    termMaxWeights: Float32Array.from(lists, (l) => Math.max(0, ...l.map((p) => p[1]))),
    termCounts: Uint32Array.from(vectors, (v) => v?.tokens.length ?? 0),
  };
}
