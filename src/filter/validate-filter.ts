import { InvalidFilterError } from "../errors.js";
import type { Filter } from "../types.js";

const OPERATORS = ["term", "terms", "range", "and", "or", "not"] as const;
const RANGE_BOUNDS = new Set(["gte", "gt", "lte", "lt"]);

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

function isScalar(v: unknown): boolean {
  return typeof v === "string" || typeof v === "boolean" || (typeof v === "number" && Number.isFinite(v));
}

/** Checks that `value` is in the filter language; `where` prefixes error messages (e.g. `queries.jsonl:3`). */
export function validateFilter(value: unknown, where?: string): Filter {
  check(value, where ? `${where}: ` : "", "filter");
  return value as Filter;
}

function check(value: unknown, where: string, path: string): void {
  const fail = (problem: string): never => {
    throw new InvalidFilterError(`${where}${path}: ${problem}`);
  };
  if (!isPlainObject(value)) fail(`expected an object with one operator (${OPERATORS.join(", ")}), got ${JSON.stringify(value)}`);
  const keys = Object.keys(value as object);
  if (keys.length !== 1) fail(`expected exactly one operator, got ${keys.length === 0 ? "none" : keys.join(", ")}`);
  const op = keys[0]!;
  const arg = (value as Record<string, unknown>)[op];
  switch (op) {
    case "term": {
      const fields = fieldMap(arg, `${path}.term`, fail);
      for (const [field, v] of fields) {
        if (!isScalar(v)) fail(`term.${field} must be a string, finite number or boolean, got ${JSON.stringify(v)}`);
      }
      return;
    }
    case "terms": {
      const fields = fieldMap(arg, `${path}.terms`, fail);
      for (const [field, v] of fields) {
        if (!Array.isArray(v) || !v.every(isScalar)) fail(`terms.${field} must be an array of strings, numbers or booleans`);
      }
      return;
    }
    case "range": {
      const fields = fieldMap(arg, `${path}.range`, fail);
      for (const [field, bounds] of fields) {
        if (!isPlainObject(bounds) || Object.keys(bounds).length === 0) fail(`range.${field} must be an object with gte, gt, lte or lt`);
        for (const [b, v] of Object.entries(bounds as Record<string, unknown>)) {
          if (!RANGE_BOUNDS.has(b)) fail(`range.${field}: unknown bound "${b}" (use gte, gt, lte, lt)`);
          if (!(typeof v === "string" || (typeof v === "number" && Number.isFinite(v)))) {
            fail(`range.${field}.${b} must be a finite number or a string, got ${JSON.stringify(v)}`);
          }
        }
      }
      return;
    }
    case "and":
    case "or": {
      if (!Array.isArray(arg)) fail(`${op} must be an array of filters`);
      (arg as unknown[]).forEach((f, i) => check(f, where, `${path}.${op}[${i}]`));
      return;
    }
    case "not":
      check(arg, where, `${path}.not`);
      return;
    default:
      fail(`unknown filter operator "${op}" (use ${OPERATORS.join(", ")})`);
  }
}

function fieldMap(arg: unknown, path: string, fail: (p: string) => never): [string, unknown][] {
  if (!isPlainObject(arg)) return fail(`${path} must be an object of field → value`);
  const entries = Object.entries(arg);
  if (entries.length !== 1) fail(`${path} must name exactly one field, got ${entries.length}`);
  return entries;
}
