import type { FieldScalar, FieldValue, Filter, RangeBounds } from "../types.js";

/**
 * Whether a document's fields satisfy a (validated) filter. A missing field matches no
 * `term`/`terms`/`range`; an array field matches if any element does.
 */
export function matchesFilter(filter: Filter, fields: Readonly<Record<string, FieldValue>> | undefined): boolean {
  if ("and" in filter) return filter.and.every((f) => matchesFilter(f, fields));
  if ("or" in filter) return filter.or.some((f) => matchesFilter(f, fields));
  if ("not" in filter) return !matchesFilter(filter.not, fields);
  if ("term" in filter) {
    const [field, wanted] = Object.entries(filter.term)[0]!;
    return anyElement(fields?.[field], (v) => v === wanted);
  }
  if ("terms" in filter) {
    const [field, wanted] = Object.entries(filter.terms)[0]!;
    return anyElement(fields?.[field], (v) => wanted.includes(v));
  }
  const [field, bounds] = Object.entries(filter.range)[0]!;
  return anyElement(fields?.[field], (v) => inRange(v, bounds));
}

function anyElement(value: FieldValue | undefined, test: (v: FieldScalar) => boolean): boolean {
  if (value === undefined) return false;
  if (Array.isArray(value)) {
    for (const v of value) if (test(v)) return true;
    return false;
  }
  return test(value);
}

/** Numbers compare with numbers, strings with strings (e.g. ISO dates); mixed types never match. */
function inRange(v: FieldScalar, b: RangeBounds): boolean {
  if (typeof v === "boolean") return false;
  const cmp = (bound: number | string): number | undefined => {
    if (typeof bound !== typeof v) return undefined;
    return v < bound ? -1 : v > bound ? 1 : 0;
  };
  const checks: [number | string | undefined, (c: number) => boolean][] = [
    [b.gte, (c) => c >= 0],
    [b.gt, (c) => c > 0],
    [b.lte, (c) => c <= 0],
    [b.lt, (c) => c < 0],
  ];
  for (const [bound, ok] of checks) {
    if (bound === undefined) continue;
    const c = cmp(bound);
    if (c === undefined || !ok(c)) return false;
  }
  return true;
}
