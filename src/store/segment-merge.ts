import type { FieldScalar } from "../types.js";
import { compareStrings, compareValues } from "./segment-builder.js";
import type { ColumnValues, SegmentData } from "./segment-codec.js";

/** One input of a merge: a segment, and which of its documents to keep (all when absent). @internal */
export interface MergeInput {
  data: SegmentData;
  keep?: Uint8Array;
}

/**
 * One segment holding the kept documents of `inputs`, in input order, written from the inputs'
 * own arrays (stored runs copied, vocabularies, postings and columns merged, documents
 * renumbered) without decoding any document. Every vocabulary is sorted the same way, so a
 * document's terms keep their order and its scores do not change.
 * @internal
 */
export function mergeSegments(inputs: readonly MergeInput[]): SegmentData {
  const kept = inputs.map(({ data, keep }) => {
    const locals: number[] = [];
    for (let i = 0; i < data.docCount; i++) if (!keep || keep[i] === 1) locals.push(i);
    return locals;
  });
  const n = kept.reduce((s, k) => s + k.length, 0);
  const ids = concatRuns(inputs, kept, "idBytes", "idStarts");
  const texts = concatRuns(inputs, kept, "textBytes", "textStarts");
  const fields = concatRuns(inputs, kept, "fieldBytes", "fieldStarts");
  const textFlags = new Uint8Array(n);
  let at = 0;
  inputs.forEach(({ data }, s) => {
    for (const i of kept[s]!) textFlags[at++] = data.textFlags[i]!;
  });

  const newNumber = inputs.map(({ data }) => new Int32Array(data.docCount).fill(-1));
  at = 0;
  inputs.forEach((_, s) => {
    for (const i of kept[s]!) newNumber[s]![i] = at++;
  });
  const termCounts = new Uint32Array(n);
  inputs.forEach(({ data }, s) => {
    for (const i of kept[s]!) termCounts[newNumber[s]![i]!] = data.termCounts[i]!;
  });
  const { tokens, postingStarts, postingDocs, postingWeights } = mergePostings(inputs, newNumber);

  const denseRowOf = new Int32Array(n).fill(-1);
  let rows = 0;
  inputs.forEach(({ data }, s) => {
    for (const i of kept[s]!) if (data.denseRowOf[i]! >= 0) rows++;
  });
  const dimension = rows === 0 ? 0 : inputs.find(({ data }) => data.dimension > 0)!.data.dimension;
  const denseRows = new Float32Array(rows * dimension);
  at = 0;
  let row = 0;
  inputs.forEach(({ data }, s) => {
    for (const i of kept[s]!) {
      const from = data.denseRowOf[i]!;
      if (from >= 0) {
        denseRows.set(data.denseRows.subarray(from * dimension, (from + 1) * dimension), row * dimension);
        denseRowOf[at] = row++;
      }
      at++;
    }
  });

  const orderIds = mergeIdOrder(inputs, newNumber, ids);

  return {
    docCount: n,
    idBytes: ids.bytes,
    idStarts: ids.starts,
    idOrder: orderIds,
    textFlags,
    textBytes: texts.bytes,
    textStarts: texts.starts,
    fieldBytes: fields.bytes,
    fieldStarts: fields.starts,
    tokens,
    postingStarts,
    postingDocs,
    postingWeights,
    termCounts,
    ...mergeColumns(inputs, newNumber),
    dimension,
    denseRowOf,
    denseRows,
  };
}

/**
 * Postings of the merged segment, term by term from the inputs' postings: each input's list for
 * the token, its documents renumbered (dropped ones skipped), in input order — so documents stay
 * ascending. Tokens left without postings are dropped from the vocabulary.
 */
