/** How well predicted probabilities match observed frequencies. */
export interface CalibrationError {
  /**
   * Expected calibration error: Σ over bins (hits in bin / hits) × |share relevant − mean
   * probability| with `bins` equal-width bins over [0, 1] (a probability of exactly 1 falls in
   * the last bin).
   */
  ece: number;
  /** Brier score: mean of (probability − label)². */
  brier: number;
  /** Hits scored. */
  hits: number;
  /** Share of them that are relevant. */
  relevant: number;
  /** Per bin: its range, hits, mean probability and share relevant (NaN for an empty bin). */
  bins: CalibrationBin[];
}

/** One bin of {@link CalibrationError.bins}. */
export interface CalibrationBin {
  /** Lowest probability of the bin. */
  from: number;
  /** Upper end of the bin (excluded, except 1 in the last bin). */
  to: number;
  /** Hits whose probability falls in the bin. */
  hits: number;
  /** Their mean probability (NaN when the bin is empty). */
  meanProbability: number;
  /** The share of them that is relevant (NaN when the bin is empty). */
  shareRelevant: number;
}

/** ECE (equal-width bins, default 10) and Brier score of probabilities against 0/1 labels. */
export function calibrationError(probabilities: ArrayLike<number>, labels: ArrayLike<number>, bins = 10): CalibrationError {
  const n = probabilities.length;
  const count = new Float64Array(bins);
  const sumP = new Float64Array(bins);
  const sumY = new Float64Array(bins);
  let brier = 0;
  let relevant = 0;
  for (let i = 0; i < n; i++) {
    const p = probabilities[i]!;
    const y = labels[i]! > 0 ? 1 : 0;
    const b = Math.min(bins - 1, Math.floor(p * bins));
    count[b]!++;
    sumP[b]! += p;
    sumY[b]! += y;
    brier += (p - y) * (p - y);
    relevant += y;
  }
  let ece = 0;
  const table: CalibrationBin[] = [];
  for (let b = 0; b < bins; b++) {
    const c = count[b]!;
    if (c > 0) ece += (c / n) * Math.abs(sumY[b]! / c - sumP[b]! / c);
    table.push({ from: b / bins, to: (b + 1) / bins, hits: c, meanProbability: c > 0 ? sumP[b]! / c : NaN, shareRelevant: c > 0 ? sumY[b]! / c : NaN });
  }
  return { ece, brier: n === 0 ? 0 : brier / n, hits: n, relevant: n === 0 ? 0 : relevant / n, bins: table };
}
