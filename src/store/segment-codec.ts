import { CorruptIndexError } from "../errors.js";
import { allocateBinaryFile, openBinaryFile, pad4 } from "./binary-file.js";

/** The values of one filter field of one type, sorted, each with its documents (see {@link SegmentData}). @internal */
export interface ColumnValues {
  field: string;
  kind: "number" | "string" | "boolean";
  /** Distinct values, ascending (numbers numerically, strings by UTF-16 code units, false before true). */
  values: (number | string | boolean)[];
}

/**
 * A segment: an immutable index over the documents of one commit or merge, all of it in typed
 * arrays over the file's bytes, so opening builds no object per document. Documents are numbered
 * 0…docCount−1 in the order written ("local" numbers); a document's slot in the engine is the
 * segment's base plus its local number.
 *
 * - stored documents: ids, texts and fields as UTF-8 runs (`…Starts[i]…Starts[i+1]` is document
 *   i's run; fields as JSON, empty for none), decoded only when a document is read; `idOrder`
 *   lists local numbers by id (UTF-16 code-unit order) for lookups by binary search.
 * - sparse: `tokens` sorted as strings, so a term's number is its rank and numbering a query's
 *   terms by it fixes the summation order from the content alone; postings per term (documents
 *   ascending, exact float32 weights), and per document its number of terms. There is no forward
 *   index: a document's weight for a term is found by binary search in the term's postings, which
 *   is cheap for the few documents completion, explain and `get` ask about, and keeps a posting at
 *   8 bytes.
 * - filter columns: per field and type, the sorted distinct values, and per value the documents
 *   having it (`columnStarts` indexes the values of all columns in order).
 * - dense: `denseRowOf[i]` is document i's row in `denseRows` (−1: none); rows are last in the
 *   file, so a quantized index reads single rows back from it.
 * @internal
 */
export interface SegmentData {
  docCount: number;
  idBytes: Uint8Array;
  idStarts: Uint32Array;
  idOrder: Uint32Array;
  /** 1 where the document has a text (an empty text is a text). */
  textFlags: Uint8Array;
  textBytes: Uint8Array;
  textStarts: Uint32Array;
  fieldBytes: Uint8Array;
  fieldStarts: Uint32Array;
  tokens: string[];
  postingStarts: Uint32Array;
  postingDocs: Uint32Array;
  postingWeights: Float32Array;
  /** Sparse terms per document. */
  termCounts: Uint32Array;
  columns: ColumnValues[];
  columnStarts: Uint32Array;
  columnDocs: Uint32Array;
  /** Dense dimension, 0 when no document has a vector. */
  dimension: number;
  denseRowOf: Int32Array;
  denseRows: Float32Array;
}

/** Where a segment file's dense rows start (byte offset), so single rows can be read back. @internal */
export interface DenseRowsLayout {
  denseRowsAt: number;
  dimension: number;
}

const MAGIC = "TANDSEG\0";
/** Version 1 was the log format (log-segment-codec.ts); this is version 2. */
export const SEGMENT_VERSION = 2;

type ArrayKind = "u8" | "u32" | "i32" | "f32";
type ArraySection = Exclude<keyof SegmentData, "docCount" | "tokens" | "columns" | "dimension">;

/** Body sections in file order; dense rows last. */
const SECTIONS: readonly [ArraySection, ArrayKind][] = [
  ["idStarts", "u32"],
  ["idOrder", "u32"],
  ["textStarts", "u32"],
  ["fieldStarts", "u32"],
  ["postingStarts", "u32"],
  ["postingDocs", "u32"],
  ["postingWeights", "f32"],
  ["termCounts", "u32"],
  ["columnStarts", "u32"],
  ["columnDocs", "u32"],
  ["denseRowOf", "i32"],
  ["idBytes", "u8"],
  ["textFlags", "u8"],
  ["textBytes", "u8"],
  ["fieldBytes", "u8"],
  ["denseRows", "f32"],
];

const CONSTRUCTORS = { u8: Uint8Array, u32: Uint32Array, i32: Int32Array, f32: Float32Array } as const;

interface SegmentHeader {
  docCount: number;
  tokens: string[];
  columns: ColumnValues[];
  dimension: number;
  /** Element count of each body section, in SECTIONS order. */
  lengths: number[];
}

/** The file's bytes, and where its dense rows start. */
export function encodeSegment(data: SegmentData): { bytes: Uint8Array } & DenseRowsLayout {
  const lengths = SECTIONS.map(([name]) => data[name].length);
  const header: SegmentHeader = { docCount: data.docCount, tokens: data.tokens, columns: data.columns, dimension: data.dimension, lengths };
  const sizes = SECTIONS.map(([name]) => pad4(data[name].byteLength));
  const { bytes, bodyAt } = allocateBinaryFile(MAGIC, SEGMENT_VERSION, header, sizes.reduce((a, b) => a + b, 0));
  let at = bodyAt;
  let denseRowsAt = 0;
  SECTIONS.forEach(([name], i) => {
    const section = data[name];
    if (name === "denseRows") denseRowsAt = at;
    bytes.set(new Uint8Array(section.buffer, section.byteOffset, section.byteLength), at);
    at += sizes[i]!;
  });
  return { bytes, denseRowsAt, dimension: data.dimension };
}

