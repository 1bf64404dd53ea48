import { CorruptIndexError, NotAnIndexError, UnsupportedVersionError } from "../errors.js";
import type { HnswParams } from "../legs/dense/hnsw-index.js";
import type { DenseQuantization, Metric } from "../types.js";
import { sha256Hex } from "./checksum.js";

export const MANIFEST_FILE = "manifest.json";
export const INDEX_FORMAT = "tandem-index";
export const ATTACHMENT_NAME = /^[a-z0-9][a-z0-9-]{0,63}$/;
/** The store's own file names: the generation, zero-padded to 8 digits, names each file. */
export const ATTACHMENT_FILE = /^att-[a-z0-9-]+-(\d{8,})\.bin$/;
export const SEGMENT_FILE = /^seg-(\d{8,})\.tseg$/;
export const GRAPH_FILE = /^graph-(\d{8,})\.hnsw$/;
export const DELETIONS_FILE = /^del-(\d{8,})\.del$/;
/**
 * Bumped whenever the on-disk layout changes; older builds refuse newer indexes.
 * 2: the manifest carries its own SHA-256 (version 1 manifests are still read, unverified).
 * 3: segments are indexes (postings, forward index, columns, stored documents) with deletions
 *    files, instead of logs of commits replayed on open; indexes of versions 1 and 2 are upgraded.
 * 4: segments' sparse parts hold documents reordered into blocks with quantized block maxima, and
 *    a segment may hold its saved text index (segment version 3); segments of version 3 indexes
 *    are still read: their sparse part laid out on load, their text leg built from stored texts.
 */
export const FORMAT_VERSION = 4;
/** The last version whose segments are logs of commits (log-segment-codec.ts). */
export const LAST_LOG_FORMAT_VERSION = 2;
/** The generation in an index file's name, when it is one of the store's own files. */
export function fileGeneration(name: string): number | undefined {
  const match = SEGMENT_FILE.exec(name) ?? GRAPH_FILE.exec(name) ?? ATTACHMENT_FILE.exec(name) ?? DELETIONS_FILE.exec(name);
  return match ? Number(match[1]) : undefined;
}

export interface FileEntry {
  file: string;
  sha256: string;
  bytes: number;
}

export interface SegmentEntry {
  file: string;
  sha256: string;
  bytes: number;
  /** Documents in the segment, deleted ones included. */
  docs: number;
  /** Format versions 1–2: ids the commit deleted. */
  deletes?: number;
  /** From format version 3: the segment's current deletions file, when it has deletions. */
  deletions?: FileEntry & { count: number };
}

/** The index's table of contents: the only file rewritten in place (atomically). @internal */
export interface Manifest {
  format: typeof INDEX_FORMAT;
  formatVersion: number;
  generation: number;
  config: {
    dimension: number | null;
    metric: Metric;
    hnsw: HnswParams;
    /** "int8": dense vectors held in memory as int8 codes, floats read back from segments. Absent: float32 in memory. */
    quantization?: DenseQuantization;
  };
  segments: SegmentEntry[];
  /** The saved HNSW graph, covering the first `nodes` slots in segment order. */
  graph?: FileEntry & { nodes: number };
  /** Named files that travel with the index (e.g. a fitted encoder model), by name. */
  attachments?: Record<string, FileEntry>;
  updatedAt: string;
}

/**
 * The manifest's last member, `"sha256"`, is the SHA-256 of every byte before its line. Every
 * format version from 2 on ends this way, so damage is told apart from a newer format.
 */
const TRAILER = /\n {2}"sha256": "([0-9a-f]{64})"\n\}\n$/;

/** The manifest's text: pretty JSON whose last member checksums the bytes before it (with `sha256`, any SHA-256 implementation). */
export function serializeManifest(manifest: Manifest, sha256: (bytes: Uint8Array) => string = sha256Hex): string {
  // A manifest read back carries its old checksum; the new one is computed over the rest.
  const content: Manifest & { sha256?: string } = { ...manifest };
  delete content.sha256;
  const head = JSON.stringify(content, null, 2).slice(0, -2) + ",\n";
  return `${head}  "sha256": "${sha256(new TextEncoder().encode(head))}"\n}\n`;
}

/**
 * Parses and checks a manifest read from `path`. A manifest of format version 2 or later must
 * match its checksum; any damage, or an edit by hand, is a CorruptIndexError naming it. A
 * version 1 manifest has no checksum: it is checked for sense only (`verified` false).
 */
