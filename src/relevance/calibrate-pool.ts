import type { CandidatePool } from "../fusion/candidate-pool.js";
import type { LegName, SparseVector } from "../types.js";
import { TypedArrayArena } from "../typed-array-arena.js";
import { CALIBRATION_FEATURES, calibrationFeatures, type CalibrationInput } from "./calibration-features.js";
import type { CalibrationModel } from "./calibration-model.js";

/**
 * P(relevant) for every candidate of a fused pool, in fused order (`order`: pool positions, best
 * first). The statistics window is the best `candidates` of them — what `search` returns for
 * k = candidates, from which a model is fitted.
 *
 * @internal
 */
export function calibratePool(
  model: CalibrationModel,
  query: { sparse?: SparseVector; text?: string; legs: readonly LegName[]; candidates: number },
  pool: CandidatePool,
  order: readonly number[],
): Float64Array {
  const n = order.length;
  const input: CalibrationInput = { sparse: query.sparse, text: query.text, legs: query.legs, count: n, window: query.candidates, scores: {}, ranks: {} };
  const features = n * CALIBRATION_FEATURES.length;
  const arena = new TypedArrayArena(pool.legs.length * n + features, (pool.legs.length + 1) * n, 0, 2 * pool.legs.length + 2);
  const positions = arena.int32(n);
  for (let k = 0; k < n; k++) positions[k] = order[k]!;
  for (const leg of pool.legs) {
    const scores = arena.float64(n);
    const ranks = arena.int32(n);
    gather(leg.scores, leg.ranks, positions, scores, ranks);
    input.scores[leg.leg] = scores;
    input.ranks[leg.leg] = ranks;
  }
  return model.probabilities(calibrationFeatures(input, arena.float64(features)), n);
}

/** Copies a leg's scores and ranks into fused order. */
function gather(scores: Float64Array, ranks: Int32Array, positions: Int32Array, outScores: Float64Array, outRanks: Int32Array): void {
  for (let k = 0; k < positions.length; k++) {
    const i = positions[k]!;
    outScores[k] = scores[i]!;
    outRanks[k] = ranks[i]!;
  }
}
