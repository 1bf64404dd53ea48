import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { validateDocuments, type ValidDocument } from "../../src/engine/validate-document.js";
import type { Document, Metric } from "../../src/index.js";
import { sha256Hex } from "../../src/store/checksum.js";
import { encodeLogSegment } from "../../src/store/log-segment-codec.js";
import { serializeManifest, type Manifest } from "../../src/store/manifest.js";

/**
 * Writes an index as builds of format versions 1 and 2 did: one log segment per commit (its
 * documents and the ids it deletes), replayed on open, and a manifest without (version 1) or with
 * (version 2) its checksum line. What a user upgrading from such a build has on disk.
 */
export async function writeLogFormatIndex(
  dir: string,
  commits: { docs?: Document[]; deletes?: string[] }[],
  options: { version: 1 | 2; metric?: Metric; dimension?: number | null },
): Promise<Manifest> {
  const metric = options.metric ?? "cosine";
  let dimension = options.dimension ?? null;
  const segments: Manifest["segments"] = [];
  for (const [i, commit] of commits.entries()) {
    const docs: ValidDocument[] = validateDocuments(commit.docs ?? [], (j) => `commit ${i} docs[${j}]`, dimension, metric);
    dimension = dimension ?? docs.find((d) => d.dense)?.dense?.length ?? null;
    const { bytes } = encodeLogSegment({ docs, deletes: commit.deletes ?? [] });
    const file = `seg-${String(i + 1).padStart(8, "0")}.tseg`;
    await writeFile(join(dir, file), bytes);
    segments.push({ file, sha256: sha256Hex(bytes), bytes: bytes.length, docs: docs.length, deletes: (commit.deletes ?? []).length });
  }
  const manifest: Manifest = {
    format: "tandem-index",
    formatVersion: options.version,
    generation: commits.length,
    config: { dimension, metric, hnsw: { M: 16, efConstruction: 200, seed: 42 } },
    segments,
    updatedAt: new Date(0).toISOString(),
  };
  const text = options.version === 1 ? JSON.stringify(manifest, null, 2) : serializeManifest(manifest);
  await writeFile(join(dir, "manifest.json"), text);
  return manifest;
}