export function parseManifest(bytes: Uint8Array, path: string, sha256: (bytes: Uint8Array) => string = sha256Hex): { manifest: Manifest; verified: boolean } {
  const corrupt = (problem: string): never => {
    throw new CorruptIndexError(`${path}: ${problem}`);
  };
  // latin1 maps each byte to one character, so string positions are byte positions.
  const latin1 = latin1String(bytes);
  const trailer = TRAILER.exec(latin1);
  if (trailer && sha256(bytes.subarray(0, trailer.index + 1)) !== trailer[1]) {
    corrupt("checksum mismatch (the manifest is damaged or was edited by hand)");
  }
  const verified = trailer !== null;
  const looksLikeOurs = latin1.includes(`"${INDEX_FORMAT}"`) || latin1.includes('"formatVersion"');
  let raw: unknown;
  try {
    raw = JSON.parse(new TextDecoder("utf-8", { fatal: true }).decode(bytes));
  } catch {
    if (looksLikeOurs) corrupt("not valid JSON (the manifest is damaged)");
    throw new NotAnIndexError(`${path}: not a Tandem index manifest (not JSON)`);
  }
  const m = raw as (Partial<Manifest> & { sha256?: unknown }) | null;
  if (typeof m !== "object" || m === null || Array.isArray(m) || m.format !== INDEX_FORMAT) {
    if (verified) corrupt(`format is ${JSON.stringify(m?.format)}, expected "${INDEX_FORMAT}"`);
    throw new NotAnIndexError(`${path}: not a Tandem index manifest (format is ${JSON.stringify(m?.format)}, expected "${INDEX_FORMAT}")`);
  }
  if (typeof m.formatVersion !== "number" || !Number.isInteger(m.formatVersion)) corrupt("formatVersion is missing or not an integer");
  const version = m.formatVersion!;
  if (version > FORMAT_VERSION && (verified || m.sha256 === undefined)) {
    throw new UnsupportedVersionError(`${path}: index format version ${version} is newer than this build reads (${FORMAT_VERSION}); upgrade tandem-search`);
  }
  // Only a version 1 manifest has no checksum line; any other without a valid one is damaged.
  if (!verified && !(version === 1 && m.sha256 === undefined)) corrupt("its checksum line is missing or damaged");
  if (version < 1) throw new UnsupportedVersionError(`${path}: unknown index format version ${version}`);
  checkContent(m, corrupt);
  return { manifest: m as Manifest, verified };
}

/** Each byte as the character of that code (latin1), in chunks small enough for an argument list. */
function latin1String(bytes: Uint8Array): string {
  let text = "";
  for (let at = 0; at < bytes.length; at += 8192) text += String.fromCharCode(...bytes.subarray(at, at + 8192));
  return text;
}

const isCount = (n: unknown): n is number => Number.isInteger(n) && (n as number) >= 0;
const isSha256 = (s: unknown) => typeof s === "string" && /^[0-9a-f]{64}$/.test(s);

/** What a checksum cannot vouch for in a version 1 manifest: every value within its range, no file newer than the generation. */
function checkContent(m: Partial<Manifest>, corrupt: (problem: string) => never): void {
  const config = m.config;
  const hnsw = config?.hnsw;
  const okConfig =
    typeof config === "object" &&
    config !== null &&
    ["cosine", "dot", "l2"].includes(config.metric) &&
    (config.dimension === null || (Number.isInteger(config.dimension) && config.dimension > 0));
  const okHnsw =
    typeof hnsw === "object" &&
    hnsw !== null &&
    Number.isInteger(hnsw.M) &&
    hnsw.M >= 2 &&
    hnsw.M <= 100 &&
    Number.isInteger(hnsw.efConstruction) &&
    hnsw.efConstruction >= 1 &&
    Number.isInteger(hnsw.seed);
  const okQuantization = config?.quantization === undefined || ["none", "int8"].includes(config.quantization);
  if (!okConfig || !okHnsw || !okQuantization) corrupt("config is missing or invalid");
  if (!Array.isArray(m.segments) || !isCount(m.generation)) corrupt("segments or generation missing");
  const generation = m.generation;
  const files = new Set<string>();
  const checkFile = (entry: Partial<FileEntry> | undefined, pattern: RegExp, what: string) => {
    if (typeof entry !== "object" || entry === null || typeof entry.file !== "string" || !pattern.test(entry.file) || !isSha256(entry.sha256) || !isCount(entry.bytes)) {
      corrupt(`invalid ${what} entry ${JSON.stringify(entry)}`);
    }
    if (files.has(entry.file)) corrupt(`${entry.file} is named twice`);
    files.add(entry.file);
    if (fileGeneration(entry.file)! > generation) corrupt(`${entry.file} is newer than the manifest's generation ${generation}`);
  };
  const logFormat = (m.formatVersion ?? 0) <= LAST_LOG_FORMAT_VERSION;
  for (const s of m.segments) {
    checkFile(s, SEGMENT_FILE, "segment");
    const okDeletes = logFormat ? isCount(s.deletes) : s.deletes === undefined;
    if (!isCount(s.docs) || !okDeletes) corrupt(`invalid segment entry ${JSON.stringify(s)}`);
    if (s.deletions !== undefined) {
      if (logFormat) corrupt(`invalid segment entry ${JSON.stringify(s)}`);
      checkFile(s.deletions, DELETIONS_FILE, "deletions");
      if (!isCount(s.deletions.count) || s.deletions.count > s.docs) corrupt(`invalid deletions entry ${JSON.stringify(s.deletions)}`);
    }
  }
  if (m.graph !== undefined) {
    checkFile(m.graph, GRAPH_FILE, "graph");
    if (!isCount(m.graph.nodes)) corrupt(`invalid graph entry ${JSON.stringify(m.graph)}`);
  }
  if (m.attachments !== undefined && (typeof m.attachments !== "object" || m.attachments === null)) corrupt("invalid attachments");
  for (const [name, entry] of Object.entries(m.attachments ?? {})) {
    checkFile(entry, ATTACHMENT_FILE, `attachment "${name}"`);
    if (!ATTACHMENT_NAME.test(name) || !entry.file.startsWith(`att-${name}-`)) corrupt(`invalid attachment entry "${name}"`);
  }
}
