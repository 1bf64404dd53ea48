import { describe, expect, it } from "vitest";
import { calibrationError } from "../../src/relevance/calibration-error.js";
import { fitLogisticRegression, sigmoid, solveSymmetric } from "../../src/relevance/logistic-regression.js";
import { seededRandom } from "../helpers/random.js";

describe("logistic regression", () => {
  it("matches the closed-form maximum-likelihood fit of one binary feature", () => {
    // x = 0: 1 of 3 relevant; x = 1: 3 of 4. The MLE is intercept = logit(1/3) = ln(1/2) and
    // weight = logit(3/4) − logit(1/3) = ln 3 + ln 2.
    const x = Float64Array.from([0, 0, 0, 1, 1, 1, 1]);
    const y = Uint8Array.from([1, 0, 0, 1, 1, 1, 0]);
    const fit = fitLogisticRegression(x, y, 7, 1);
    expect(fit.converged).toBe(true);
    expect(fit.intercept).toBeCloseTo(Math.log(0.5), 9);
    expect(fit.weights[0]).toBeCloseTo(Math.log(3) + Math.log(2), 9);
  });

  it("shrinks weights under a ridge penalty exactly as the penalized gradient says", () => {
    const x = Float64Array.from([0, 0, 0, 1, 1, 1, 1]);
    const y = Uint8Array.from([1, 0, 0, 1, 1, 1, 0]);
    const l2 = 2;
    const fit = fitLogisticRegression(x, y, 7, 1, { l2 });
    // At the optimum Σ (y − p) = 0 and Σ x (y − p) = l2 · w.
    let g0 = 0;
    let g1 = 0;
    for (let i = 0; i < 7; i++) {
      const r = y[i]! - sigmoid(fit.intercept + fit.weights[0]! * x[i]!);
      g0 += r;
      g1 += x[i]! * r;
    }
    expect(g0).toBeCloseTo(0, 9);
    expect(g1).toBeCloseTo(l2 * fit.weights[0]!, 9);
    expect(fit.weights[0]!).toBeLessThan(Math.log(6));
  });

  it("recovers known coefficients from seeded samples", () => {
    const rand = seededRandom(7);
    const gauss = () => Math.sqrt(-2 * Math.log(1 - rand())) * Math.cos(2 * Math.PI * rand());
    const truth = { intercept: -1, weights: [1.5, -2, 0.5] };
    const n = 20_000;
    const x = new Float64Array(n * 3);
    const y = new Uint8Array(n);
    for (let i = 0; i < n; i++) {
      let z = truth.intercept;
      for (let j = 0; j < 3; j++) {
        x[i * 3 + j] = gauss();
        z += truth.weights[j]! * x[i * 3 + j]!;
      }
      y[i] = rand() < sigmoid(z) ? 1 : 0;
    }
    const fit = fitLogisticRegression(x, y, n, 3);
    expect(fit.intercept).toBeCloseTo(truth.intercept, 1);
    truth.weights.forEach((w, j) => expect(Math.abs(fit.weights[j]! - w)).toBeLessThan(0.08));
  });

  it("keeps a frozen or all-zero column at weight 0", () => {
    const x = Float64Array.from([0, 5, 0, 1, 0, 2, 0, 7]);
    const y = Uint8Array.from([0, 1, 0, 1]);
    const fit = fitLogisticRegression(x, y, 4, 2, { frozen: [1], l2: 0.1 });
    expect(fit.weights[0]).toBe(0);
    expect(fit.weights[1]).toBe(0);
    expect(fit.intercept).toBeCloseTo(0, 9);
  });

  it("solves a symmetric positive definite system by Cholesky", () => {
    // [[4, 2], [2, 3]] x = [2, 1] → x = [0.5, 0].
    expect(Array.from(solveSymmetric(Float64Array.from([4, 2, 2, 3]), Float64Array.from([2, 1]), 2)).map((v) => +v.toFixed(12))).toEqual([0.5, 0]);
  });

  it("sigmoid does not overflow", () => {
    expect(sigmoid(1000)).toBe(1);
    expect(sigmoid(-1000)).toBe(0);
    expect(sigmoid(0)).toBe(0.5);
  });
});

describe("expected calibration error", () => {
  it("matches hand-computed values", () => {
    // Five hits in five bins: |0 − 0.05|, |1 − 0.15|, |1 − 0.95|, |0 − 0.85|, |1 − 0.5|, each weighing 1/5.
    const r = calibrationError([0.05, 0.15, 0.95, 0.85, 0.5], [0, 1, 1, 0, 1]);
    expect(r.ece).toBeCloseTo(2.3 / 5, 12);
    expect(r.brier).toBeCloseTo((0.0025 + 0.7225 + 0.0025 + 0.7225 + 0.25) / 5, 12);
    expect(r.relevant).toBeCloseTo(0.6, 12);
    // Two hits in one bin: mean probability 0.15, share relevant 0.5.
    expect(calibrationError([0.12, 0.18], [1, 0]).ece).toBeCloseTo(0.35, 12);
    // A probability of exactly 1 falls in the last bin.
    const one = calibrationError([1, 0.95], [1, 1]);
    expect(one.bins[9]!.hits).toBe(2);
    expect(one.ece).toBeCloseTo(0.025, 12);
  });

  it("is 0 for perfectly calibrated bins", () => {
    expect(calibrationError([0.25, 0.25, 0.25, 0.25], [1, 0, 0, 0]).ece).toBeCloseTo(0, 12);
  });
});
