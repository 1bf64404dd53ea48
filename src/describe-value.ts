/**
 * A short description of any value for error messages. It never throws (BigInt, Symbol, circular
 * and null-prototype objects, functions, throwing getters) and looks at most two levels deep, so a
 * message about a hostile or enormous value cannot itself fail or overflow the stack.
 * @internal
 */
export function describeValue(value: unknown, maxLength = 60): string {
  let s: string;
  try {
    s = value === undefined ? "nothing" : render(value, 2);
  } catch {
    s = "a value that cannot be shown";
  }
  return s.length > maxLength ? `${s.slice(0, maxLength - 3)}...` : s;
}

/** Items or keys shown per array or object. */
const SHOWN = 4;

function render(v: unknown, depth: number): string {
  switch (typeof v) {
    case "undefined":
      return "undefined";
    case "string":
      return JSON.stringify(v.length > 80 ? v.slice(0, 80) : v);
    case "number":
      return Object.is(v, -0) ? "-0" : String(v);
    case "bigint":
      return `${v.toString()}n`;
    case "boolean":
      return String(v);
    case "symbol":
      return v.toString();
    case "function":
      return "a function";
    case "object":
      return renderObject(v, depth);
  }
}

function renderObject(v: object | null, depth: number): string {
  if (v === null) return "null";
  if (Array.isArray(v)) {
    if (depth === 0) return "[...]";
    const items = v.slice(0, SHOWN).map((x) => render(x, depth - 1));
    return `[${items.join(",")}${v.length > SHOWN ? ",..." : ""}]`;
  }
  const proto = Object.getPrototypeOf(v) as object | null;
  if (proto !== null && Object.getPrototypeOf(proto) !== null) {
    // Not a plain object: name its kind (Map, Float64Array, Date, a class instance).
    return `a ${Object.prototype.toString.call(v).slice(8, -1)}`;
  }
  if (depth === 0) return "{...}";
  const keys = Object.keys(v);
  const shown = keys.slice(0, SHOWN).map((k) => `${JSON.stringify(k)}:${render((v as Record<string, unknown>)[k], depth - 1)}`);
  return `{${shown.join(",")}${keys.length > SHOWN ? ",..." : ""}}`;
}
