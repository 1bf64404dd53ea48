import { CorruptIndexError } from "../errors.js";
import { allocateBinaryFile, openBinaryFile } from "./binary-file.js";

/**
 * A segment's deletions: the local numbers of its documents deleted or replaced since it was
 * written, ascending. Segments are immutable, so each commit that deletes from one writes a new
 * deletions file for it (as Lucene's live-docs files) and the manifest names the current one.
 * The header names the segment file it belongs to, so a manifest pairing it with another segment
 * is refused. Body after the shared header (binary-file.ts): u32[count] local numbers.
 * @internal
 */
const MAGIC = "TANDDEL\0";
const DELETIONS_VERSION = 1;

interface DeletionsHeader {
  /** The segment's file name. */
  segment: string;
  docCount: number;
  count: number;
}

export function encodeDeletions(deleted: Uint32Array, segment: string, docCount: number): Uint8Array {
  const { buffer, bytes, bodyAt } = allocateBinaryFile(MAGIC, DELETIONS_VERSION, { segment, docCount, count: deleted.length } satisfies DeletionsHeader, 4 * deleted.length);
  new Uint32Array(buffer, bodyAt, deleted.length).set(deleted);
  return bytes;
}

/** The deleted local numbers; refuses a file written for another segment than `segment` (of `docCount` documents). */
export function decodeDeletions(bytes: Uint8Array, segment: string, docCount: number, file: string): Uint32Array {
  const { header, buffer, bodyAt } = openBinaryFile<DeletionsHeader>(bytes, MAGIC, DELETIONS_VERSION, file, "deletions file");
  const corrupt = (problem: string): never => {
    throw new CorruptIndexError(`${file}: ${problem}`);
  };
  if (header.segment !== segment) corrupt(`deletions are for segment ${JSON.stringify(header.segment)}, not ${segment}`);
  if (header.docCount !== docCount) corrupt(`deletions are for a segment of ${header.docCount} documents, not ${docCount}`);
  if (!Number.isInteger(header.count) || header.count < 0 || bodyAt + 4 * header.count !== buffer.byteLength) corrupt("deletions file size does not match its header");
  const deleted = new Uint32Array(buffer, bodyAt, header.count);
  for (let i = 0; i < deleted.length; i++) if (deleted[i]! >= docCount || (i > 0 && deleted[i]! <= deleted[i - 1]!)) corrupt("deleted documents are out of range or not ascending");
  return deleted;
}
