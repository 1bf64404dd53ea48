import { describeValue } from "../describe-value.js";
import { MAX_HITS } from "../engine/resolve-query.js";
import { InvalidModelError } from "../errors.js";
import { isPlainObject } from "../is-plain-object.js";
import type { FusionOptions, LegName } from "../types.js";

/** The `format` of a search configuration file. */
export const CONFIG_FORMAT = "tandem-config";

/**
 * Fusion settings as `tandem tune` writes them. `fusion` and `candidates` are query options, so a
 * configuration spreads into a query: `index.search({ ...queryOptions(config), ...query })`.
 */
export interface SearchConfig {
  /** Always `"tandem-config"`. */
  format: typeof CONFIG_FORMAT;
  /** File version, 1. */
  version: number;
  /** The fusion options. */
  fusion: FusionOptions;
  /** The fusion window (hits per leg). */
  candidates?: number;
  /** How the configuration was chosen; informative only. */
  tuning?: Record<string, unknown>;
}

const METHODS = ["rrf", "convex", "dbsf"];
const NORMALIZERS = ["minmax", "zscore", "tmm", "l2", "none"];
const LEGS: LegName[] = ["sparse", "dense", "text"];

/**
 * Reads a configuration file's text. `source` (the file name) starts every error message.
 *
 * @throws {@link InvalidModelError} naming the source and the field that is wrong.
 */
export function parseSearchConfig(text: string, source: string): SearchConfig {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    throw new InvalidModelError(`${source}: not a search configuration: not valid JSON (${(err as Error).message})`);
  }
  const fail = (field: string, problem: string): never => {
    throw new InvalidModelError(`${source}: field "${field}": ${problem}`);
  };
  if (!isPlainObject(value)) throw new InvalidModelError(`${source}: not a search configuration: expected a JSON object, got ${describeValue(value)}`);
  const v = value;
  if (v.format !== CONFIG_FORMAT) fail("format", `expected "${CONFIG_FORMAT}", got ${describeValue(v.format)}`);
  if (v.version !== 1) fail("version", `this build reads version 1, got ${describeValue(v.version)}`);
  if (!isPlainObject(v.fusion)) fail("fusion", `expected an object such as {"method":"convex","normalize":"zscore"}, got ${describeValue(v.fusion)}`);
  const f = v.fusion as Record<string, unknown>;
  const fusion: FusionOptions = {};
  for (const key of Object.keys(f)) {
    if (!["method", "normalize", "rankConstant", "weights", "completion"].includes(key)) fail(`fusion.${key}`, "unknown option (use method, normalize, rankConstant, weights, completion)");
  }
  if (f.method !== undefined) {
    if (typeof f.method !== "string" || !METHODS.includes(f.method)) fail("fusion.method", `expected one of ${METHODS.join(", ")}, got ${describeValue(f.method)}`);
    fusion.method = f.method as FusionOptions["method"];
  }
  if (f.normalize !== undefined) {
    if (typeof f.normalize !== "string" || !NORMALIZERS.includes(f.normalize)) fail("fusion.normalize", `expected one of ${NORMALIZERS.join(", ")}, got ${describeValue(f.normalize)}`);
    fusion.normalize = f.normalize as FusionOptions["normalize"];
  }
  if (f.rankConstant !== undefined) {
    if (!(typeof f.rankConstant === "number" && f.rankConstant > 0 && Number.isFinite(f.rankConstant))) fail("fusion.rankConstant", `expected a number > 0, got ${describeValue(f.rankConstant)}`);
    fusion.rankConstant = f.rankConstant as number;
  }
  if (f.completion !== undefined) {
    if (typeof f.completion !== "boolean") fail("fusion.completion", `expected true or false, got ${describeValue(f.completion)}`);
    fusion.completion = f.completion as boolean;
  }
  if (f.weights !== undefined) {
    if (!isPlainObject(f.weights)) fail("fusion.weights", `expected an object such as {"sparse":1,"dense":1.5}, got ${describeValue(f.weights)}`);
    const weights: Partial<Record<LegName, number>> = {};
    for (const [leg, w] of Object.entries(f.weights as Record<string, unknown>)) {
      if (!LEGS.includes(leg as LegName)) fail(`fusion.weights.${leg}`, `unknown leg (use ${LEGS.join(", ")})`);
      if (!(typeof w === "number" && w >= 0 && w <= 1e6)) fail(`fusion.weights.${leg}`, `expected a number from 0 to 1e6, got ${describeValue(w)}`);
      weights[leg as LegName] = w as number;
    }
    fusion.weights = weights;
  }
  const config: SearchConfig = { format: CONFIG_FORMAT, version: 1, fusion };
  if (v.candidates !== undefined) {
    if (!(typeof v.candidates === "number" && Number.isInteger(v.candidates) && v.candidates >= 1 && v.candidates <= MAX_HITS)) {
      fail("candidates", `expected an integer from 1 to ${MAX_HITS}, got ${describeValue(v.candidates)}`);
    }
    config.candidates = v.candidates as number;
  }
  if (v.tuning !== undefined) {
    if (!isPlainObject(v.tuning)) fail("tuning", `expected an object, got ${describeValue(v.tuning)}`);
    config.tuning = structuredClone(v.tuning as Record<string, unknown>);
  }
  return config;
}

/** The query options a configuration sets: spread them into a query. */
export interface ConfiguredQueryOptions {
  /** The fusion options. */
  fusion: FusionOptions;
  /** The fusion window, when the configuration sets one. */
  candidates?: number;
}

/** The query options a configuration sets, to spread into a query. */
export function queryOptions(config: SearchConfig): ConfiguredQueryOptions {
  const fusion = structuredClone(config.fusion);
  return config.candidates === undefined ? { fusion } : { fusion, candidates: config.candidates };
}
