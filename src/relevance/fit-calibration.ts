import { CALIBRATION_FEATURES } from "./calibration-features.js";
import { CALIBRATION_FORMAT, CALIBRATION_VERSION, CalibrationModel } from "./calibration-model.js";
import { fitLogisticRegression } from "./logistic-regression.js";

/** Labelled hits: full calibration feature rows (row-major) and 1 for relevant, 0 otherwise. */
export interface CalibrationExamples {
  rows: Float64Array;
  labels: Uint8Array;
  count: number;
}

/** Options of {@link fitCalibrationModel}. */
export interface FitCalibrationOptions {
  /** Ridge penalty on the standardized weights. Default 1 (negligible beside thousands of hits). */
  l2?: number;
  /** Threshold to record in the model. */
  threshold?: number;
  /** What to record about the fit. */
  training?: Record<string, unknown>;
}

/**
 * Fits a calibration model by logistic regression on standardized features. Features constant
 * over the examples (e.g. those of a leg that never ran) carry no information and are left out
 * of the model.
 */
export function fitCalibrationModel(examples: CalibrationExamples, options: FitCalibrationOptions = {}): CalibrationModel {
  const d = CALIBRATION_FEATURES.length;
  const n = examples.count;
  const mean = new Float64Array(d);
  const scale = new Float64Array(d);
  for (let i = 0; i < n; i++) for (let j = 0; j < d; j++) mean[j]! += examples.rows[i * d + j]!;
  for (let j = 0; j < d; j++) mean[j]! /= Math.max(1, n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < d; j++) {
      const c = examples.rows[i * d + j]! - mean[j]!;
      scale[j]! += c * c;
    }
  }
  const used: number[] = [];
  for (let j = 0; j < d; j++) {
    scale[j] = Math.sqrt(scale[j]! / Math.max(1, n));
    if (scale[j]! > 1e-12 * Math.max(1, Math.abs(mean[j]!))) used.push(j);
  }
  const m = used.length;
  const x = new Float64Array(n * m);
  for (let i = 0; i < n; i++) for (let k = 0; k < m; k++) x[i * m + k] = (examples.rows[i * d + used[k]!]! - mean[used[k]!]!) / scale[used[k]!]!;
  const fit = fitLogisticRegression(x, examples.labels, n, m, { l2: options.l2 ?? 1 });
  return CalibrationModel.from(
    {
      format: CALIBRATION_FORMAT,
      version: CALIBRATION_VERSION,
      features: used.map((j) => CALIBRATION_FEATURES[j]!),
      mean: used.map((j) => mean[j]!),
      scale: used.map((j) => scale[j]!),
      weights: Array.from(fit.weights),
      intercept: fit.intercept,
      ...(options.threshold === undefined ? {} : { threshold: options.threshold }),
      training: { ...options.training, hits: n, iterations: fit.iterations, converged: fit.converged },
    },
    "fitted model",
  );
}
