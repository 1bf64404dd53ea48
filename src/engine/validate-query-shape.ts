import { describeValue } from "../describe-value.js";
import { isPlainObject } from "../is-plain-object.js";

/** Most ids one query may ask to explain (as many as it may return hits). */
export const MAX_EXPLAIN_IDS = 10_000;

const present = (v: unknown) => v !== undefined && v !== null;

/**
 * Largest fusion weight of a leg: weighted sums of leg scores (at most 4e36 in magnitude, see
 * validate-vector.ts) and of normalized scores then stay finite in every fusion method.
 */
export const MAX_LEG_WEIGHT = 1e6;

/**
 * Checks the type of every option of a query before `resolveQuery` reads them, so any JavaScript
 * value (BigInt, Symbol, a function, a circular object) is refused with a message naming the
 * option instead of failing inside a template string or JSON.stringify. Ranges, and the vectors
 * and filter, are checked where they are read.
 * @internal
 */
export function validateQueryShape(query: unknown, fail: (problem: string) => never): void {
  if (!isPlainObject(query)) fail(`a query must be an object, got ${describeValue(query)}`);
  const q = query;
  if (present(q.text) && typeof q.text !== "string") fail(`"text" must be a string, got ${describeValue(q.text)}`);
  for (const name of ["k", "from", "candidates", "ef"]) {
    const v = q[name];
    if (present(v) && !(typeof v === "number" && Number.isFinite(v))) fail(`"${name}" must be an integer, got ${describeValue(v)}`);
  }
  if (present(q.exact) && typeof q.exact !== "boolean") fail(`"exact" must be true or false, got ${describeValue(q.exact)}`);
  if (present(q.explain) && typeof q.explain !== "boolean") validateExplainShape(q.explain, fail);
  if (q.legs !== undefined) {
    const legs = q.legs;
    if (!Array.isArray(legs)) return fail(`"legs" must be an array of sparse, dense, text, got ${describeValue(legs)}`);
    for (let i = 0; i < legs.length; i++) {
      if (typeof legs[i] !== "string") fail(`"legs" must be an array of sparse, dense, text, got ${describeValue(legs[i])} at [${i}]`);
    }
  }
  if (q.fusion !== undefined) validateFusionShape(q.fusion, fail);
  if (present(q.relevance)) validateRelevanceShape(q.relevance, fail);
}

/** `explain: { ids }`: a list of non-empty string ids, at most `MAX_EXPLAIN_IDS` of them. */
function validateExplainShape(explain: unknown, fail: (problem: string) => never): void {
  const expected = `"explain" must be true, false or {"ids":["d1",…]}`;
  if (!isPlainObject(explain)) return fail(`${expected}, got ${describeValue(explain)}`);
  const ids = explain.ids;
  if (!Array.isArray(ids)) return fail(`explain.ids must be an array of document ids, got ${describeValue(ids)}`);
  if (ids.length > MAX_EXPLAIN_IDS) fail(`explain.ids has ${ids.length} ids, more than the ${MAX_EXPLAIN_IDS} allowed`);
  for (let i = 0; i < ids.length; i++) {
    const id: unknown = ids[i];
    if (typeof id !== "string" || id === "") fail(`explain.ids[${i}] must be a non-empty string, got ${describeValue(id)}`);
  }
}

function validateFusionShape(fusion: unknown, fail: (problem: string) => never): void {
  if (!isPlainObject(fusion)) return fail(`"fusion" must be an object such as {"method":"convex","normalize":"zscore"}, got ${describeValue(fusion)}`);
  for (const name of ["method", "normalize"]) {
    if (present(fusion[name]) && typeof fusion[name] !== "string") fail(`fusion.${name} must be a string, got ${describeValue(fusion[name])}`);
  }
  if (present(fusion.rankConstant) && typeof fusion.rankConstant !== "number") fail(`rankConstant must be a number > 0, got ${describeValue(fusion.rankConstant)}`);
  if (present(fusion.completion) && typeof fusion.completion !== "boolean") fail(`fusion.completion must be true or false, got ${describeValue(fusion.completion)}`);
  const weights = fusion.weights;
  if (present(weights)) {
    if (!isPlainObject(weights) || Object.getOwnPropertySymbols(weights).length > 0) {
      return fail(`fusion.weights must be an object of leg → weight such as {"sparse":1,"dense":0.5}, got ${describeValue(weights)}`);
    }
    for (const leg of Object.keys(weights)) {
      const w = weights[leg];
      if (typeof w !== "number") fail(`weights.${leg} must be a finite number ≥ 0, got ${describeValue(w)}`);
      if (w > MAX_LEG_WEIGHT) fail(`weights.${leg} is ${w}, above the largest allowed weight ${MAX_LEG_WEIGHT.toExponential()}`);
    }
  }
}

function validateRelevanceShape(relevance: unknown, fail: (problem: string) => never): void {
  if (!isPlainObject(relevance)) return fail(`"relevance" must be an object such as {"minDense":0.3}, got ${describeValue(relevance)}`);
  for (const name of ["minScore", "minSparse", "minDense", "relative", "autocut", "minHits", "maxHits"]) {
    const v = relevance[name];
    if (v !== undefined && typeof v !== "number") fail(`${name} must be a number, got ${describeValue(v)}`);
  }
}
