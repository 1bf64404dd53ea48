import { setOwn } from "../../src/backend.js";
import type { SparseVector } from "../../src/index.js";

/**
 * How tokens are spelled as feature names of the sparse field. OpenSearch's `rank_feature` query
 * names a feature by the path `<field>.<feature>` and splits it at the last dot, so a token with
 * a dot in it could be stored but never found. Indices Tandem creates on OpenSearch therefore
 * store tokens with `%` and `.` percent-escaped (`a.b` → `a%2Eb`, `%` → `%25`; every other
 * token, most of a vocabulary, is unchanged), recorded in the mapping's `_meta`; everywhere else
 * tokens are stored as they are.
 */
export type FeatureNames = "verbatim" | "escaped";

/** The feature name under which a token is stored. */
export function featureName(token: string, names: FeatureNames): string {
  return names === "escaped" ? token.replace(/%/g, "%25").replace(/\./g, "%2E") : token;
}

/** The token a stored feature name spells (the inverse of {@link featureName}). */
export function tokenOf(feature: string, names: FeatureNames): string {
  return names === "escaped" ? feature.replace(/%(25|2E)/g, (_, code: string) => (code === "25" ? "%" : ".")) : feature;
}

/** A sparse vector with its tokens spelled as feature names (or read back: `toFeatures` false). */
export function renameFeatures(vector: Record<string, unknown>, names: FeatureNames, toFeatures: boolean): SparseVector {
  const out: SparseVector = {};
  // Tokens are data: "__proto__" is a key like any other.
  for (const [key, weight] of Object.entries(vector)) setOwn(out, toFeatures ? featureName(key, names) : tokenOf(key, names), weight as number);
  return out;
}
