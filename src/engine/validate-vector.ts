import { describeValue } from "../describe-value.js";
import { isPlainObject } from "../is-plain-object.js";
import { setOwn } from "../own-property.js";
import type { SparseEntries } from "../valid-document.js";
import type { Metric, SparseVector } from "../types.js";

export type { SparseEntries } from "../valid-document.js";

/*
 * Vectors are validated in the type they are stored and scored in: float32. Every bound below is
 * what keeps each score finite and meaningful in float32 (whose largest value is about 3.4e38 and
 * smallest normal 2^-126 ≈ 1.18e-38), the same for the embedded engine and Elasticsearch.
 */

/** Largest magnitude of a sparse weight or a dense component. */
export const MAX_VECTOR_VALUE = 1e18;
/**
 * Largest Euclidean norm of a sparse or dense vector. By Cauchy–Schwarz every dot product of two
 * vectors (and every partial sum of one) then stays within ±1e36 and every squared L2 distance
 * within 4e36, whatever the dimension or token count.
 */
export const MAX_VECTOR_NORM = 1e18;
/**
 * Smallest positive sparse weight: the smallest normal float32. Below it a weight would be kept
 * as a subnormal or as 0 (a match scoring 0 that reopening would drop); Elasticsearch refuses such
 * weights too. A weight of exactly 0 leaves the token out.
 */
export const MIN_SPARSE_WEIGHT = 2 ** -126;
/**
 * Smallest squared norm of a dense vector under cosine, summed from float32 squares: below it the
 * norm underflows and the cosine is 0/0 or x/0.
 */
export const MIN_COSINE_SQUARED_NORM = 2 ** -126;

const MAX_TEXT = MAX_VECTOR_VALUE.toExponential();
const NORM_TEXT = MAX_VECTOR_NORM.toExponential();

/**
 * Validates a sparse vector: own string keys, weights 0 (dropped) or in
 * [MIN_SPARSE_WEIGHT, MAX_VECTOR_VALUE], norm ≤ MAX_VECTOR_NORM. Returns a fresh record of the
 * float32 weights (undefined when none is left). Shared by documents and queries.
 */
export function validateSparse(sparse: unknown, fail: (problem: string) => never): SparseVector | undefined {
  const entries = validateSparseEntries(sparse, fail);
  return entries && sparseRecord(entries);
}

/** {@link validateSparse}'s checks, returning the tokens and weights as arrays (what a document stores). */
export function validateSparseEntries(sparse: unknown, fail: (problem: string) => never): SparseEntries | undefined {
  if (!isPlainObject(sparse)) return fail(`"sparse" must be an object of token → weight, got ${describeValue(sparse)}`);
  if (Object.getOwnPropertySymbols(sparse).length > 0) fail(`"sparse" has a symbol key; tokens are strings`);
  const keys = Object.keys(sparse);
  const tokens: string[] = [];
  const weights = new Float32Array(keys.length);
  let squares = 0;
  for (const token of keys) {
    const weight = sparse[token];
    // Described only for a message: this loop runs for every token of every document.
    const name = () => describeValue(token);
    if (token.length === 0) fail(`"sparse" has an empty token`);
    if (typeof weight !== "number" || !Number.isFinite(weight)) return fail(`sparse weight of ${name()} must be a finite number, got ${describeValue(weight)}`);
    if (weight < 0) fail(`sparse weight of ${name()} is negative (${weight}); weights must be ≥ 0`);
    if (weight === 0) continue;
    if (weight > MAX_VECTOR_VALUE) fail(`sparse weight of ${name()} is ${weight}, above the largest allowed weight ${MAX_TEXT}`);
    const stored = Math.fround(weight);
    if (stored < MIN_SPARSE_WEIGHT) {
      fail(`sparse weight of ${name()} is ${weight}, below the smallest allowed weight 2^-126 ≈ 1.18e-38 (the smallest normal float32); use 0 to leave the token out`);
    }
    weights[tokens.length] = stored;
    tokens.push(token);
    squares += stored * stored;
  }
  if (squares > MAX_VECTOR_NORM * MAX_VECTOR_NORM) fail(`"sparse" has norm ${Math.sqrt(squares)}, above the largest allowed norm ${NORM_TEXT}`);
  return tokens.length > 0 ? { tokens, weights: tokens.length === keys.length ? weights : weights.slice(0, tokens.length) } : undefined;
}

/** The entries as a record of token → weight, for a caller. */
export function sparseRecord(entries: SparseEntries): SparseVector {
  const out: SparseVector = {};
  entries.tokens.forEach((token, i) => setOwn(out, token, entries.weights[i]!));
  return out;
}

/**
 * Validates a dense vector against the dimension (when known): finite components with magnitude
 * ≤ MAX_VECTOR_VALUE, norm ≤ MAX_VECTOR_NORM, and under cosine a float32 squared norm of at least
 * MIN_COSINE_SQUARED_NORM. Returns a fresh Float32Array, or with `copy` false a Float32Array
 * given (checked in place, nothing allocated: a query's vector read before the search returns).
 * Shared by documents and queries.
 */
export function validateDense(dense: unknown, dimension: number | null, metric: Metric, fail: (problem: string) => never, copy = true): Float32Array {
  if (!Array.isArray(dense) && !(dense instanceof Float32Array)) return fail(`"dense" must be an array of numbers, got ${describeValue(dense)}`);
  const values = dense as ArrayLike<unknown>;
  if (values.length === 0) fail(`"dense" is empty`);
  if (dimension !== null && values.length !== dimension) fail(`dense has ${values.length} values, index dimension is ${dimension}`);
  let out: Float32Array;
  if (dense instanceof Float32Array) {
    out = copy ? dense.slice() : dense;
  } else {
    out = new Float32Array(values.length);
    for (let i = 0; i < values.length; i++) {
      const v = values[i];
      if (typeof v !== "number" || !Number.isFinite(v)) return fail(`dense[${i}] must be a finite number, got ${describeValue(v)}`);
      if (Math.abs(v) > MAX_VECTOR_VALUE) fail(`dense[${i}] is ${v}, outside the allowed range ±${MAX_TEXT}`);
      out[i] = v;
    }
  }
  // Squares as the float32 kernel forms them (each rounded to float32), summed exactly enough in
  // float64; one pass, which also checks the components of a Float32Array (NaN fails both tests).
  let squares = 0;
  let squares32 = 0;
  for (let i = 0; i < out.length; i++) {
    const v = out[i]!;
    if (!(Math.abs(v) <= MAX_VECTOR_VALUE)) {
      if (!Number.isFinite(v)) fail(`dense[${i}] must be a finite number, got ${describeValue(v)}`);
      fail(`dense[${i}] is ${v}, outside the allowed range ±${MAX_TEXT}`);
    }
    const square = v * v;
    squares += square;
    squares32 += Math.fround(square);
  }
  if (squares > MAX_VECTOR_NORM * MAX_VECTOR_NORM) fail(`"dense" has norm ${Math.sqrt(squares)}, above the largest allowed norm ${NORM_TEXT}`);
  if (metric === "cosine" && squares32 < MIN_COSINE_SQUARED_NORM) {
    if (squares === 0) fail(`dense vector is all zeros; cosine similarity is undefined for it`);
    fail(`dense vector has norm ${Math.sqrt(squares)}, too small for cosine in float32 (its squared norm underflows below 2^-126 ≈ 1.18e-38); scale it up`);
  }
  return out;
}
