import { type ColumnPart, checkColumnPart, COLUMN_SECTIONS } from "../filter/column-part.js";
import { type DensePart, checkDensePart, DENSE_SECTIONS } from "../legs/dense/dense-part.js";
import { type SparsePart, type SparsePartV2, checkSparsePart, checkSparsePartV2, SPARSE_SECTIONS, SPARSE_SECTIONS_V2, upgradeSparsePart } from "../legs/sparse/sparse-part.js";
import type { SavedTextPart } from "../legs/text/saved-text-part.js";
import { CorruptIndexError } from "../errors.js";
import type { SectionKind, SectionList } from "../typed-arrays.js";
import { allocateBinaryFile, openBinaryFile, pad4 } from "./binary-file.js";
import { checkStoredPart, type StoredPart, STORED_SECTIONS } from "./stored-part.js";

export type { ColumnValues } from "../filter/column-part.js";

/**
 * A segment: an immutable index over the documents of one commit or merge, all of it typed arrays
 * over the file's bytes, so opening builds no object per document. Documents are numbered
 * 0…docCount−1 in the order written ("local" numbers); a document's slot in the engine is the
 * segment's base plus its local number. Each part has its own layout, owned by the code that
 * reads it: stored documents (stored-part.ts), filter columns (filter/column-part.ts), the sparse
 * leg (legs/sparse/sparse-part.ts) and the dense leg (legs/dense/dense-part.ts).
 * @internal
 */
export interface SegmentData {
  docCount: number;
  stored: StoredPart;
  columns: ColumnPart;
  sparse: SparsePart;
  dense: DensePart;
  /**
   * The text leg's index of the segment's documents as its plugin saved it (keys are local
   * numbers), absent when the writer had no text index that saves, or in segments of version 2.
   */
  text?: SavedTextPart;
}

/** Where a segment file's dense rows start (byte offset), so single rows can be read back. @internal */
export interface DenseRowsLayout {
  denseRowsAt: number;
  dimension: number;
}

const MAGIC = "TANDSEG\0";
/**
 * Version 1 was the log format (log-segment-codec.ts); 2 held the sparse leg as plain postings
 * (still read: its sparse part is laid out anew on load, its text leg built from the stored
 * texts). This is version 3: the sparse part has documents reordered into blocks with block
 * maxima (sparse-part.ts), and after the dense rows may come the saved text index (its format and
 * size in the header).
 */
export const SEGMENT_VERSION = 3;
const SPARSE_POSTINGS_VERSION = 2;

type PartName = "stored" | "columns" | "sparse" | "dense";
/** Body sections in file order, each from its part; the dense rows last. */
const sectionsWith = (sparse: SectionList<string>): readonly (readonly [PartName, string, SectionKind])[] => [
  ...STORED_SECTIONS.map(([name, kind]) => ["stored", name, kind] as const),
  ...COLUMN_SECTIONS.map(([name, kind]) => ["columns", name, kind] as const),
  ...sparse.map(([name, kind]) => ["sparse", name, kind] as const),
  ...(DENSE_SECTIONS as SectionList<string>).map(([name, kind]) => ["dense", name, kind] as const),
];
const SECTIONS = sectionsWith(SPARSE_SECTIONS);
const SECTIONS_V2 = sectionsWith(SPARSE_SECTIONS_V2);
const CONSTRUCTORS = { u8: Uint8Array, u32: Uint32Array, i32: Int32Array, f32: Float32Array } as const;

interface SegmentHeader {
  docCount: number;
  tokens: string[];
  columns: ColumnPart["columns"];
  dimension: number;
  /** Element count of each body section, in SECTIONS order. */
  lengths: number[];
  /** The saved text index after the sections (version 3). */
  text?: { format: string; bytes: number };
}

const section = (data: SegmentData, part: PartName, name: string) => (data[part] as unknown as Record<string, Uint8Array | Uint32Array | Int32Array | Float32Array>)[name]!;

