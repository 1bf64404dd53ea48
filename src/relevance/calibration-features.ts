import type { LegName, SparseVector } from "../types.js";

/**
 * The features a calibration model sees, per hit: raw leg scores placed within the query's own
 * score distribution (after the Cosine Adapter of "Relevance Filtering for Embedding-based
 * Retrieval", which maps a raw similarity through a query-dependent function), leg ranks and
 * agreement, and the query's size. Statistics are taken over the statistics window (the best
 * `candidates` hits of the fused ranking), so a model fitted on what `search` returns for
 * k = candidates sees exactly what the pipeline computes. Names are stable: a model file lists
 * the ones it uses.
 */
export const CALIBRATION_FEATURES = [
  "query.sparseNorm",
  "query.sparseTokens",
  "query.textWords",
  "fused.logPosition",
  "legs.agreement",
  ...(["sparse", "dense"] as const).flatMap((leg) =>
    ["ran", "score", "missing", "top", "gap", "ratio", "z", "topZ", "spread", "topGap", "logRank", "retrieved"].map((f) => `${leg}.${f}`),
  ),
  "text.ran",
  "text.discount",
] as const;

/** One of {@link CALIBRATION_FEATURES}. */
export type CalibrationFeature = (typeof CALIBRATION_FEATURES)[number];

const FEATURE_INDEX = new Map<string, number>(CALIBRATION_FEATURES.map((f, i) => [f, i]));

/** Position of a feature in a row of {@link calibrationFeatures}, or -1 for an unknown name. @internal */
export function featureIndex(name: string): number {
  return FEATURE_INDEX.get(name) ?? -1;
}

/**
 * A query's fused hits as calibration sees them, in fused order (best first). Per leg that ran,
 * the raw score (NaN where the hit has none) and the 1-based rank where the leg retrieved it
 * (0 where it did not: not retrieved, or completed). @internal
 */
export interface CalibrationInput {
  sparse?: SparseVector;
  text?: string;
  legs: readonly LegName[];
  /** Hits, in fused order. */
  count: number;
  /** The first `window` hits form the statistics window. */
  window: number;
  scores: Partial<Record<LegName, Float64Array>>;
  ranks: Partial<Record<LegName, Int32Array>>;
}

/**
 * Feature rows for every hit, row-major (`count` rows of {@link CALIBRATION_FEATURES}.length),
 * written to the start of `into` when given (at least that long: a view of a search's arena).
 *
 * @internal
 */
export function calibrationFeatures(input: CalibrationInput, into?: Float64Array): Float64Array {
  const d = CALIBRATION_FEATURES.length;
  const n = input.count;
  const out = into ? into.fill(0, 0, n * d) : new Float64Array(n * d);
  const window = Math.min(input.window, n);
  let sparseNorm = 0;
  let sparseTokens = 0;
  for (const raw of Object.values(input.sparse ?? {})) {
    // As stored and scored (float32), so a query's features are the same before and after validation.
    const w = Math.fround(raw);
    if (w !== 0) {
      sparseNorm += w * w;
      sparseTokens++;
    }
  }
  const words = input.text === undefined ? 0 : input.text.split(/\s+/).filter((w) => w !== "").length;
  const q = [Math.sqrt(sparseNorm), Math.log1p(sparseTokens), Math.log1p(words)];
  const ran = input.legs.length;
  const legRanks: Int32Array[] = [];
  for (const leg of input.legs) {
    const r = input.ranks[leg];
    if (r) legRanks.push(r);
  }
  const [q0, q1, q2] = q as [number, number, number];
  for (let i = 0; i < n; i++) {
    const row = i * d;
    out[row] = q0;
    out[row + 1] = q1;
    out[row + 2] = q2;
    out[row + 3] = Math.log1p(i + 1);
    let agree = 0;
    for (let l = 0; l < legRanks.length; l++) if (legRanks[l]![i]! > 0) agree++;
    out[row + 4] = ran === 0 ? 0 : agree / ran;
  }
  let column = 5;
  for (const leg of ["sparse", "dense"] as const) {
    const scores = input.scores[leg];
    const ranks = input.ranks[leg];
    if (input.legs.includes(leg) && scores && ranks) scoreLegFeatures(out, column, d, n, window, scores, ranks);
    column += 12;
  }
  const ranks = input.ranks.text;
  if (input.legs.includes("text") && ranks) {
    for (let i = 0; i < n; i++) {
      out[i * d + column] = 1;
      const r = ranks[i]!;
      out[i * d + column + 1] = r > 0 ? 1 / Math.log2(1 + r) : 0;
    }
  }
  return out;
}

/** The twelve features of a score-based leg, from `column` on (see CALIBRATION_FEATURES). */
function scoreLegFeatures(out: Float64Array, column: number, d: number, n: number, window: number, scores: Float64Array, ranks: Int32Array): void {
  let count = 0;
  let sum = 0;
  let top = -Infinity;
  let second = -Infinity;
  let lowest = Infinity;
  for (let i = 0; i < window; i++) {
    const s = scores[i]!;
    if (Number.isNaN(s)) continue;
    count++;
    sum += s;
    if (s > top) {
      second = top;
      top = s;
    } else if (s > second) second = s;
    if (s < lowest) lowest = s;
  }
  if (count === 0) {
    top = second = lowest = 0;
  } else if (count === 1) second = top;
  const mean = count === 0 ? 0 : sum / count;
  let squares = 0;
  for (let i = 0; i < window; i++) {
    const s = scores[i]!;
    if (!Number.isNaN(s)) squares += (s - mean) * (s - mean);
  }
  const spread = count === 0 ? 0 : Math.sqrt(squares / count);
  const topZ = spread > 0 ? (top - mean) / spread : 0;
  const absent = Math.log1p(window + 1);
  for (let i = 0; i < n; i++) {
    const row = i * d + column;
    const raw = scores[i]!;
    const missing = Number.isNaN(raw);
    // A hit without a score in the leg counts as the window's lowest, as fusion's floor does.
    const s = missing ? lowest : raw;
    const r = ranks[i]!;
    out[row] = 1;
    out[row + 1] = s;
    out[row + 2] = missing ? 1 : 0;
    out[row + 3] = top;
    out[row + 4] = top - s;
    out[row + 5] = top > 0 ? s / top : 0;
    out[row + 6] = spread > 0 ? (s - mean) / spread : 0;
    out[row + 7] = topZ;
    out[row + 8] = spread;
    out[row + 9] = top - second;
    out[row + 10] = r > 0 ? Math.log1p(r) : absent;
    out[row + 11] = r > 0 ? 1 : 0;
  }
}
