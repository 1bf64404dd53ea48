import { compareStrings } from "../compare.js";
import type { FieldScalar, FieldValue } from "../types.js";
import { type Corrupt, type SectionList, checkRuns } from "../typed-arrays.js";

/** The values of one filter field of one type, sorted. @internal */
export interface ColumnValues {
  field: string;
  kind: "number" | "string" | "boolean";
  /** Distinct values, ascending (numbers numerically, strings by UTF-16 code units, false before true). */
  values: (number | string | boolean)[];
}

/**
 * A segment's filter fields as columns: per field and value type (ordered by `kind:field`), the
 * sorted distinct values, and per value the documents having it — `columnStarts` indexes the
 * values of all columns in order into `columnDocs`. @internal
 */
export interface ColumnPart {
  columns: ColumnValues[];
  columnStarts: Uint32Array;
  columnDocs: Uint32Array;
}

export const COLUMN_SECTIONS: SectionList<"columnStarts" | "columnDocs"> = [
  ["columnStarts", "u32"],
  ["columnDocs", "u32"],
];

/** Ascending order of filter values of one type (false before true). */
export function compareValues(a: FieldScalar, b: FieldScalar): number {
  if (typeof a === "number") return a - (b as number);
  if (typeof a === "boolean") return Number(a) - Number(b);
  return compareStrings(a, b as string);
}

type Collected = Map<string, { field: string; kind: ColumnValues["kind"]; docs: Map<FieldScalar, number[]> }>;

function toPart(byColumn: Collected): ColumnPart {
  const columns: ColumnValues[] = [];
  const starts: number[] = [0];
  const all: number[] = [];
  for (const key of [...byColumn.keys()].sort(compareStrings)) {
    const column = byColumn.get(key)!;
    const values = [...column.docs.keys()].sort(compareValues);
    if (values.length === 0) continue;
    columns.push({ field: column.field, kind: column.kind, values });
    for (const value of values) {
      for (const doc of column.docs.get(value)!) all.push(doc);
      starts.push(all.length);
    }
  }
  return { columns, columnStarts: Uint32Array.from(starts), columnDocs: Uint32Array.from(all) };
}

function columnOf(byColumn: Collected, field: string, kind: ColumnValues["kind"]) {
  const key = `${kind}:${field}`;
  let column = byColumn.get(key);
  if (!column) byColumn.set(key, (column = { field, kind, docs: new Map() }));
  return column;
}

export function buildColumnPart(fieldsOf: readonly (Record<string, FieldValue> | undefined)[]): ColumnPart {
  const byColumn: Collected = new Map();
  fieldsOf.forEach((fields, i) => {
    for (const [field, value] of Object.entries(fields ?? {})) {
      for (const v of Array.isArray(value) ? value : [value]) {
        const column = columnOf(byColumn, field, typeof v as ColumnValues["kind"]);
        // -0 and 0 are one value, as the filter compares them.
        const key = v === 0 ? 0 : v;
        const list = column.docs.get(key);
        if (!list) column.docs.set(key, [i]);
        else if (list[list.length - 1] !== i) list.push(i);
      }
    }
  });
  return toPart(byColumn);
}

/** The union of the inputs' columns, each value's documents renumbered by `newNumber` (−1: dropped). */
export function mergeColumnParts(inputs: readonly ColumnPart[], newNumber: readonly Int32Array[]): ColumnPart {
  const byColumn: Collected = new Map();
  inputs.forEach((part, s) => {
    let v = 0;
    for (const column of part.columns) {
      const merged = columnOf(byColumn, column.field, column.kind);
      for (const value of column.values) {
        let list = merged.docs.get(value);
        for (let p = part.columnStarts[v]!; p < part.columnStarts[v + 1]!; p++) {
          const doc = newNumber[s]![part.columnDocs[p]!]!;
          if (doc < 0) continue;
          if (!list) merged.docs.set(value, (list = []));
          list.push(doc);
        }
        v++;
      }
    }
  });
  return toPart(byColumn);
}

export function checkColumnPart(p: ColumnPart, docCount: number, corrupt: Corrupt): void {
  if (!Array.isArray(p.columns) || !p.columns.every((c) => typeof c === "object" && c !== null && Array.isArray(c.values))) corrupt("filter columns are invalid");
  const values = p.columns.reduce((s, c) => s + c.values.length, 0);
  checkRuns(p.columnStarts, values, p.columnDocs.length, "filter column", corrupt);
  for (let i = 0; i < p.columnDocs.length; i++) if (p.columnDocs[i]! >= docCount) corrupt("a filter column names a document beyond the segment");
}
