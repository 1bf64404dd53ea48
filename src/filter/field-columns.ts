import { compareValues, type ColumnPart, type ColumnValues } from "./column-part.js";
import type { FieldScalar, Filter, RangeBounds } from "../types.js";

interface Column {
  values: ColumnValues["values"];
  /** Index of the column's first value among all the segment's column values. */
  first: number;
}

/**
 * The filter fields of one segment as columns: per field and value type, the sorted distinct
 * values and the documents having each. A filter becomes a bitset in time proportional to its
 * matches: `term`/`terms` binary-search a value, `range` a run of values, `and`/`or`/`not`
 * combine bitsets. Deleted documents are the caller's business (it ANDs the live set).
 * @internal
 */
export class FieldColumns {
  private readonly columns = new Map<string, Column>();
  private readonly starts: Uint32Array;
  private readonly docs: Uint32Array;

  constructor(
    part: ColumnPart,
    private readonly docCount: number,
  ) {
    this.starts = part.columnStarts;
    this.docs = part.columnDocs;
    let first = 0;
    for (const column of part.columns) {
      this.columns.set(`${column.kind}:${column.field}`, { values: column.values, first });
      first += column.values.length;
    }
  }

  /** The documents matching `filter`, as a 0/1 byte per local number. */
  evaluate(filter: Filter): Uint8Array {
    const out = new Uint8Array(this.docCount);
    this.markMatches(filter, out);
    return out;
  }

  /**
   * Sets `out` (all 0, or only marks to keep when `filter` is a leaf or an `or`) to 1 for the
   * documents matching `filter`. Leaves mark their documents straight into `out` (an `or`'s leaves
   * too); an `and`, an `or`'s compound parts and a `not` combine whole bitsets, four bytes at a time.
   */
  private markMatches(filter: Filter, out: Uint8Array): void {
    if ("and" in filter) {
      if (filter.and.length === 0) {
        out.fill(1);
        return;
      }
      this.markMatches(filter.and[0]!, out);
      for (let i = 1; i < filter.and.length; i++) {
        const part = new Uint8Array(this.docCount);
        this.markMatches(filter.and[i]!, part);
        combine(out, part, "and");
      }
    } else if ("or" in filter) {
      for (const f of filter.or) {
        if ("term" in f || "terms" in f || "range" in f || "or" in f) {
          this.markMatches(f, out);
        } else {
          const part = new Uint8Array(this.docCount);
          this.markMatches(f, part);
          combine(out, part, "or");
        }
      }
    } else if ("not" in filter) {
      const part = new Uint8Array(this.docCount);
      this.markMatches(filter.not, part);
      combine(out, part, "not");
    } else if ("term" in filter) {
      const [field, value] = Object.entries(filter.term)[0]!;
      this.mark(out, field, value);
    } else if ("terms" in filter) {
      const [field, values] = Object.entries(filter.terms)[0]!;
      for (const v of values) this.mark(out, field, v);
    } else {
      const [field, bounds] = Object.entries(filter.range)[0]!;
      this.markRange(out, field, bounds);
    }
  }

  private mark(out: Uint8Array, field: string, value: FieldScalar): void {
    const column = this.columns.get(`${typeof value}:${field}`);
    if (!column) return;
    const i = lowerBound(column.values, (v) => compareValues(v, value) < 0);
    if (i < column.values.length && compareValues(column.values[i]!, value) === 0) this.markValues(out, column.first + i, column.first + i + 1);
  }

  /** Numbers compare with numbers and strings with strings; bounds of the other type match nothing. */
  private markRange(out: Uint8Array, field: string, b: RangeBounds): void {
    const bounds = [b.gte, b.gt, b.lte, b.lt].filter((x) => x !== undefined);
    if (bounds.length === 0) return;
    const kind = typeof bounds[0] === "number" ? "number" : "string";
    if (!bounds.every((x) => typeof x === kind)) return;
    const column = this.columns.get(`${kind}:${field}`);
    if (!column) return;
    const values = column.values as (number | string)[];
    const lo = lowerBound(values, (v) => (b.gte !== undefined && v < b.gte) || (b.gt !== undefined && v <= b.gt));
    const hi = lowerBound(values, (v) => (b.lte === undefined || v <= b.lte) && (b.lt === undefined || v < b.lt));
    if (hi > lo) this.markValues(out, column.first + lo, column.first + hi);
  }

  private markValues(out: Uint8Array, fromValue: number, toValue: number): void {
    for (let p = this.starts[fromValue]!; p < this.starts[toValue]!; p++) out[this.docs[p]!] = 1;
  }
}

/** The first index whose value does not satisfy `before` (which holds for a prefix of `values`). */
function lowerBound<T>(values: readonly T[], before: (v: T) => boolean): number {
  let lo = 0;
  let hi = values.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (before(values[mid]!)) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/**
 * `out[i] = out[i] op part[i]` over 0/1 bytes (`not`: `out[i] |= part[i] ^ 1`, onto an `out` of
 * 0s), a 32-bit word at a time (both arrays are fresh, so aligned), then the last bytes.
 */
function combine(out: Uint8Array, part: Uint8Array, op: "and" | "or" | "not"): void {
  const n = out.length;
  let i = 0;
  if (out.byteOffset % 4 === 0 && part.byteOffset % 4 === 0) {
    const words = n >>> 2;
    const a = new Uint32Array(out.buffer, out.byteOffset, words);
    const b = new Uint32Array(part.buffer, part.byteOffset, words);
    if (op === "and") for (let w = 0; w < words; w++) a[w]! &= b[w]!;
    else if (op === "or") for (let w = 0; w < words; w++) a[w]! |= b[w]!;
    else for (let w = 0; w < words; w++) a[w]! |= b[w]! ^ 0x01010101;
    i = words << 2;
  }
  if (op === "and") for (; i < n; i++) out[i]! &= part[i]!;
  else if (op === "or") for (; i < n; i++) out[i]! |= part[i]!;
  else for (; i < n; i++) out[i]! |= part[i]! ^ 1;
}
