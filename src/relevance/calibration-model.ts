import type { CalibrationModelJson } from "../types.js";
import { describeValue } from "../describe-value.js";
import { InvalidModelError } from "../errors.js";
import { isPlainObject } from "../is-plain-object.js";
import { CALIBRATION_FEATURES, featureIndex } from "./calibration-features.js";
import { sigmoid } from "./logistic-regression.js";

/** The `format` of a calibration model file. */
export const CALIBRATION_FORMAT = "tandem-calibration";
/** The model file version this build reads and writes. */
export const CALIBRATION_VERSION = 1;
/** Name of the index attachment holding the index's default model. */
export const CALIBRATION_ATTACHMENT = "calibration";

export type { CalibrationModelJson } from "../types.js";

/**
 * Maps each fused hit to P(relevant) by logistic regression on calibration features: the hit's
 * raw leg scores placed in the query's own score distribution (top score, spread, gaps, z-score),
 * leg ranks and agreement, and the query's size. Fitted by `tandem calibrate` (or
 * `fitCalibration`), read with {@link CalibrationModel.parse}, used through the `calibration`
 * query option; `relevance.minProbability` then keeps hits with at least that probability.
 */
export class CalibrationModel {
  /** Column of every feature in a full calibration feature row. */
  private readonly columns: Int32Array;
  private readonly factors: Float64Array;
  private readonly offset: number;

  private constructor(private readonly json: CalibrationModelJson) {
    const d = json.features.length;
    this.columns = Int32Array.from(json.features, (f) => featureIndex(f));
    // Folds standardization into the weights: w·(x − μ)/σ = (w/σ)·x − w·μ/σ.
    this.factors = new Float64Array(d);
    let offset = json.intercept;
    for (let j = 0; j < d; j++) {
      this.factors[j] = json.weights[j]! / json.scale[j]!;
      offset -= this.factors[j]! * json.mean[j]!;
    }
    this.offset = offset;
  }

  /**
   * Reads a model from its JSON text. `source` (a file name, or e.g. `index attachment
   * "calibration"`) starts every error message.
   *
   * @throws {@link InvalidModelError} naming the source and the field that is wrong.
   */
  static parse(text: string, source: string): CalibrationModel {
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch (err) {
      throw new InvalidModelError(`${source}: not a calibration model: not valid JSON (${(err as Error).message})`);
    }
    return CalibrationModel.from(value, source);
  }

  /**
   * A model from its parsed JSON (or a model, returned as is).
   *
   * @throws {@link InvalidModelError} naming the source and the field that is wrong.
   */
  static from(value: unknown, source: string): CalibrationModel {
    if (value instanceof CalibrationModel) return value;
    const fail = (field: string, problem: string): never => {
      throw new InvalidModelError(`${source}: field "${field}": ${problem}`);
    };
    if (!isPlainObject(value)) throw new InvalidModelError(`${source}: not a calibration model: expected a JSON object, got ${describeValue(value)}`);
    const v = value;
    if (v.format !== CALIBRATION_FORMAT) fail("format", `expected "${CALIBRATION_FORMAT}", got ${describeValue(v.format)}`);
    if (v.version !== CALIBRATION_VERSION) {
      fail("version", `this build reads version ${CALIBRATION_VERSION}, got ${describeValue(v.version)}`);
    }
    if (!Array.isArray(v.features)) fail("features", `expected an array of feature names, got ${describeValue(v.features)}`);
    const features = v.features as unknown[];
    const seen = new Set<string>();
    features.forEach((f, j) => {
      if (typeof f !== "string" || featureIndex(f) < 0) fail(`features[${j}]`, `unknown feature ${describeValue(f)} (known: ${CALIBRATION_FEATURES.join(", ")})`);
      if (seen.has(f as string)) fail(`features[${j}]`, `feature "${f as string}" is listed twice`);
      seen.add(f as string);
    });
    const numbers = (field: "mean" | "scale" | "weights", positive: boolean): number[] => {
      const list = v[field];
      if (!Array.isArray(list)) fail(field, `expected an array of ${features.length} numbers, got ${describeValue(list)}`);
      const values = list as unknown[];
      if (values.length !== features.length) fail(field, `has ${values.length} values for ${features.length} features`);
      values.forEach((x, j) => {
        if (typeof x !== "number" || !Number.isFinite(x)) fail(`${field}[${j}]`, `expected a finite number, got ${describeValue(x)}`);
        if (positive && !((x as number) > 0)) fail(`${field}[${j}]`, `expected a number > 0, got ${describeValue(x)}`);
      });
      return values as number[];
    };
    const mean = numbers("mean", false);
    const scale = numbers("scale", true);
    const weights = numbers("weights", false);
    if (typeof v.intercept !== "number" || !Number.isFinite(v.intercept)) fail("intercept", `expected a finite number, got ${describeValue(v.intercept)}`);
    if (v.threshold !== undefined && !(typeof v.threshold === "number" && v.threshold >= 0 && v.threshold <= 1)) {
      fail("threshold", `expected a probability from 0 to 1, got ${describeValue(v.threshold)}`);
    }
    if (v.training !== undefined && !isPlainObject(v.training)) fail("training", `expected an object, got ${describeValue(v.training)}`);
    return new CalibrationModel({
      format: CALIBRATION_FORMAT,
      version: CALIBRATION_VERSION,
      features: [...(features as string[])],
      mean: [...mean],
      scale: [...scale],
      weights: [...weights],
      intercept: v.intercept as number,
      ...(v.threshold === undefined ? {} : { threshold: v.threshold as number }),
      ...(v.training === undefined ? {} : { training: structuredClone(v.training as Record<string, unknown>) }),
    });
  }

  /** The probability threshold chosen on the training queries, when the model records one. */
  get threshold(): number | undefined {
    return this.json.threshold;
  }

  /** The feature names the model uses. */
  get features(): readonly string[] {
    return this.json.features;
  }

  /**
   * P(relevant) per row of full calibration feature rows (`n` rows of every calibration
   * feature, as the pipeline computes them).
   *
   * @internal
   */
  probabilities(rows: Float64Array, n: number): Float64Array {
    const d = CALIBRATION_FEATURES.length;
    const out = new Float64Array(n);
    const columns = this.columns;
    const factors = this.factors;
    for (let i = 0; i < n; i++) {
      let z = this.offset;
      const base = i * d;
      for (let j = 0; j < columns.length; j++) z += factors[j]! * rows[base + columns[j]!]!;
      out[i] = sigmoid(z);
    }
    return out;
  }

  /** The model as its JSON file holds it (a copy). */
  toJSON(): CalibrationModelJson {
    return structuredClone(this.json);
  }
}
