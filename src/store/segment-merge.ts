import { mergeColumnParts } from "../filter/column-part.js";
import { mergeDenseParts } from "../legs/dense/dense-part.js";
import { mergeSparseParts } from "../legs/sparse/sparse-part.js";
import type { SegmentData } from "./segment-codec.js";
import { mergeStoredParts } from "./stored-part.js";

/** One input of a merge: a segment, and which of its documents to keep (all when absent). @internal */
export interface MergeInput {
  data: SegmentData;
  keep?: Uint8Array;
}

/**
 * One segment holding the kept documents of `inputs`, in input order, each part merged from the
 * inputs' own arrays (stored runs copied, vocabularies, postings and columns merged, documents
 * renumbered) without decoding any document. It equals the segment built from the kept documents.
 * @internal
 */
export function mergeSegments(inputs: readonly MergeInput[]): SegmentData {
  const kept = inputs.map(({ data, keep }) => {
    const locals: number[] = [];
    for (let i = 0; i < data.docCount; i++) if (!keep || keep[i] === 1) locals.push(i);
    return locals;
  });
  const newNumber = inputs.map(({ data }) => new Int32Array(data.docCount).fill(-1));
  let docCount = 0;
  kept.forEach((locals, s) => {
    for (const i of locals) newNumber[s]![i] = docCount++;
  });
  const parts = <K extends "stored" | "columns" | "sparse" | "dense">(key: K) => inputs.map(({ data }) => data[key]);
  return {
    docCount,
    stored: mergeStoredParts(parts("stored"), kept, newNumber),
    columns: mergeColumnParts(parts("columns"), newNumber),
    sparse: mergeSparseParts(parts("sparse"), newNumber, docCount),
    dense: mergeDenseParts(parts("dense"), kept),
  };
}
