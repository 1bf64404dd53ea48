import type { ValidDocument } from "../engine/validate-document.js";
import type { FieldScalar } from "../types.js";
import type { ColumnValues, SegmentData } from "./segment-codec.js";

const encoder = new TextEncoder();

/** UTF-16 code-unit order, the order of document ids and tokens everywhere. */
export const compareStrings = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

/** Ascending order of filter values of one type (false before true). */
export function compareValues(a: FieldScalar, b: FieldScalar): number {
  if (typeof a === "number") return a - (b as number);
  if (typeof a === "boolean") return Number(a) - Number(b);
  return compareStrings(a, b as string);
}

/** UTF-8 runs of `strings`, concatenated, with the offset of each. */
export function utf8Runs(strings: readonly string[]): { bytes: Uint8Array; starts: Uint32Array } {
  const parts = strings.map((s) => encoder.encode(s));
  const starts = new Uint32Array(parts.length + 1);
  for (let i = 0; i < parts.length; i++) starts[i + 1] = starts[i]! + parts[i]!.length;
  const bytes = new Uint8Array(starts[parts.length]!);
  parts.forEach((p, i) => bytes.set(p, starts[i]));
  return { bytes, starts };
}

/** Local numbers ordered by id, for lookups by binary search. */
export function idOrder(ids: readonly string[]): Uint32Array {
  return Uint32Array.from(ids.map((_, i) => i).sort((a, b) => compareStrings(ids[a]!, ids[b]!)));
}

/**
 * The segment holding `docs` (validated: ids unique, sparse weights float32 and positive),
 * numbered in the order given; a document's terms sorted by token.
 * @internal
 */
export function buildSegment(docs: readonly ValidDocument[]): SegmentData {
  const n = docs.length;
  const ids = utf8Runs(docs.map((d) => d.id));
  const textFlags = Uint8Array.from(docs, (d) => (d.text === undefined ? 0 : 1));
  const texts = utf8Runs(docs.map((d) => d.text ?? ""));
  const fields = utf8Runs(docs.map((d) => (d.fields === undefined ? "" : JSON.stringify(d.fields))));

  const { tokens, forwardStarts, forwardTerms, forwardWeights } = forwardIndex(docs);
  const postingStarts = new Uint32Array(tokens.length + 1);
  for (let p = 0; p < forwardTerms.length; p++) postingStarts[forwardTerms[p]! + 1]!++;
  for (let t = 0; t < tokens.length; t++) postingStarts[t + 1]! += postingStarts[t]!;
  const { postingDocs, postingWeights } = invert(forwardStarts, forwardTerms, forwardWeights, postingStarts);
  const termCounts = new Uint32Array(n);
  for (let i = 0; i < n; i++) termCounts[i] = forwardStarts[i + 1]! - forwardStarts[i]!;

  const denseRowOf = new Int32Array(n).fill(-1);
  const withDense = docs.filter((d) => d.dense);
  const dimension = withDense[0]?.dense?.length ?? 0;
  const denseRows = new Float32Array(withDense.length * dimension);
  let row = 0;
  docs.forEach((d, i) => {
    if (!d.dense) return;
    denseRowOf[i] = row;
    denseRows.set(d.dense, row * dimension);
    row++;
  });

  const { columns, columnStarts, columnDocs } = buildColumns(docs);
  return {
    docCount: n,
    idBytes: ids.bytes,
    idStarts: ids.starts,
    idOrder: idOrder(docs.map((d) => d.id)),
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
    columns,
    columnStarts,
    columnDocs,
    dimension,
    denseRowOf,
    denseRows,
  };
}

/**
 * The (unsorted) forward index of `docs` over their sorted vocabulary, from which the postings
 * are inverted: one pass numbers tokens as first seen, then the numbers become ranks. Typed
 * arrays throughout, nothing allocated per token but the vocabulary's entries. Validated weights
 * are float32 and positive.
 */
