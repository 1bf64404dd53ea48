/**
 * True for an object literal, a `JSON.parse` result or a null-prototype object (from any realm);
 * false for arrays, typed arrays, Maps, class instances and boxed primitives, whose own keys are
 * not what they hold. @internal
 */
export function isPlainObject(v: unknown): v is Record<string, unknown> {
  if (typeof v !== "object" || v === null) return false;
  const proto = Object.getPrototypeOf(v) as object | null;
  return proto === null || Object.getPrototypeOf(proto) === null;
}
