import type { FloatRows } from "../legs/dense/float-rows.js";
import { FieldColumns } from "../filter/field-columns.js";
import type { SegmentData } from "../store/segment-codec.js";
import type { FieldValue } from "../types.js";

// ignoreBOM: a stored string that starts with U+FEFF (an id, a text) must come back with it; the
// default decoder drops it, so the id would no longer be found, deleted or told apart from another.
const decoder = new TextDecoder("utf-8", { ignoreBOM: true });
/** Longest id (in bytes) built without the decoder when it is ASCII. */
const ASCII_ID_MAX = 64;

/**
 * One open segment as the engine sees it: its data, where its documents sit in the slot space
 * (`base` + local number), its stored documents (decoded only when one is read) and its filter
 * columns. The legs keep their own per-segment structures.
 * @internal
 */
export class Segment {
  readonly columns: FieldColumns;

  constructor(
    /** The segment's file name in the index directory. */
    readonly file: string,
    readonly data: SegmentData,
    public base: number,
    /** Where a quantized index reads this segment's float rows back; the segment owns them. */
    public rows?: FloatRows,
  ) {
    this.columns = new FieldColumns(data.columns, data.docCount);
  }

  get docCount(): number {
    return this.data.docCount;
  }

  id(doc: number): string {
    const d = this.data.stored;
    const start = d.idStarts[doc]!;
    const end = d.idStarts[doc + 1]!;
    // Every hit's id is read here: a short ASCII id is built from its bytes (UTF-8 of ASCII is
    // ASCII) about 3× faster than through the decoder; any other byte goes to the decoder.
    if (end - start <= ASCII_ID_MAX) {
      const bytes = d.idBytes;
      let id = "";
      for (let i = start; i < end; i++) {
        const b = bytes[i]!;
        if (b >= 0x80) return decoder.decode(bytes.subarray(start, end));
        id += String.fromCharCode(b);
      }
      return id;
    }
    return decoder.decode(d.idBytes.subarray(start, end));
  }

  text(doc: number): string | undefined {
    const d = this.data.stored;
    return d.textFlags[doc] === 1 ? decoder.decode(d.textBytes.subarray(d.textStarts[doc], d.textStarts[doc + 1])) : undefined;
  }

  hasText(doc: number): boolean {
    return this.data.stored.textFlags[doc] === 1;
  }

  /** A fresh copy of the document's fields, or undefined when it has none. */
  fields(doc: number): Record<string, FieldValue> | undefined {
    const d = this.data.stored;
    const start = d.fieldStarts[doc]!;
    const end = d.fieldStarts[doc + 1]!;
    return end === start ? undefined : (JSON.parse(decoder.decode(d.fieldBytes.subarray(start, end))) as Record<string, FieldValue>);
  }

  /**
   * The local number of the live document with this id, or −1: a binary search over the id
   * order. A merged segment keeps deleted versions (slots survive merges), so an id may appear
   * more than once; at most one of its versions is live.
   */
  findLive(id: string, live: (doc: number) => boolean): number {
    const order = this.data.stored.idOrder;
    let lo = 0;
    let hi = order.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.id(order[mid]!) < id) lo = mid + 1;
      else hi = mid;
    }
    for (; lo < order.length && this.id(order[lo]!) === id; lo++) if (live(order[lo]!)) return order[lo]!;
    return -1;
  }
}
