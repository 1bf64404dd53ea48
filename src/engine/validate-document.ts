import { InvalidDocumentError } from "../errors.js";
import type { FieldValue, Metric, SparseVector } from "../types.js";

/** A document after validation: zero weights dropped, dense as Float32Array. @internal */
export interface ValidDocument {
  id: string;
  text?: string;
  sparse?: SparseVector;
  dense?: Float32Array;
  fields?: Record<string, FieldValue>;
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/**
 * Validates one document. `where` names it in errors (`docs.jsonl:17`, `docs[3]`);
 * `dimension` is the index's dense dimension, or null while no vector has fixed it.
 */
export function validateDocument(raw: unknown, where: string, dimension: number | null, metric: Metric): ValidDocument {
  const fail = (problem: string): never => {
    throw new InvalidDocumentError(`${where}: ${problem}`);
  };
  if (!isPlainObject(raw)) return fail(`a document must be a JSON object, got ${describe(raw)}`);
  const { id, text, sparse, dense, fields } = raw;
  if (typeof id !== "string" || id.length === 0) fail(`"id" must be a non-empty string, got ${describe(id)}`);
  const doc: ValidDocument = { id: id as string };
  if (text !== undefined && text !== null) {
    if (typeof text !== "string") fail(`"text" must be a string, got ${describe(text)}`);
    doc.text = text as string;
  }
  if (sparse !== undefined && sparse !== null) doc.sparse = validateSparse(sparse, fail);
  if (dense !== undefined && dense !== null) doc.dense = validateDense(dense, dimension, metric, fail);
  if (fields !== undefined && fields !== null) doc.fields = validateFields(fields, fail);
  return doc;
}

/**
 * Validates a batch: every document, and ids unique within it. The first vector fixes the dense
 * dimension when the index has none yet.
 */
export function validateDocuments(docs: readonly unknown[], where: (i: number) => string, dimension: number | null, metric: Metric): ValidDocument[] {
  if (!Array.isArray(docs)) throw new InvalidDocumentError("upsert takes an array of documents");
  const seen = new Map<string, number>();
  return docs.map((raw, i) => {
    const doc = validateDocument(raw, where(i), dimension, metric);
    const first = seen.get(doc.id);
    if (first !== undefined) throw new InvalidDocumentError(`${where(i)}: duplicate id "${doc.id}" (first at ${where(first)})`);
    seen.set(doc.id, i);
    if (doc.dense) dimension = doc.dense.length;
    return doc;
  });
}

/** Validates a sparse vector: finite weights ≥ 0 (zeros dropped). Shared with query validation. */
export function validateSparse(sparse: unknown, fail: (problem: string) => never): SparseVector | undefined {
  if (!isPlainObject(sparse)) return fail(`"sparse" must be an object of token → weight, got ${describe(sparse)}`);
  const out: SparseVector = {};
  let count = 0;
  for (const [token, weight] of Object.entries(sparse)) {
    if (token.length === 0) fail(`"sparse" has an empty token`);
    if (typeof weight !== "number" || !Number.isFinite(weight)) fail(`sparse weight of "${token}" must be a finite number, got ${describe(weight)}`);
    if ((weight as number) < 0) fail(`sparse weight of "${token}" is negative (${weight}); weights must be ≥ 0`);
    if ((weight as number) > 0) {
      out[token] = weight as number;
      count++;
    }
  }
  return count > 0 ? out : undefined;
}

/** Validates a dense vector against the dimension (when known). Shared with query validation. */
export function validateDense(dense: unknown, dimension: number | null, metric: Metric, fail: (problem: string) => never): Float32Array {
  if (!Array.isArray(dense) && !(dense instanceof Float32Array)) return fail(`"dense" must be an array of numbers, got ${describe(dense)}`);
  const values = dense as ArrayLike<unknown>;
  if (values.length === 0) fail(`"dense" is empty`);
  if (dimension !== null && values.length !== dimension) fail(`dense has ${values.length} values, index dimension is ${dimension}`);
  const out = new Float32Array(values.length);
  let sumSquares = 0;
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (typeof v !== "number" || !Number.isFinite(v)) fail(`dense[${i}] must be a finite number, got ${describe(v)}`);
    out[i] = v as number;
    sumSquares += (v as number) * (v as number);
  }
  if (metric === "cosine" && sumSquares === 0) fail(`dense vector is all zeros; cosine similarity is undefined for it`);
  return out;
}

function validateFields(fields: unknown, fail: (problem: string) => never): Record<string, FieldValue> {
  if (!isPlainObject(fields)) return fail(`"fields" must be an object, got ${describe(fields)}`);
  for (const [name, value] of Object.entries(fields)) {
    const scalarOk = (v: unknown) => typeof v === "string" || typeof v === "boolean" || (typeof v === "number" && Number.isFinite(v));
    if (Array.isArray(value)) {
      if (!value.every((v) => typeof v === "string" || (typeof v === "number" && Number.isFinite(v)))) {
        fail(`fields.${name} must be an array of strings or finite numbers`);
      }
    } else if (!scalarOk(value)) {
      fail(`fields.${name} must be a string, finite number, boolean or array of them, got ${describe(value)}`);
    }
  }
  return fields as Record<string, FieldValue>;
}

function describe(v: unknown): string {
  if (v === undefined) return "nothing";
  if (typeof v === "number" && !Number.isFinite(v)) return String(v);
  const s = JSON.stringify(v) ?? String(v);
  return s.length > 60 ? `${s.slice(0, 57)}...` : s;
}
