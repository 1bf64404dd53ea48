import { InvalidOptionError } from "../../src/index.js";
import { describeValue, isPlainObject, validateOptionsObject } from "../../src/backend.js";
import type { ElasticsearchOpenOptions } from "./elasticsearch-index.js";

const DENSE_INDEX_TYPES = ["hnsw", "flat", "int8_hnsw", "int8_flat", "int4_hnsw", "int4_flat", "bbq_hnsw", "bbq_flat"];

/**
 * Checks `ElasticsearchIndex.open`'s client and options (any JavaScript value may arrive) and
 * returns a copy of the options, so a caller changing its object later changes nothing here.
 */
export function validateOpenOptions(client: unknown, raw: unknown): ElasticsearchOpenOptions {
  const fail = (problem: string): never => {
    throw new InvalidOptionError(problem);
  };
  if (typeof client !== "object" || client === null || typeof (client as { info?: unknown }).info !== "function") {
    fail(`client must be an @elastic/elasticsearch Client, got ${describeValue(client)}`);
  }
  if (raw === undefined) fail(`open: options with at least { index } are required`);
  const o = validateOptionsObject(raw, "open");
  if (typeof o.index !== "string" || !/^[a-z0-9][a-z0-9._-]*$/.test(o.index)) {
    fail(`index: an Elasticsearch index name is lower-case letters, digits, ".", "_" and "-", got ${describeValue(o.index)}`);
  }
  const oneOf = (name: string, allowed: readonly string[]) => {
    if (o[name] !== undefined && !allowed.includes(o[name] as string)) fail(`${name} must be ${allowed.join(", ")}, got ${describeValue(o[name])}`);
  };
  oneOf("metric", ["cosine", "dot", "l2"]);
  oneOf("denseIndexType", DENSE_INDEX_TYPES);
  oneOf("sparseQuery", ["sparse_vector", "terms"]);
  oneOf("completeFrom", ["request", "hits"]);
  for (const name of ["refresh", "readOnly", "closeClient", "prune"]) {
    if (o[name] !== undefined && typeof o[name] !== "boolean") fail(`${name} must be true or false, got ${describeValue(o[name])}`);
  }
  const positiveInteger = (name: string, value: unknown, min: number) => {
    if (value !== undefined && !(Number.isInteger(value) && (value as number) >= min)) fail(`${name} must be an integer ≥ ${min}, got ${describeValue(value)}`);
  };
  positiveInteger("dimension", o.dimension, 1);
  positiveInteger("shards", o.shards, 1);
  positiveInteger("replicas", o.replicas, 0);
  const object = (name: string): Record<string, unknown> | undefined => {
    const value = o[name];
    if (value === undefined) return undefined;
    if (!isPlainObject(value)) return fail(`${name} must be an object, got ${describeValue(value)}`);
    return { ...value };
  };
  const fields = object("fields");
  for (const [role, name] of Object.entries(fields ?? {})) {
    if (!["text", "sparse", "dense", "metadata"].includes(role)) fail(`fields: unknown role ${describeValue(role)} (use text, sparse, dense, metadata)`);
    if (name !== undefined && (typeof name !== "string" || (name === "" && role !== "metadata"))) fail(`fields.${role} must be a field name, got ${describeValue(name)}`);
  }
  const hnsw = object("hnsw");
  positiveInteger("hnsw.M", hnsw?.M, 2);
  positiveInteger("hnsw.efConstruction", hnsw?.efConstruction, 1);
  const bulk = object("bulk");
  positiveInteger("bulk.pauseRefreshFrom", bulk?.pauseRefreshFrom, 1);
  const encoders = object("queryEncoders");
  for (const [leg, encoder] of Object.entries<unknown>(encoders ?? {})) {
    if (!["sparse", "dense"].includes(leg)) fail(`queryEncoders: unknown leg ${describeValue(leg)} (use sparse, dense)`);
    const encodeQueries = (encoder as { encodeQueries?: unknown } | null | undefined)?.encodeQueries;
    if (encoder !== undefined && typeof encodeQueries !== "function") {
      fail(`queryEncoders.${leg} must be an encoder with encodeQueries(texts), got ${describeValue(encoder)}`);
    }
  }
  return { ...(o as unknown as ElasticsearchOpenOptions), fields, hnsw, bulk, queryEncoders: encoders };
}
