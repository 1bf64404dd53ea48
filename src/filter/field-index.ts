import { ensureCapacity } from "../typed-arrays.js";
import type { FieldScalar, FieldValue, Filter, RangeBounds } from "../types.js";

/** Growable list of slots. */
class SlotList {
  slots = new Uint32Array(4);
  length = 0;
  push(slot: number): void {
    this.slots = ensureCapacity(this.slots, this.length + 1);
    this.slots[this.length++] = slot;
  }
}

/** One field's values sorted for range queries, rebuilt lazily after additions. */
interface SortedColumn<T extends number | string> {
  values: T[];
  slots: Uint32Array;
}

/**
 * Inverted index over document fields, so a filter becomes a bitset in time proportional to its
 * matches instead of a walk over every document's fields: `term`/`terms` read value postings,
 * `range` binary-searches a sorted column, `and`/`or`/`not` combine bitsets. Retired slots stay
 * until the engine rebuilds; callers AND the result with their live set. @internal
 */
export class FieldIndex {
  private readonly postings = new Map<string, Map<string, SlotList>>();
  private readonly numbers = new Map<string, { values: number[]; slots: number[]; sorted?: SortedColumn<number> }>();
  private readonly strings = new Map<string, { values: string[]; slots: number[]; sorted?: SortedColumn<string> }>();
  private slotCount = 0;

  /** Adds the next slot's fields (slots are added in increasing order). */
  add(slot: number, fields: Readonly<Record<string, FieldValue>> | undefined): void {
    this.slotCount = slot + 1;
    if (!fields) return;
    for (const [field, value] of Object.entries(fields)) {
      const values: FieldScalar[] = Array.isArray(value) ? value : [value];
      for (const v of values) {
        let byValue = this.postings.get(field);
        if (!byValue) this.postings.set(field, (byValue = new Map<string, SlotList>()));
        const key = valueKey(v);
        let list = byValue.get(key);
        if (!list) byValue.set(key, (list = new SlotList()));
        list.push(slot);
        if (typeof v === "number") column(this.numbers, field).add(v, slot);
        else if (typeof v === "string") column(this.strings, field).add(v, slot);
      }
    }
  }

  /** The slots matching `filter`, as a 0/1 byte per slot. */
  evaluate(filter: Filter): Uint8Array {
    const out = new Uint8Array(this.slotCount);
    if ("and" in filter) {
      out.fill(1);
      for (const f of filter.and) {
        const part = this.evaluate(f);
        for (let i = 0; i < out.length; i++) out[i]! &= part[i]!;
      }
    } else if ("or" in filter) {
      for (const f of filter.or) {
        const part = this.evaluate(f);
        for (let i = 0; i < out.length; i++) out[i]! |= part[i]!;
      }
    } else if ("not" in filter) {
      const part = this.evaluate(filter.not);
      for (let i = 0; i < out.length; i++) out[i] = part[i]! ^ 1;
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
    return out;
  }

  private mark(out: Uint8Array, field: string, value: FieldScalar): void {
    const list = this.postings.get(field)?.get(valueKey(value));
    if (!list) return;
    for (let i = 0; i < list.length; i++) out[list.slots[i]!] = 1;
  }

  /** Numbers compare with numbers and strings with strings; bounds of the other type match nothing. */
  private markRange(out: Uint8Array, field: string, b: RangeBounds): void {
    const bounds = [b.gte, b.gt, b.lte, b.lt].filter((x) => x !== undefined);
    if (bounds.length === 0) return;
    const numeric = typeof bounds[0] === "number";
    if (!bounds.every((x) => typeof x === (numeric ? "number" : "string"))) return;
    const col = numeric ? this.numbers.get(field) : this.strings.get(field);
    if (!col) return;
    const sorted = sortedColumn(col as ColumnData<number | string>);
    const lo = lowerBound(sorted.values, b.gte, b.gt);
    const hi = upperBound(sorted.values, b.lte, b.lt);
    for (let i = lo; i < hi; i++) out[sorted.slots[i]!] = 1;
  }
}

interface ColumnData<T extends number | string> {
  values: T[];
  slots: number[];
  sorted?: SortedColumn<T>;
}

function column<T extends number | string>(columns: Map<string, ColumnData<T>>, field: string) {
  let col = columns.get(field);
  if (!col) columns.set(field, (col = { values: [], slots: [] }));
  const c = col;
  return {
    add(value: T, slot: number) {
      c.values.push(value);
      c.slots.push(slot);
      c.sorted = undefined;
    },
  };
}

function sortedColumn<T extends number | string>(col: ColumnData<T>): SortedColumn<T> {
  if (!col.sorted) {
    const order = col.values.map((_, i) => i).sort((a, b) => (col.values[a]! < col.values[b]! ? -1 : col.values[a]! > col.values[b]! ? 1 : 0));
    col.sorted = { values: order.map((i) => col.values[i]!), slots: Uint32Array.from(order, (i) => col.slots[i]!) };
  }
  return col.sorted;
}

/** First index whose value satisfies the lower bounds. */
function lowerBound<T extends number | string>(values: T[], gte: unknown, gt: unknown): number {
  let lo = 0;
  let hi = values.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    const v = values[mid]!;
    const below = (gte !== undefined && v < (gte as T)) || (gt !== undefined && v <= (gt as T));
    if (below) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** First index whose value breaks the upper bounds. */
function upperBound<T extends number | string>(values: T[], lte: unknown, lt: unknown): number {
  let lo = 0;
  let hi = values.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    const v = values[mid]!;
    const within = (lte === undefined || v <= (lte as T)) && (lt === undefined || v < (lt as T));
    if (within) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

function valueKey(v: FieldScalar): string {
  return `${typeof v === "number" ? "n" : typeof v === "boolean" ? "b" : "s"}:${v}`;
}
