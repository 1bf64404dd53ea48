/**
 * A document's sparse vector as stored: tokens and their float32 weights (all positive), in the
 * order the caller's object listed them. Arrays rather than a record: a SPLADE document has over
 * a hundred tokens, and a record that large is slow to build and to walk again. @internal
 */
export interface SparseEntries {
  tokens: string[];
  weights: Float32Array;
}
