/**
 * Records keyed by user-supplied strings (tokens, field names, attachment names). Every name is
 * data: assigning `"__proto__"` would set the prototype instead of storing a key, and reading
 * `"constructor"` or `"toString"` from a record that lacks it would find Object.prototype's.
 * @internal
 */

/**
 * Stores `value` under `key` as an own enumerable property, whatever the key.
 *
 * @internal
 */
export function setOwn<T>(record: Record<string, T>, key: string, value: T): void {
  if (key === "__proto__") Object.defineProperty(record, key, { value, enumerable: true, writable: true, configurable: true });
  else record[key] = value;
}

/**
 * The value stored under `key`, never one inherited from the prototype.
 *
 * @internal
 */
export function getOwn<T>(record: Readonly<Record<string, T>>, key: string): T | undefined {
  return Object.hasOwn(record, key) ? record[key] : undefined;
}
