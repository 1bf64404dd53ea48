import { compareStrings } from "../compare.js";
import type { ValidDocument } from "../valid-document.js";
import { checkRuns, type Corrupt, type SectionList } from "../typed-arrays.js";

/**
 * A segment's stored documents: ids, texts and fields as UTF-8 runs (`…Starts[i]…Starts[i+1]`
 * is document i's run; fields as JSON, empty for none), decoded only when a document is read,
 * and `idOrder`, the local numbers by id (UTF-16 code-unit order) for lookups by binary search.
 * @internal
 */
export interface StoredPart {
  idBytes: Uint8Array;
  idStarts: Uint32Array;
  idOrder: Uint32Array;
  /** 1 where the document has a text (an empty text is a text). */
  textFlags: Uint8Array;
  textBytes: Uint8Array;
  textStarts: Uint32Array;
  fieldBytes: Uint8Array;
  fieldStarts: Uint32Array;
}

export const STORED_SECTIONS: SectionList<keyof StoredPart> = [
  ["idStarts", "u32"],
  ["idOrder", "u32"],
  ["textStarts", "u32"],
  ["fieldStarts", "u32"],
  ["idBytes", "u8"],
  ["textFlags", "u8"],
  ["textBytes", "u8"],
  ["fieldBytes", "u8"],
];

const encoder = new TextEncoder();
// ignoreBOM: a stored string that starts with U+FEFF (an id, a text) must come back with it; the
// default decoder drops it, so the id would no longer be found, deleted or told apart from another.
const decoder = new TextDecoder("utf-8", { ignoreBOM: true });

/** UTF-8 runs of `strings`, concatenated, with the offset of each. */
function utf8Runs(strings: readonly string[]): { bytes: Uint8Array; starts: Uint32Array } {
  const parts = strings.map((s) => encoder.encode(s));
  const starts = new Uint32Array(parts.length + 1);
  for (let i = 0; i < parts.length; i++) starts[i + 1] = starts[i]! + parts[i]!.length;
  const bytes = new Uint8Array(starts[parts.length]!);
  parts.forEach((p, i) => bytes.set(p, starts[i]));
  return { bytes, starts };
}

/** Local numbers ordered by id (stable: equal ids keep their order). */
function idOrder(ids: readonly string[]): Uint32Array {
  return Uint32Array.from(ids.map((_, i) => i).sort((a, b) => compareStrings(ids[a]!, ids[b]!)));
}

export function buildStoredPart(docs: readonly ValidDocument[]): StoredPart {
  const ids = utf8Runs(docs.map((d) => d.id));
  const texts = utf8Runs(docs.map((d) => d.text ?? ""));
  const fields = utf8Runs(docs.map((d) => (d.fields === undefined ? "" : JSON.stringify(d.fields))));
  return {
    idBytes: ids.bytes,
    idStarts: ids.starts,
    idOrder: idOrder(docs.map((d) => d.id)),
    textFlags: Uint8Array.from(docs, (d) => (d.text === undefined ? 0 : 1)),
    textBytes: texts.bytes,
    textStarts: texts.starts,
    fieldBytes: fields.bytes,
    fieldStarts: fields.starts,
  };
}

/** The kept documents' stored parts, concatenated; `kept[s]` lists input s's kept local numbers, `newNumber[s]` renumbers them. */
export function mergeStoredParts(inputs: readonly StoredPart[], kept: readonly number[][], newNumber: readonly Int32Array[]): StoredPart {
  const runs = (bytesKey: "idBytes" | "textBytes" | "fieldBytes", startsKey: "idStarts" | "textStarts" | "fieldStarts") => {
    const n = kept.reduce((s, k) => s + k.length, 0);
    const starts = new Uint32Array(n + 1);
    let at = 0;
    inputs.forEach((part, s) => {
      for (const i of kept[s]!) {
        starts[at + 1] = starts[at]! + part[startsKey][i + 1]! - part[startsKey][i]!;
        at++;
      }
    });
    const bytes = new Uint8Array(starts[n]!);
    at = 0;
    inputs.forEach((part, s) => {
      for (const i of kept[s]!) bytes.set(part[bytesKey].subarray(part[startsKey][i], part[startsKey][i + 1]), starts[at++]);
    });
    return { bytes, starts };
  };
  const ids = runs("idBytes", "idStarts");
  const texts = runs("textBytes", "textStarts");
  const fields = runs("fieldBytes", "fieldStarts");
  const textFlags = Uint8Array.from(kept.flatMap((locals, s) => locals.map((i) => inputs[s]!.textFlags[i]!)));
  // The id order: each input's order of its kept documents, merged by id (earlier inputs first on ties).
  const strings = Array.from({ length: ids.starts.length - 1 }, (_, doc) => decoder.decode(ids.bytes.subarray(ids.starts[doc], ids.starts[doc + 1])));
  let order: number[] = [];
  inputs.forEach((part, s) => {
    const ordered: number[] = [];
    for (const local of part.idOrder) {
      const doc = newNumber[s]![local]!;
      if (doc >= 0) ordered.push(doc);
    }
    order = mergeSorted(order, ordered, (a, b) => compareStrings(strings[a]!, strings[b]!));
  });
  return {
    idBytes: ids.bytes,
    idStarts: ids.starts,
    idOrder: Uint32Array.from(order),
    textFlags,
    textBytes: texts.bytes,
    textStarts: texts.starts,
    fieldBytes: fields.bytes,
    fieldStarts: fields.starts,
  };
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

export function checkStoredPart(p: StoredPart, docCount: number, corrupt: Corrupt): void {
  checkRuns(p.idStarts, docCount, p.idBytes.length, "id", corrupt);
  checkRuns(p.textStarts, docCount, p.textBytes.length, "text", corrupt);
  checkRuns(p.fieldStarts, docCount, p.fieldBytes.length, "fields", corrupt);
  if (p.idOrder.length !== docCount || p.textFlags.length !== docCount) corrupt("per-document arrays do not match the document count");
  for (let i = 0; i < docCount; i++) if (p.idOrder[i]! >= docCount) corrupt("the id order names a document beyond the segment");
}