function forwardIndex(docs: readonly ValidDocument[]) {
  const n = docs.length;
  const seen = new Map<string, number>();
  const firstSeen: string[] = [];
  const forwardStarts = new Uint32Array(n + 1);
  let nnz = 0;
  for (let i = 0; i < n; i++) {
    nnz += docs[i]!.sparse?.tokens.length ?? 0;
    forwardStarts[i + 1] = nnz;
  }
  const forwardTerms = new Uint32Array(nnz);
  const forwardWeights = new Float32Array(nnz);
  let p = 0;
  for (let i = 0; i < n; i++) {
    const sparse = docs[i]!.sparse;
    if (!sparse) continue;
    const { tokens, weights } = sparse;
    for (let j = 0; j < tokens.length; j++) {
      const token = tokens[j]!;
      let term = seen.get(token);
      if (term === undefined) {
        term = firstSeen.length;
        seen.set(token, term);
        firstSeen.push(token);
      }
      forwardTerms[p] = term;
      forwardWeights[p] = weights[j]!;
      p++;
    }
  }
  const byToken = Uint32Array.from(firstSeen.keys()).sort((a, b) => compareStrings(firstSeen[a]!, firstSeen[b]!));
  const tokens = Array.from(byToken, (t) => firstSeen[t]!);
  const rank = new Uint32Array(firstSeen.length);
  byToken.forEach((t, r) => (rank[t] = r));
  for (let q = 0; q < nnz; q++) forwardTerms[q] = rank[forwardTerms[q]!]!;
  return { tokens, forwardStarts, forwardTerms, forwardWeights };
}

/** Postings from a forward index: each term's documents ascending (documents are visited in order). */
function invert(forwardStarts: Uint32Array, forwardTerms: Uint32Array, forwardWeights: Float32Array, postingStarts: Uint32Array): { postingDocs: Uint32Array; postingWeights: Float32Array } {
  const nnz = forwardTerms.length;
  const postingDocs = new Uint32Array(nnz);
  const postingWeights = new Float32Array(nnz);
  const fill = postingStarts.slice(0, postingStarts.length - 1);
  const n = forwardStarts.length - 1;
  for (let doc = 0; doc < n; doc++) {
    for (let p = forwardStarts[doc]!; p < forwardStarts[doc + 1]!; p++) {
      const at = fill[forwardTerms[p]!]!++;
      postingDocs[at] = doc;
      postingWeights[at] = forwardWeights[p]!;
    }
  }
  return { postingDocs, postingWeights };
}

/** Filter columns: per field and value type, the sorted distinct values and each one's documents. */
function buildColumns(docs: readonly ValidDocument[]): Pick<SegmentData, "columns" | "columnStarts" | "columnDocs"> {
  const byColumn = new Map<string, { field: string; kind: ColumnValues["kind"]; docs: Map<FieldScalar, number[]> }>();
  docs.forEach((d, i) => {
    for (const [field, value] of Object.entries(d.fields ?? {})) {
      const values: FieldScalar[] = Array.isArray(value) ? value : [value];
      for (const v of values) {
        const kind = typeof v as ColumnValues["kind"];
        const key = `${kind}:${field}`;
        let column = byColumn.get(key);
        if (!column) byColumn.set(key, (column = { field, kind, docs: new Map() }));
        // -0 and 0 are one value, as the filter compares them.
        const value = v === 0 ? 0 : v;
        const list = column.docs.get(value);
        if (!list) column.docs.set(value, [i]);
        else if (list[list.length - 1] !== i) list.push(i);
      }
    }
  });
  const keys = [...byColumn.keys()].sort(compareStrings);
  const columns: ColumnValues[] = [];
  const starts: number[] = [0];
  const all: number[] = [];
  for (const key of keys) {
    const column = byColumn.get(key)!;
    const values = [...column.docs.keys()].sort(compareValues);
    columns.push({ field: column.field, kind: column.kind, values });
    for (const v of values) {
      for (const doc of column.docs.get(v)!) all.push(doc);
      starts.push(all.length);
    }
  }
  return { columns, columnStarts: Uint32Array.from(starts), columnDocs: Uint32Array.from(all) };
}