function mergePostings(inputs: readonly MergeInput[], newNumber: Int32Array[]) {
  const union = [...new Set(inputs.flatMap(({ data }) => data.tokens))].sort(compareStrings);
  // Per input, a cursor over its (sorted) tokens as the union is walked in order.
  const cursor = new Uint32Array(inputs.length);
  const counts = new Uint32Array(union.length);
  const sources: Int32Array[] = inputs.map(() => new Int32Array(union.length).fill(-1));
  union.forEach((token, u) => {
    inputs.forEach(({ data }, s) => {
      const t = cursor[s]!;
      if (t < data.tokens.length && data.tokens[t] === token) {
        sources[s]![u] = t;
        cursor[s] = t + 1;
        const map = newNumber[s]!;
        for (let p = data.postingStarts[t]!; p < data.postingStarts[t + 1]!; p++) if (map[data.postingDocs[p]!]! >= 0) counts[u]!++;
      }
    });
  });
  const tokens: string[] = [];
  const starts: number[] = [0];
  let total = 0;
  union.forEach((token, u) => {
    if (counts[u] === 0) return;
    tokens.push(token);
    total += counts[u]!;
    starts.push(total);
  });
  const postingDocs = new Uint32Array(total);
  const postingWeights = new Float32Array(total);
  let p = 0;
  union.forEach((_, u) => {
    if (counts[u] === 0) return;
    inputs.forEach(({ data }, s) => {
      const t = sources[s]![u]!;
      if (t < 0) return;
      const map = newNumber[s]!;
      for (let q = data.postingStarts[t]!; q < data.postingStarts[t + 1]!; q++) {
        const doc = map[data.postingDocs[q]!]!;
        if (doc < 0) continue;
        postingDocs[p] = doc;
        postingWeights[p] = data.postingWeights[q]!;
        p++;
      }
    });
  });
  return { tokens, postingStarts: Uint32Array.from(starts), postingDocs, postingWeights };
}

/** The kept documents' runs of one stored attribute, concatenated. */
function concatRuns(inputs: readonly MergeInput[], kept: number[][], bytesKey: "idBytes" | "textBytes" | "fieldBytes", startsKey: "idStarts" | "textStarts" | "fieldStarts") {
  const n = kept.reduce((s, k) => s + k.length, 0);
  const starts = new Uint32Array(n + 1);
  let at = 0;
  inputs.forEach(({ data }, s) => {
    for (const i of kept[s]!) {
      starts[at + 1] = starts[at]! + data[startsKey][i + 1]! - data[startsKey][i]!;
      at++;
    }
  });
  const bytes = new Uint8Array(starts[n]!);
  at = 0;
  inputs.forEach(({ data }, s) => {
    const from = data[bytesKey];
    const fromStarts = data[startsKey];
    for (const i of kept[s]!) {
      bytes.set(from.subarray(fromStarts[i], fromStarts[i + 1]), starts[at]);
      at++;
    }
  });
  return { bytes, starts };
}

/** The merged id order: each input's order, kept documents only, merged by id. */
function mergeIdOrder(inputs: readonly MergeInput[], newNumber: Int32Array[], ids: { bytes: Uint8Array; starts: Uint32Array }): Uint32Array {
  const decoder = new TextDecoder();
  const strings = Array.from({ length: ids.starts.length - 1 }, (_, doc) => decoder.decode(ids.bytes.subarray(ids.starts[doc], ids.starts[doc + 1])));
  let merged: number[] = [];
  inputs.forEach(({ data }, s) => {
    const ordered: number[] = [];
    for (let r = 0; r < data.docCount; r++) {
      const doc = newNumber[s]![data.idOrder[r]!]!;
      if (doc >= 0) ordered.push(doc);
    }
    merged = mergeSorted(merged, ordered, (a, b) => compareStrings(strings[a]!, strings[b]!));
  });
  return Uint32Array.from(merged);
}

function mergeSorted(a: number[], b: number[], compare: (x: number, y: number) => number): number[] {
  if (a.length === 0) return b;
  if (b.length === 0) return a;
  const out = new Array<number>(a.length + b.length);
  let i = 0;
  let j = 0;
  let o = 0;
  while (i < a.length && j < b.length) out[o++] = compare(a[i]!, b[j]!) <= 0 ? a[i++]! : b[j++]!;
  while (i < a.length) out[o++] = a[i++]!;
  while (j < b.length) out[o++] = b[j++]!;
  return out;
}

/** Columns of the merged segment: the union of values per column, each value's documents renumbered. */
function mergeColumns(inputs: readonly MergeInput[], newNumber: Int32Array[]): Pick<SegmentData, "columns" | "columnStarts" | "columnDocs"> {
  const byColumn = new Map<string, { field: string; kind: ColumnValues["kind"]; docs: Map<FieldScalar, number[]> }>();
  inputs.forEach(({ data }, s) => {
    let v = 0;
    for (const column of data.columns) {
      const key = `${column.kind}:${column.field}`;
      let merged = byColumn.get(key);
      if (!merged) byColumn.set(key, (merged = { field: column.field, kind: column.kind, docs: new Map() }));
      for (const value of column.values) {
        let list = merged.docs.get(value);
        for (let p = data.columnStarts[v]!; p < data.columnStarts[v + 1]!; p++) {
          const doc = newNumber[s]![data.columnDocs[p]!]!;
          if (doc < 0) continue;
          if (!list) merged.docs.set(value, (list = []));
          list.push(doc);
        }
        v++;
      }
    }
  });
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
