import { CorruptIndexError, NotAnIndexError, UnsupportedVersionError } from "../errors.js";
import type { HnswParams } from "../dense/hnsw-index.js";
import type { DenseQuantization, Metric } from "../types.js";

export const MANIFEST_FILE = "manifest.json";
export const INDEX_FORMAT = "tandem-index";
export const ATTACHMENT_NAME = /^[a-z0-9][a-z0-9-]{0,63}$/;
export const ATTACHMENT_FILE = /^att-[a-z0-9-]+-\d+\.bin$/;
/** Bumped whenever the on-disk layout changes; older builds refuse newer indexes. */
export const FORMAT_VERSION = 1;

export interface FileEntry {
  file: string;
  sha256: string;
  bytes: number;
}

export interface SegmentEntry {
  file: string;
  sha256: string;
  bytes: number;
  docs: number;
  deletes: number;
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

/** Parses and checks a manifest read from `path`. */
export function parseManifest(text: string, path: string): Manifest {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    throw new NotAnIndexError(`${path}: not a Tandem index manifest (not JSON)`);
  }
  const m = raw as Partial<Manifest> | null;
  if (typeof m !== "object" || m === null || m.format !== INDEX_FORMAT) {
    throw new NotAnIndexError(`${path}: not a Tandem index manifest (format is ${JSON.stringify(m?.format)}, expected "${INDEX_FORMAT}")`);
  }
  if (typeof m.formatVersion !== "number" || !Number.isInteger(m.formatVersion)) {
    throw new CorruptIndexError(`${path}: formatVersion is missing or not an integer`);
  }
  if (m.formatVersion > FORMAT_VERSION) {
    throw new UnsupportedVersionError(
      `${path}: index format version ${m.formatVersion} is newer than this build reads (${FORMAT_VERSION}); upgrade tandem-search`,
    );
  }
  if (m.formatVersion < 1) throw new UnsupportedVersionError(`${path}: unknown index format version ${m.formatVersion}`);
  const okConfig =
    typeof m.config === "object" &&
    m.config !== null &&
    ["cosine", "dot", "l2"].includes(m.config.metric) &&
    (m.config.dimension === null || (Number.isInteger(m.config.dimension) && m.config.dimension > 0));
  const hnsw = m.config?.hnsw;
  const okHnsw = typeof hnsw === "object" && hnsw !== null && [hnsw.M, hnsw.efConstruction, hnsw.seed].every(Number.isInteger);
  const okQuantization = m.config?.quantization === undefined || ["none", "int8"].includes(m.config.quantization);
  if (!okConfig || !okHnsw || !okQuantization) throw new CorruptIndexError(`${path}: config is missing or invalid`);
  if (m.graph !== undefined && (typeof m.graph?.file !== "string" || !/^graph-\d+\.hnsw$/.test(m.graph.file) || !Number.isInteger(m.graph.nodes))) {
    throw new CorruptIndexError(`${path}: invalid graph entry ${JSON.stringify(m.graph)}`);
  }
  for (const [name, entry] of Object.entries(m.attachments ?? {})) {
    if (!ATTACHMENT_NAME.test(name) || typeof entry?.file !== "string" || !ATTACHMENT_FILE.test(entry.file)) {
      throw new CorruptIndexError(`${path}: invalid attachment entry "${name}"`);
    }
  }
  if (!Array.isArray(m.segments) || !Number.isInteger(m.generation)) throw new CorruptIndexError(`${path}: segments or generation missing`);
  for (const s of m.segments) {
    if (typeof s?.file !== "string" || !/^seg-\d+\.tseg$/.test(s.file) || typeof s.sha256 !== "string") {
      throw new CorruptIndexError(`${path}: invalid segment entry ${JSON.stringify(s)}`);
    }
  }
  return m as Manifest;
}
