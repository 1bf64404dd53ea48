import type { FieldValue } from "./types.js";

/**
 * A document's sparse vector as stored: tokens and their float32 weights (all positive), in the
 * order the caller's object listed them. Arrays rather than a record: a SPLADE document has over
 * a hundred tokens, and a record that large is slow to build and to walk again. @internal
 */
export interface SparseEntries {
  tokens: string[];
  weights: Float32Array;
}

/**
 * A document after validation (engine/validate-document.ts): zero weights dropped, weights and
 * dense as float32, fields copied. Nothing in it is shared with the caller's objects. @internal
 */
export interface ValidDocument {
  id: string;
  text?: string;
  /** Tokens and weights; `sparseRecord` makes the record. */
  sparse?: SparseEntries;
  dense?: Float32Array;
  fields?: Record<string, FieldValue>;
}
