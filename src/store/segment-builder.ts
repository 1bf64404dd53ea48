import type { ValidDocument } from "../valid-document.js";
import { buildColumnPart } from "../filter/column-part.js";
import { buildDensePart } from "../legs/dense/dense-part.js";
import { buildSparsePart } from "../legs/sparse/sparse-part.js";
import type { SegmentData } from "./segment-codec.js";
import { buildStoredPart } from "./stored-part.js";

/** The segment holding `docs` (validated), numbered in the order given. @internal */
export function buildSegment(docs: readonly ValidDocument[]): SegmentData {
  return {
    docCount: docs.length,
    stored: buildStoredPart(docs),
    columns: buildColumnPart(docs.map((d) => d.fields)),
    sparse: buildSparsePart(docs.map((d) => d.sparse)),
    dense: buildDensePart(docs.map((d) => d.dense)),
  };
}
