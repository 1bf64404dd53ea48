/**
 * A sparse query resolved against a vocabulary: known token ids in ascending order with their
 * float32 weights. Ascending order fixes the summation order, so every path that scores a
 * document (postings or forward index) produces bit-identical sums. @internal
 */
export interface SparseQuery {
  termIds: Uint32Array;
  weights: Float32Array;
}