/** The file's bytes, and where its dense rows start. */
export function encodeSegment(data: SegmentData): { bytes: Uint8Array } & DenseRowsLayout {
  const arrays = SECTIONS.map(([part, name]) => section(data, part, name));
  const header: SegmentHeader = {
    docCount: data.docCount,
    tokens: data.sparse.tokens,
    columns: data.columns.columns,
    dimension: data.dense.dimension,
    lengths: arrays.map((a) => a.length),
    ...(data.text ? { text: { format: data.text.format, bytes: data.text.bytes.length } } : {}),
  };
  const sizes = arrays.map((a) => pad4(a.byteLength));
  const textSize = data.text ? pad4(data.text.bytes.length) : 0;
  const { bytes, bodyAt } = allocateBinaryFile(MAGIC, SEGMENT_VERSION, header, sizes.reduce((a, b) => a + b, 0) + textSize);
  let at = bodyAt;
  let denseRowsAt = 0;
  arrays.forEach((a, i) => {
    if (SECTIONS[i]![1] === "denseRows") denseRowsAt = at;
    bytes.set(new Uint8Array(a.buffer, a.byteOffset, a.byteLength), at);
    at += sizes[i]!;
  });
  if (data.text) bytes.set(data.text.bytes, at);
  return { bytes, denseRowsAt, dimension: data.dense.dimension };
}

/**
 * Lays typed-array views over a segment file's bytes (no copy when they fill their own buffer, as
 * a file read gives) and checks that each part's structure holds together, so a damaged file that
 * passed its checksum (or a foreign one) is refused with a CorruptIndexError naming `file`.
 */
export function decodeSegment(bytes: Uint8Array, file: string): SegmentData & DenseRowsLayout {
  const corrupt = (problem: string): never => {
    throw new CorruptIndexError(`${file}: ${problem}`);
  };
  const { header, buffer, bodyAt, version } = openBinaryFile<SegmentHeader>(bytes, MAGIC, [SEGMENT_VERSION, SPARSE_POSTINGS_VERSION], file, "segment");
  const sections = version === SEGMENT_VERSION ? SECTIONS : SECTIONS_V2;
  const { docCount, lengths } = header;
  if (!Number.isInteger(docCount) || docCount < 0 || !Array.isArray(lengths) || lengths.length !== sections.length || !lengths.every((n) => Number.isInteger(n) && n >= 0)) {
    corrupt("segment header is invalid");
  }
  const parts: Record<PartName, Record<string, unknown>> = { stored: {}, columns: { columns: header.columns }, sparse: { tokens: header.tokens }, dense: { dimension: header.dimension } };
  let at = bodyAt;
  let denseRowsAt = 0;
  sections.forEach(([part, name, kind], i) => {
    const Ctor = CONSTRUCTORS[kind];
    const length = lengths[i]!;
    if (at + length * Ctor.BYTES_PER_ELEMENT > buffer.byteLength) corrupt("segment is shorter than its header says");
    if (name === "denseRows") denseRowsAt = at;
    parts[part][name] = new Ctor(buffer, at, length);
    at += pad4(length * Ctor.BYTES_PER_ELEMENT);
  });
  const textHeader = version >= 3 ? header.text : undefined;
  let text: SavedTextPart | undefined;
  if (textHeader !== undefined) {
    if (typeof textHeader !== "object" || textHeader === null || typeof textHeader.format !== "string" || !Number.isInteger(textHeader.bytes) || textHeader.bytes < 0) {
      corrupt("segment header's text index entry is invalid");
    }
    if (at + textHeader.bytes > buffer.byteLength) corrupt("segment is shorter than its header says");
    text = { format: textHeader.format, bytes: new Uint8Array(buffer, at, textHeader.bytes) };
    at += pad4(textHeader.bytes);
  }
  if (at !== buffer.byteLength) corrupt("segment size does not match its header");
  const data = { docCount, ...parts, ...(text ? { text } : {}) } as unknown as SegmentData;
  checkStoredPart(data.stored, docCount, corrupt);
  checkColumnPart(data.columns, docCount, corrupt);
  if (version === SEGMENT_VERSION) checkSparsePart(data.sparse, docCount, corrupt);
  else {
    const old = data.sparse as unknown as SparsePartV2;
    checkSparsePartV2(old, docCount, corrupt);
    data.sparse = upgradeSparsePart(old, docCount);
  }
  checkDensePart(data.dense, docCount, corrupt);
  return { ...data, denseRowsAt, dimension: data.dense.dimension };
}
