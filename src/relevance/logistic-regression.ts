/** A fitted logistic regression: P(y = 1 | x) = σ(intercept + Σ weights[j] · x[j]). */
export interface LogisticFit {
  weights: Float64Array;
  intercept: number;
  /** Newton steps taken. */
  iterations: number;
  /** Whether the largest coefficient change of the last step fell below the tolerance. */
  converged: boolean;
}

/** Options of {@link fitLogisticRegression}. */
export interface LogisticOptions {
  /** Ridge penalty λ on the weights (not the intercept): the loss adds λ/2 · Σ w². Default 0. */
  l2?: number;
  /** Newton steps at most. Default 100. */
  maxIterations?: number;
  /** Stop when no coefficient moves by more than this. Default 1e-10. */
  tolerance?: number;
  /** Columns whose weight stays 0 (e.g. constant columns), by index. */
  frozen?: readonly number[];
}

/** The logistic function, without overflow for large |z|. */
export function sigmoid(z: number): number {
  if (z >= 0) return 1 / (1 + Math.exp(-z));
  const e = Math.exp(z);
  return e / (1 + e);
}

/**
 * Maximum-likelihood logistic regression by Newton's method (iteratively reweighted least
 * squares): each step solves (XᵀWX + λI) Δ = Xᵀ(y − p) − λw, W = diag(p(1 − p)), with a
 * Cholesky factorization. `x` holds `n` rows of `d` features, row-major; `y` is 0 or 1 per row.
 * Newton's method converges in a handful of steps on the smooth, convex log-loss; the ridge term
 * keeps it finite on separable data.
 */
export function fitLogisticRegression(x: Float64Array, y: Uint8Array, n: number, d: number, options: LogisticOptions = {}): LogisticFit {
  const l2 = options.l2 ?? 0;
  const maxIterations = options.maxIterations ?? 100;
  const tolerance = options.tolerance ?? 1e-10;
  const frozen = new Uint8Array(d);
  for (const j of options.frozen ?? []) frozen[j] = 1;
  // Coefficient 0 is the intercept, 1..d the weights.
  const m = d + 1;
  const beta = new Float64Array(m);
  const hessian = new Float64Array(m * m);
  const gradient = new Float64Array(m);
  const row = new Float64Array(m);
  let iterations = 0;
  let converged = false;
  while (iterations < maxIterations && !converged) {
    iterations++;
    hessian.fill(0);
    gradient.fill(0);
    for (let i = 0; i < n; i++) {
      row[0] = 1;
      let z = beta[0]!;
      for (let j = 0; j < d; j++) {
        const v = frozen[j] ? 0 : x[i * d + j]!;
        row[j + 1] = v;
        z += beta[j + 1]! * v;
      }
      const p = sigmoid(z);
      const w = p * (1 - p);
      const r = y[i]! - p;
      for (let a = 0; a < m; a++) {
        const ra = row[a]!;
        if (ra === 0) continue;
        gradient[a]! += ra * r;
        const wa = w * ra;
        for (let b = 0; b <= a; b++) hessian[a * m + b]! += wa * row[b]!;
      }
    }
    for (let a = 1; a < m; a++) {
      gradient[a]! -= l2 * beta[a]!;
      hessian[a * m + a]! += l2;
      // A frozen column (or one that is 0 everywhere) has no curvature: pin its step to 0.
      if (frozen[a - 1] || hessian[a * m + a]! === 0) {
        for (let b = 0; b < m; b++) hessian[a * m + b] = hessian[b * m + a] = 0;
        hessian[a * m + a] = 1;
        gradient[a] = 0;
      }
    }
    const step = solveSymmetric(hessian, gradient, m);
    let largest = 0;
    for (let a = 0; a < m; a++) {
      beta[a]! += step[a]!;
      largest = Math.max(largest, Math.abs(step[a]!));
    }
    converged = largest < tolerance;
  }
  return { weights: beta.slice(1), intercept: beta[0]!, iterations, converged };
}

/**
 * Solves A x = b for a symmetric positive definite A (lower triangle used) by Cholesky
 * factorization. A pivot that is not positive (a singular system) gets a tiny ridge so the step
 * stays finite.
 */
export function solveSymmetric(a: Float64Array, b: Float64Array, m: number): Float64Array {
  const l = new Float64Array(m * m);
  for (let i = 0; i < m; i++) {
    for (let j = 0; j <= i; j++) {
      let sum = a[i * m + j]!;
      for (let k = 0; k < j; k++) sum -= l[i * m + k]! * l[j * m + k]!;
      if (i === j) l[i * m + i] = Math.sqrt(sum > 1e-12 ? sum : 1e-12);
      else l[i * m + j] = sum / l[j * m + j]!;
    }
  }
  const z = new Float64Array(m);
  for (let i = 0; i < m; i++) {
    let sum = b[i]!;
    for (let k = 0; k < i; k++) sum -= l[i * m + k]! * z[k]!;
    z[i] = sum / l[i * m + i]!;
  }
  const out = new Float64Array(m);
  for (let i = m - 1; i >= 0; i--) {
    let sum = z[i]!;
    for (let k = i + 1; k < m; k++) sum -= l[k * m + i]! * out[k]!;
    out[i] = sum / l[i * m + i]!;
  }
  return out;
}
