import { open, type FileHandle } from "node:fs/promises";
import type { ForwardFile } from "./forward-file.js";
import { MessageBuilder, putVarint, varintSize } from "./protobuf-wire.js";

export interface CiffWriterOptions {
  /** The term of token id `id`. */
  termName: (id: number) => string;
  /** The collection id of the document at `position`. */
  docId: (position: number) => string;
  /** A weight's integer impact (BMP reads 8 bits: 1–255). */
  impact: (weight: number) => number;
  /**
   * The document order of the index (new docid → position in the forward file), e.g. from
   * signatureOrder; default: as stored. At most 2^24 documents.
   */
  order?: Uint32Array;
  /** Postings held in memory at once while inverting (default 32 million: 128 MB). */
  budget?: number;
  description?: string;
}

/** Linear quantization to `bits` bits (default 8) against the largest weight; every posting keeps an impact of at least 1. */
export function linearImpact(maxWeight: number, bits = 8): (weight: number) => number {
  const top = 2 ** bits - 1;
  const scale = top / maxWeight;
  return (weight) => Math.min(top, Math.max(1, Math.round(weight * scale)));
}

const FLUSH_BYTES = 8 * 1024 * 1024;
const TERM_FIELD = (1 << 3) | 2;
const DF_FIELD = (2 << 3) | 0;
const CF_FIELD = (3 << 3) | 0;
const POSTING_FIELD = (4 << 3) | 2;
const DOCID_FIELD = (1 << 3) | 0;
const TF_FIELD = (2 << 3) | 0;

/** Buffers writes to one file handle. */
class Output {
  private parts: Uint8Array[] = [];
  private pending = 0;
  bytes = 0;
  constructor(private readonly handle: FileHandle) {}

  async write(part: Uint8Array): Promise<void> {
    this.parts.push(part);
    this.pending += part.length;
    this.bytes += part.length;
    if (this.pending >= FLUSH_BYTES) await this.flush();
  }

  async flush(): Promise<void> {
    if (this.pending === 0) return;
    await this.handle.write(Buffer.concat(this.parts, this.pending));
    this.parts = [];
    this.pending = 0;
  }
}

/**
 * Writes the documents of a forward file as a CIFF inverted index (Common Index File Format, v1:
 * a Header, one PostingsList per term with postings, then one DocRecord per document, each
 * length-delimited protobuf; posting docids are gaps, `tf` is the quantized impact) — the input of
 * BMP's `ciff2bmp`. Terms go out in token-id order (terms no document has are left out), inverted
 * a range of terms at a time so at most `budget` postings are in memory; each range re-reads the
 * forward file. Docids follow `order` when given.
 */
export async function writeCiff(path: string, forward: ForwardFile, options: CiffWriterOptions): Promise<{ postingsLists: number; bytes: number }> {
  const budget = options.budget ?? 32_000_000;
  const df = forward.df;
  const n = forward.documents;
  if (n > 1 << 24) throw new Error(`CIFF writer: ${n} documents, more than the 2^24 it packs with their impacts`);
  const order = options.order ?? Uint32Array.from({ length: n }, (_, i) => i);
  if (order.length !== n) throw new Error(`CIFF writer: an order of ${order.length} documents for ${n}`);
  const rank = new Uint32Array(n);
  for (let d = 0; d < n; d++) rank[order[d]!] = d;
  let postingsLists = 0;
  for (let t = 0; t < df.length; t++) if (df[t]! > 0) postingsLists++;
  const handle = await open(path, "w");
  const out = new Output(handle);
  try {
    await out.write(
      new MessageBuilder()
        .varint(1, 1)
        .varint(2, postingsLists)
        .varint(3, forward.documents)
        .varint(4, postingsLists)
        .varint(5, forward.documents)
        .varint(6, forward.postings)
        .double(7, forward.documents > 0 ? forward.postings / forward.documents : 0)
        .string(8, options.description ?? "")
        .delimited(),
    );
    for (let from = 0; from < df.length; ) {
      let to = from;
      let total = 0;
      while (to < df.length && (to === from || total + df[to]! <= budget)) total += df[to++]!;
      await writeRange(out, forward, rank, from, to, total, options);
      from = to;
    }
    const lengths = new Uint32Array(n);
    for await (const chunk of forward.chunks()) for (let i = 0; i < chunk.count; i++) lengths[chunk.start + i] = chunk.offsets[i + 1]! - chunk.offsets[i]!;
    for (let d = 0; d < n; d++) {
      const position = order[d]!;
      await out.write(new MessageBuilder().varint(1, d).string(2, options.docId(position)).varint(3, lengths[position]!).delimited());
    }
    await out.flush();
  } finally {
    await handle.close();
  }
  return { postingsLists, bytes: out.bytes };
}