/**
 * Lays typed-array views over a segment file's bytes (no copy when they are 4-byte aligned) and
 * checks that the structure holds together, so a damaged file that passed its checksum (or a
 * foreign one) is refused with a CorruptIndexError naming `file` instead of misreading.
 */
export function decodeSegment(bytes: Uint8Array, file: string): SegmentData & DenseRowsLayout {
  const corrupt = (problem: string): never => {
    throw new CorruptIndexError(`${file}: ${problem}`);
  };
  const { header, buffer, bodyAt } = openBinaryFile<SegmentHeader>(bytes, MAGIC, SEGMENT_VERSION, file, "segment");
  const { docCount, tokens, columns, dimension, lengths } = header;
  if (
    !Number.isInteger(docCount) ||
    docCount < 0 ||
    !Array.isArray(tokens) ||
    !Array.isArray(columns) ||
    !Number.isInteger(dimension) ||
    dimension < 0 ||
    !Array.isArray(lengths) ||
    lengths.length !== SECTIONS.length ||
    !lengths.every((n) => Number.isInteger(n) && n >= 0)
  ) {
    corrupt("segment header is invalid");
  }
  let at = bodyAt;
  const out: Partial<SegmentData> = { docCount, tokens, columns, dimension };
  let denseRowsAt = 0;
  SECTIONS.forEach(([name, kind], i) => {
    const Ctor = CONSTRUCTORS[kind];
    const length = lengths[i]!;
    if (at + length * Ctor.BYTES_PER_ELEMENT > buffer.byteLength) corrupt("segment is shorter than its header says");
    if (name === "denseRows") denseRowsAt = at;
    (out as Record<string, unknown>)[name] = new Ctor(buffer, at, length);
    at += pad4(length * Ctor.BYTES_PER_ELEMENT);
  });
  if (at !== buffer.byteLength) corrupt("segment size does not match its header");
  const data = out as SegmentData;
  checkStructure(data, corrupt);
  return { ...data, denseRowsAt, dimension };
}

/** Offsets within their runs, ranks and rows within range: what every read relies on. */
function checkStructure(d: SegmentData, corrupt: (problem: string) => never): void {
  const n = d.docCount;
  const terms = d.tokens.length;
  const runs = (starts: Uint32Array, count: number, total: number, what: string) => {
    if (starts.length !== count + 1 || starts[0] !== 0 || starts[count] !== total) corrupt(`${what} offsets do not cover their data`);
    for (let i = 0; i < count; i++) if (starts[i]! > starts[i + 1]!) corrupt(`${what} offsets are not ascending`);
  };
  runs(d.idStarts, n, d.idBytes.length, "id");
  runs(d.textStarts, n, d.textBytes.length, "text");
  runs(d.fieldStarts, n, d.fieldBytes.length, "fields");
  runs(d.postingStarts, terms, d.postingDocs.length, "posting");
  const values = d.columns.reduce((s, c) => s + (Array.isArray(c.values) ? c.values.length : Number.NaN), 0);
  if (!Number.isInteger(values)) corrupt("filter columns are invalid");
  runs(d.columnStarts, values, d.columnDocs.length, "filter column");
  if (d.idOrder.length !== n || d.textFlags.length !== n || d.denseRowOf.length !== n || d.termCounts.length !== n) corrupt("per-document arrays do not match the document count");
  if (d.postingWeights.length !== d.postingDocs.length) corrupt("posting weights do not match the postings");
  // Postings (most of the file) are left to the checksum: a pass over them would cost a good part
  // of an open. A read beyond its array yields undefined, never memory.
  for (let i = 0; i < d.columnDocs.length; i++) if (d.columnDocs[i]! >= n) corrupt("a filter column names a document beyond the segment");
  for (let i = 0; i < n; i++) if (d.idOrder[i]! >= n) corrupt("the id order names a document beyond the segment");
  const rows = d.dimension === 0 ? 0 : d.denseRows.length / d.dimension;
  if (!Number.isInteger(rows)) corrupt("dense rows do not match the dimension");
  for (let i = 0; i < n; i++) if (d.denseRowOf[i]! < -1 || d.denseRowOf[i]! >= rows) corrupt("a document's dense row is out of range");
  for (let t = 1; t < terms; t++) if (!(typeof d.tokens[t] === "string" && d.tokens[t - 1]! < d.tokens[t]!)) corrupt("tokens are not sorted");
}
