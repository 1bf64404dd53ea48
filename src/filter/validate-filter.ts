import { describeValue } from "../describe-value.js";
import { InvalidFilterError } from "../errors.js";
import { isPlainObject } from "../is-plain-object.js";
import { setOwn } from "../own-property.js";
import type { Filter } from "../types.js";

const OPERATORS = ["term", "terms", "range", "and", "or", "not"] as const;
const RANGE_BOUNDS = new Set(["gte", "gt", "lte", "lt"]);

/**
 * How deep `and`, `or` and `not` may nest: a clause inside 20 of them is accepted, one inside 21
 * is refused. Elasticsearch refuses queries nested more than 30 deep
 * (`indices.query.bool.max_nested_depth`), every operator becomes one `bool`, and the query a leg
 * sends wraps the filter in up to 3 more levels; the embedded engine keeps the same limit so a
 * filter runs on both backends or on neither.
 */
export const MAX_FILTER_DEPTH = 20;

function isScalar(v: unknown): boolean {
  return typeof v === "string" || typeof v === "boolean" || (typeof v === "number" && Number.isFinite(v));
}

/**
 * Checks that `value` is in the filter language and returns a copy of it (so a caller changing
 * its filter later changes nothing already validated); `where` prefixes error messages (e.g.
 * `queries.jsonl:3`). The nesting depth is measured first, without recursion, so no filter can
 * overflow the stack.
 */
export function validateFilter(value: unknown, where?: string): Filter {
  const prefix = where ? `${where}: ` : "";
  const depth = nestingDepth(value);
  if (depth > MAX_FILTER_DEPTH) {
    throw new InvalidFilterError(`${prefix}filter: "and", "or" and "not" are nested more than ${MAX_FILTER_DEPTH} levels deep (the limit is ${MAX_FILTER_DEPTH})`);
  }
  return check(value, prefix, "filter");
}

/**
 * The deepest nesting of and/or/not operators in `value`, walked with an explicit stack and
 * stopping as soon as it passes the limit (so a cyclic or 10,000-deep value costs little).
 */
function nestingDepth(value: unknown): number {
  const stack: [unknown, number][] = [[value, 0]];
  let deepest = 0;
  while (stack.length > 0) {
    const [node, depth] = stack.pop()!;
    deepest = Math.max(deepest, depth);
    if (deepest > MAX_FILTER_DEPTH) return deepest;
    if (!isPlainObject(node)) continue;
    for (const op of ["and", "or"] as const) {
      const children = Object.hasOwn(node, op) ? node[op] : undefined;
      if (Array.isArray(children)) for (let i = 0; i < children.length; i++) stack.push([children[i], depth + 1]);
    }
    if (Object.hasOwn(node, "not")) stack.push([node.not, depth + 1]);
  }
  return deepest;
}

function check(value: unknown, where: string, path: string): Filter {
  const fail = (problem: string): never => {
    throw new InvalidFilterError(`${where}${path}: ${problem}`);
  };
  if (!isPlainObject(value)) return fail(`expected an object with one operator (${OPERATORS.join(", ")}), got ${describeValue(value)}`);
  if (Object.getOwnPropertySymbols(value).length > 0) fail(`has a symbol key; operators are ${OPERATORS.join(", ")}`);
  const keys = Object.keys(value);
  if (keys.length !== 1) fail(`expected exactly one operator, got ${keys.length === 0 ? "none" : keys.map((k) => describeValue(k)).join(", ")}`);
  const op = keys[0]!;
  const arg = value[op];
  switch (op) {
    case "term": {
      const [field, v] = fieldEntry(arg, `${path}.term`, fail);
      if (!isScalar(v)) fail(`term.${field} must be a string, finite number or boolean, got ${describeValue(v)}`);
      return { term: record(field, v as string | number | boolean) };
    }
    case "terms": {
      const [field, v] = fieldEntry(arg, `${path}.terms`, fail);
      if (!Array.isArray(v)) return fail(`terms.${field} must be an array of strings, numbers or booleans`);
      const values = new Array<string | number | boolean>(v.length);
      for (let i = 0; i < v.length; i++) {
        if (!isScalar(v[i])) fail(`terms.${field} must be an array of strings, numbers or booleans, got ${describeValue(v[i])} at [${i}]`);
        values[i] = v[i] as string | number | boolean;
      }
      return { terms: record(field, values) };
    }
    case "range": {
      const [field, bounds] = fieldEntry(arg, `${path}.range`, fail);
      if (!isPlainObject(bounds) || Object.keys(bounds).length === 0) return fail(`range.${field} must be an object with gte, gt, lte or lt`);
      const copy: Record<string, number | string> = {};
      for (const b of Object.keys(bounds)) {
        const v = bounds[b];
        if (!RANGE_BOUNDS.has(b)) fail(`range.${field}: unknown bound ${describeValue(b)} (use gte, gt, lte, lt)`);
        if (!(typeof v === "string" || (typeof v === "number" && Number.isFinite(v)))) {
          fail(`range.${field}.${b} must be a finite number or a string, got ${describeValue(v)}`);
        }
        copy[b] = v as number | string;
      }
      return { range: record(field, copy) };
    }
    case "and":
    case "or": {
      if (!Array.isArray(arg)) return fail(`${op} must be an array of filters`);
      const parts = new Array<Filter>(arg.length);
      for (let i = 0; i < arg.length; i++) parts[i] = check(arg[i], where, `${path}.${op}[${i}]`);
      return op === "and" ? { and: parts } : { or: parts };
    }
    case "not":
      return { not: check(arg, where, `${path}.not`) };
    default:
      return fail(`unknown filter operator ${describeValue(op)} (use ${OPERATORS.join(", ")})`);
  }
}

function fieldEntry(arg: unknown, path: string, fail: (p: string) => never): [string, unknown] {
  if (!isPlainObject(arg)) return fail(`${path} must be an object of field → value`);
  const fields = Object.keys(arg);
  if (fields.length !== 1 || Object.getOwnPropertySymbols(arg).length > 0) fail(`${path} must name exactly one field, got ${fields.length}`);
  return [fields[0]!, arg[fields[0]!]];
}

/** `{ [field]: value }` with the field stored as data whatever its name. */
function record<T>(field: string, value: T): Record<string, T> {
  const out: Record<string, T> = {};
  setOwn(out, field, value);
  return out;
}