/** Inverts tokens [from, to) (`total` postings) and writes their postings lists, docids from `rank`. */
async function writeRange(out: Output, forward: ForwardFile, rank: Uint32Array, from: number, to: number, total: number, options: CiffWriterOptions): Promise<void> {
  if (total === 0) return;
  const df = forward.df;
  const starts = new Uint32Array(to - from + 1);
  for (let t = from; t < to; t++) starts[t - from + 1] = starts[t - from]! + df[t]!;
  const cursor = starts.slice(0, to - from);
  // Each posting as docid × 256 + impact: sorting a term's run sorts its postings by docid.
  const packed = new Uint32Array(total);
  for await (const chunk of forward.chunks()) {
    const { offsets, tokens, weights } = chunk;
    for (let i = 0; i < chunk.count; i++) {
      const doc = chunk.start + i;
      for (let j = offsets[i]!; j < offsets[i + 1]!; j++) {
        const t = tokens[j]!;
        if (t < from || t >= to) continue;
        const impact = options.impact(weights[j]!);
        if (!(impact >= 1 && impact <= 255 && Number.isInteger(impact))) throw new Error(`CIFF writer: impact ${impact} of weight ${weights[j]} is not an integer in 1..255`);
        packed[cursor[t - from]!++] = rank[doc]! * 256 + impact;
      }
    }
  }
  if (options.order) for (let t = from; t < to; t++) packed.subarray(starts[t - from], starts[t - from + 1]).sort();
  const encoder = new TextEncoder();
  for (let t = from; t < to; t++) {
    const n = df[t]!;
    if (n === 0) continue;
    const first = starts[t - from]!;
    const term = encoder.encode(options.termName(t));
    let cf = 0;
    let postingsBytes = 0;
    for (let p = first, previous = 0; p < first + n; p++) {
      const docid = packed[p]! >>> 8;
      const impact = packed[p]! & 0xff;
      const gap = docid - previous;
      previous = docid;
      const content = (gap > 0 ? 1 + varintSize(gap) : 0) + 1 + varintSize(impact);
      postingsBytes += 1 + varintSize(content) + content;
      cf += impact;
    }
    const length = 1 + varintSize(term.length) + term.length + 1 + varintSize(n) + 1 + varintSize(cf) + postingsBytes;
    const bytes = new Uint8Array(varintSize(length) + length);
    let at = putVarint(bytes, 0, length);
    bytes[at++] = TERM_FIELD;
    at = putVarint(bytes, at, term.length);
    bytes.set(term, at);
    at += term.length;
    bytes[at++] = DF_FIELD;
    at = putVarint(bytes, at, n);
    bytes[at++] = CF_FIELD;
    at = putVarint(bytes, at, cf);
    for (let p = first, previous = 0; p < first + n; p++) {
      const docid = packed[p]! >>> 8;
      const impact = packed[p]! & 0xff;
      const gap = docid - previous;
      previous = docid;
      const content = (gap > 0 ? 1 + varintSize(gap) : 0) + 1 + varintSize(impact);
      bytes[at++] = POSTING_FIELD;
      at = putVarint(bytes, at, content);
      if (gap > 0) {
        bytes[at++] = DOCID_FIELD;
        at = putVarint(bytes, at, gap);
      }
      bytes[at++] = TF_FIELD;
      at = putVarint(bytes, at, impact);
    }
    if (at !== bytes.length) throw new Error(`postings list of ${options.termName(t)}: encoded ${at} bytes, expected ${bytes.length}`);
    await out.write(bytes);
  }
}
