import { describeValue } from "../describe-value.js";
import { InvalidDocumentError } from "../errors.js";
import { isPlainObject } from "../is-plain-object.js";
import { setOwn } from "../own-property.js";
import type { FieldValue, Metric } from "../types.js";
import type { ValidDocument } from "../valid-document.js";
import { validateDense, validateSparseEntries } from "./validate-vector.js";

export { sparseRecord, validateDense, validateSparse } from "./validate-vector.js";
export type { SparseEntries, ValidDocument } from "../valid-document.js";


/**
 * Validates one document. `where` names it in errors (`docs.jsonl:17`, `docs[3]`);
 * `dimension` is the index's dense dimension, or null while no vector has fixed it.
 */
export function validateDocument(raw: unknown, where: string, dimension: number | null, metric: Metric): ValidDocument {
  let fail = (problem: string): never => {
    throw new InvalidDocumentError(`${where}: ${problem}`);
  };
  if (!isPlainObject(raw)) return fail(`a document must be a JSON object, got ${describeValue(raw)}`);
  const { id, text, sparse, dense, fields } = raw;
  if (typeof id !== "string" || id.length === 0) return fail(`"id" must be a non-empty string, got ${describeValue(id)}`);
  const outer = fail;
  fail = (problem) => outer(`${problem} (document ${describeValue(id)})`);
  const doc: ValidDocument = { id };
  if (text !== undefined && text !== null) {
    if (typeof text !== "string") fail(`"text" must be a string, got ${describeValue(text)}`);
    doc.text = text as string;
  }
  if (sparse !== undefined && sparse !== null) doc.sparse = validateSparseEntries(sparse, fail);
  if (dense !== undefined && dense !== null) doc.dense = validateDense(dense, dimension, metric, fail);
  if (fields !== undefined && fields !== null) doc.fields = validateFields(fields, fail);
  return doc;
}

/**
 * Validates a batch: every document, and ids unique within it. The first vector fixes the dense
 * dimension when the index has none yet.
 *
 * @internal
 */
export function validateDocuments(docs: readonly unknown[], where: (i: number) => string, dimension: number | null, metric: Metric): ValidDocument[] {
  if (!Array.isArray(docs)) throw new InvalidDocumentError(`upsert takes an array of documents, got ${describeValue(docs)}`);
  const label = (i: number): string => {
    const w: unknown = where(i);
    return typeof w === "string" ? w : describeValue(w);
  };
  const seen = new Map<string, number>();
  const out: ValidDocument[] = [];
  // An index loop, not map(): a hole in the array is a missing document, not one to skip.
  for (let i = 0; i < docs.length; i++) {
    const doc = validateDocument(docs[i], label(i), dimension, metric);
    const first = seen.get(doc.id);
    if (first !== undefined) throw new InvalidDocumentError(`${label(i)}: duplicate id ${describeValue(doc.id)} (first at ${label(first)})`);
    seen.set(doc.id, i);
    if (doc.dense) dimension = doc.dense.length;
    out.push(doc);
  }
  return out;
}

/** Validates flat fields and returns a copy (arrays copied too), so later changes by the caller do not reach the index. */
function validateFields(fields: unknown, fail: (problem: string) => never): Record<string, FieldValue> {
  if (!isPlainObject(fields)) return fail(`"fields" must be an object, got ${describeValue(fields)}`);
  if (Object.getOwnPropertySymbols(fields).length > 0) fail(`"fields" has a symbol key; field names are strings`);
  const out: Record<string, FieldValue> = {};
  for (const name of Object.keys(fields)) {
    const value = fields[name];
    const label = `fields.${name}`;
    if (Array.isArray(value)) {
      const copy = new Array<string | number>(value.length);
      for (let i = 0; i < value.length; i++) {
        const v: unknown = value[i];
        if (!(typeof v === "string" || (typeof v === "number" && Number.isFinite(v)))) {
          fail(`${label} must be an array of strings or finite numbers, got ${describeValue(v)} at [${i}]`);
        }
        copy[i] = v;
      }
      setOwn(out, name, copy as FieldValue);
    } else if (typeof value === "string" || typeof value === "boolean" || (typeof value === "number" && Number.isFinite(value))) {
      setOwn(out, name, value);
    } else {
      fail(`${label} must be a string, finite number, boolean or array of them, got ${describeValue(value)}`);
    }
  }
  return out;
}

/** A copy of stored fields for a caller, arrays included. @internal */
export function copyFields(fields: Readonly<Record<string, FieldValue>>): Record<string, FieldValue> {
  const out: Record<string, FieldValue> = {};
  for (const name of Object.keys(fields)) {
    const value = fields[name]!;
    setOwn(out, name, Array.isArray(value) ? (value.slice() as FieldValue) : value);
  }
  return out;
}
