/**
 * A sparse query resolved against a vocabulary: known token ids with their float32 weights, in
 * the order of the tokens' strings. That order fixes the summation order from the content alone
 * (token ids follow the order tokens were first written), so every path that scores a document
 * (postings or forward index), in any index holding it, produces bit-identical sums. @internal
 */
export interface SparseQuery {
  termIds: Uint32Array;
  weights: Float32Array;
}
