import { CorruptIndexError } from "../errors.js";
import { allocateBinaryFile, openBinaryFile, pad4 } from "./binary-file.js";
import type { ValidDocument } from "../valid-document.js";
import type { FieldValue } from "../types.js";

/**
 * The segment format of index format versions 1 and 2, read only to upgrade such an index: a
 * segment was one commit, the documents it upserts and the ids it deletes (deletes apply first),
 * replayed on every open. Body after the shared header (binary-file.ts), little-endian:
 *   u32[docs + 1] sparse offsets | u32[nnz] token numbers | f32[nnz] weights |
 *   u8[docs] has-dense flags, pad to 4 | f32[rows × dimension] dense rows
 * Token numbers index the header's segment-local token list.
 * @internal
 */
export interface LogSegment {
  docs: ValidDocument[];
  deletes: string[];
}

const MAGIC = "TANDSEG\0";
const SEGMENT_VERSION = 1;

interface SegmentHeader {
  docs: { id: string; text?: string; fields?: Record<string, FieldValue> }[];
  deletes: string[];
  tokens: string[];
  nnz: number;
  dimension: number | null;
  denseRows: number;
}


/** Kept so tests can write an index in the old format and check that it is upgraded. */
export function encodeLogSegment(content: LogSegment): { bytes: Uint8Array } {
  const tokenIds = new Map<string, number>();
  const tokens: string[] = [];
  let nnz = 0;
  let dimension: number | null = null;
  let denseRows = 0;
  for (const doc of content.docs) {
    for (const token of doc.sparse?.tokens ?? []) {
      if (!tokenIds.has(token)) {
        tokenIds.set(token, tokens.length);
        tokens.push(token);
      }
      nnz++;
    }
    if (doc.dense) {
      dimension = doc.dense.length;
      denseRows++;
    }
  }
  const header: SegmentHeader = {
    docs: content.docs.map((d) => ({ id: d.id, text: d.text, fields: d.fields })),
    deletes: content.deletes,
    tokens,
    nnz,
    dimension,
    denseRows,
  };
  const n = content.docs.length;
  const flagsBytes = pad4(n);
  const bodyBytes = 4 * (n + 1) + 8 * nnz + flagsBytes + 4 * denseRows * (dimension ?? 0);
  const { buffer, bytes, bodyAt } = allocateBinaryFile(MAGIC, SEGMENT_VERSION, header, bodyBytes);
  const offsetsAt = bodyAt;
  const termsAt = offsetsAt + 4 * (n + 1);
  const weightsAt = termsAt + 4 * nnz;
  const flagsAt = weightsAt + 4 * nnz;
  const denseAt = flagsAt + flagsBytes;
  const offsets = new Uint32Array(buffer, offsetsAt, n + 1);
  const terms = new Uint32Array(buffer, termsAt, nnz);
  const weights = new Float32Array(buffer, weightsAt, nnz);
  const flags = new Uint8Array(buffer, flagsAt, n);
  const dense = new Float32Array(buffer, denseAt, denseRows * (dimension ?? 0));
  let p = 0;
  let row = 0;
  content.docs.forEach((doc, i) => {
    offsets[i] = p;
    doc.sparse?.tokens.forEach((token, j) => {
      terms[p] = tokenIds.get(token)!;
      weights[p] = doc.sparse!.weights[j]!;
      p++;
    });
    if (doc.dense) {
      flags[i] = 1;
      dense.set(doc.dense, row * doc.dense.length);
      row++;
    }
  });
  offsets[n] = p;
  return { bytes };
}

export function decodeLogSegment(bytes: Uint8Array, file: string): LogSegment {
  const { header, buffer, bodyAt } = openBinaryFile<SegmentHeader>(bytes, MAGIC, SEGMENT_VERSION, file, "segment");
  const n = header.docs.length;
  const dimension = header.dimension ?? 0;
  const offsetsAt = bodyAt;
  const termsAt = offsetsAt + 4 * (n + 1);
  const weightsAt = termsAt + 4 * header.nnz;
  const flagsAt = weightsAt + 4 * header.nnz;
  const denseAt = flagsAt + pad4(n);
  if (denseAt + 4 * header.denseRows * dimension !== bytes.length) throw new CorruptIndexError(`${file}: segment size does not match its header`);
  const offsets = new Uint32Array(buffer, offsetsAt, n + 1);
  const terms = new Uint32Array(buffer, termsAt, header.nnz);
  const weights = new Float32Array(buffer, weightsAt, header.nnz);
  const flags = new Uint8Array(buffer, flagsAt, n);
  let row = 0;
  const docs = header.docs.map((d, i): ValidDocument => {
    const doc: ValidDocument = { id: d.id };
    if (d.text !== undefined) doc.text = d.text;
    if (offsets[i + 1]! > offsets[i]!) {
      const tokens: string[] = [];
      for (let p = offsets[i]!; p < offsets[i + 1]!; p++) tokens.push(header.tokens[terms[p]!]!);
      doc.sparse = { tokens, weights: weights.slice(offsets[i], offsets[i + 1]) };
    }
    if (flags[i] === 1) {
      doc.dense = new Float32Array(buffer, denseAt + 4 * row * dimension, dimension);
      row++;
    }
    if (d.fields !== undefined) doc.fields = d.fields;
    return doc;
  });
  return { docs, deletes: header.deletes };
}
