import { describeValue } from "../describe-value.js";
import { InvalidDocumentError, InvalidOptionError } from "../errors.js";
import { isPlainObject } from "../is-plain-object.js";
import { ATTACHMENT_NAME } from "../store/manifest.js";

/*
 * Checks of the arguments of the SearchIndex methods besides documents and queries, shared by
 * every backend so each refuses the same values with the same typed errors.
 */

/**
 * An options argument: absent, or a plain object (null-prototype ones included).
 *
 * @internal
 */
export function validateOptionsObject(options: unknown, method: string): Record<string, unknown> {
  if (options === undefined) return {};
  if (!isPlainObject(options)) throw new InvalidOptionError(`${method}: options must be an object, got ${describeValue(options)}`);
  return options;
}

/**
 * `upsert`'s options; returns the function naming document i in errors.
 *
 * @internal
 */
export function validateUpsertOptions(options: unknown): (i: number) => string {
  const { where } = validateOptionsObject(options, "upsert");
  if (where === undefined) return (i) => `docs[${i}]`;
  if (typeof where !== "function") throw new InvalidOptionError(`upsert: options.where must be a function (i) => string, got ${describeValue(where)}`);
  return where as (i: number) => string;
}

/**
 * A document id argument (`get`).
 *
 * @internal
 */
export function validateId(id: unknown, method: string): string {
  if (typeof id !== "string" || id.length === 0) throw new InvalidDocumentError(`${method}: an id must be a non-empty string, got ${describeValue(id)}`);
  return id;
}

/**
 * The ids of `delete`, copied.
 *
 * @internal
 */
export function validateIds(ids: unknown): string[] {
  if (!Array.isArray(ids)) throw new InvalidDocumentError(`delete takes an array of ids, got ${describeValue(ids)}`);
  const out = new Array<string>(ids.length);
  for (let i = 0; i < ids.length; i++) {
    const id: unknown = ids[i];
    if (typeof id !== "string" || id.length === 0) throw new InvalidDocumentError(`ids[${i}]: an id must be a non-empty string, got ${describeValue(id)}`);
    out[i] = id;
  }
  return out;
}

/**
 * An attachment name: lower-case letters, digits and dashes.
 *
 * @internal
 */
export function validateAttachmentName(name: unknown): string {
  if (typeof name !== "string" || !ATTACHMENT_NAME.test(name)) {
    throw new InvalidOptionError(`attachment name must be lower-case letters, digits and dashes (at most 64), got ${describeValue(name)}`);
  }
  return name;
}

/**
 * Attachment bytes, copied (the caller may reuse its buffer while they are written).
 *
 * @internal
 */
export function validateAttachmentBytes(bytes: unknown): Uint8Array {
  if (!(bytes instanceof Uint8Array)) throw new InvalidOptionError(`attachment bytes must be a Uint8Array, got ${describeValue(bytes)}`);
  return bytes.slice();
}

/**
 * The `where` label of `validateQuery`.
 *
 * @internal
 */
export function validateWhere(where: unknown): string {
  if (typeof where !== "string") throw new InvalidOptionError(`validateQuery: where must be a string, got ${describeValue(where)}`);
  return where;
}
