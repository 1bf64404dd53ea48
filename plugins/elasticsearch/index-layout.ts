import { BackendError, InvalidOptionError, type Metric } from "../../src/index.js";
import { setOwn } from "../../src/backend.js";
import type { FeatureNames } from "./feature-names.js";
import { metricOf, similarityFor, similarityOfSpace, spaceTypeFor, type EsSimilarity } from "./similarity.js";

/** Where each part of a Tandem document lives in the Elasticsearch index. */
export interface FieldNames {
  /** Text field (`text`), for the text leg and `get`. */
  text?: string;
  /** Sparse field: `sparse_vector` (or `rank_features`). */
  sparse?: string;
  /** Dense field: `dense_vector`. */
  dense?: string;
  /**
   * Object under which filter fields live (`fields`): filter field `year` is `fields.year`.
   * "" puts them at the top level, as in most existing indices.
   */
  metadata: string;
}

/** Field names of an index Tandem creates, and the names looked for first in an existing one. */
export const DEFAULT_FIELDS: Required<FieldNames> = { text: "text", sparse: "sparse", dense: "dense", metadata: "fields" };

/** `dense_vector` index types (`index_options.type`); the quantized ones trade exactness for memory. */
export type DenseIndexType = "hnsw" | "flat" | "int8_hnsw" | "int8_flat" | "int4_hnsw" | "int4_flat" | "bbq_hnsw" | "bbq_flat";

/** What the backend knows of an index: its fields and how the dense leg scores. */
export interface IndexLayout {
  fields: FieldNames;
  /** Mapping type of the sparse field. */
  sparseType: "sparse_vector" | "rank_features" | null;
  /** Dense dimension, or null until the first vector sets it. */
  dimension: number | null;
  similarity: EsSimilarity;
  metric: Metric;
  denseIndexType: DenseIndexType | null;
  /**
   * How a hit can carry each vector field for score completion without a second request:
   * `source` (kept in `_source`), `docvalues` (dense only: read from the vector index through
   * `docvalue_fields` when `_source` leaves it out), or null (sparse weights left out of
   * `_source`: completion asks the cluster).
   */
  carries: { sparse: "source" | null; dense: "source" | "docvalues" | null };
  /** Whether Tandem created the index (its mapping's `_meta.tandem`). */
  tandem: boolean;
  /** How tokens are spelled as the sparse field's feature names (see {@link FeatureNames}). */
  featureNames: FeatureNames;
}

/** The mapping's `_source` settings, as far as they decide which fields a hit can return. */
export interface SourceMapping {
  enabled?: boolean;
  mode?: string;
  includes?: string[];
  excludes?: string[];
}

/**
 * Whether `_source` keeps the field at a dotted path: not when `_source` is disabled, when
 * `includes` is given and no pattern names the field or an object above it, or when an
 * `excludes` pattern does (patterns as Elasticsearch's source filtering reads them: `*` stands
 * for any characters, a pattern naming an object covers what is under it).
 */
export function sourceKeeps(source: SourceMapping | undefined, path: string): boolean {
  if (!source) return true;
  if (source.enabled === false || source.mode === "disabled") return false;
  const covers = (pattern: string) => {
    const re = new RegExp(`^${pattern.split("*").map((part) => part.replace(/[.+?^${}()|[\]\\]/g, "\\$&")).join(".*")}(\\..*)?$`);
    return re.test(path);
  };
  if (source.includes && source.includes.length > 0 && !source.includes.some(covers)) return false;
  return !(source.excludes ?? []).some(covers);
}

export interface NewIndexOptions {
  metric: Metric;
  dimension: number | null;
  denseIndexType: DenseIndexType;
  hnsw?: { M?: number; efConstruction?: number };
  shards?: number;
  replicas?: number;
  /** OpenSearch: `rank_features` and the k-NN plugin's `knn_vector` (Lucene engine) instead. */
  opensearch?: boolean;
}

/**
 * The mapping of a new index's dense field. OpenSearch's `knn_vector` needs its dimension in the
 * mapping: null then (no vector seen yet), and the field is added by the first write with one.
 */
export function denseFieldMapping(options: NewIndexOptions): Record<string, unknown> | null {
  const hnsw = { m: options.hnsw?.M ?? 16, ef_construction: options.hnsw?.efConstruction ?? 200 };
  if (options.opensearch) {
    if (options.dimension === null) return null;
    // The Lucene engine: the default (Faiss) needs native libraries a cluster may not have.
    return { type: "knn_vector", dimension: options.dimension, method: { name: "hnsw", engine: "lucene", space_type: spaceTypeFor(options.metric), parameters: hnsw } };
  }
  const dense: Record<string, unknown> = {
    type: "dense_vector",
    index: true,
    similarity: similarityFor(options.metric),
    index_options: { type: options.denseIndexType, ...(options.denseIndexType.endsWith("hnsw") ? hnsw : {}) },
  };
  if (options.dimension !== null) dense.dims = options.dimension;
  return dense;
}

/** The body of `indices.create` for a new Tandem index. */
export function newIndexBody(fields: Required<FieldNames>, options: NewIndexOptions): Record<string, unknown> {
  const dense = denseFieldMapping(options);
  const prefix = fields.metadata === "" ? "" : `${fields.metadata}.`;
  // Filter fields map by value type: strings to keyword (exact terms, lexicographic ranges), all
  // numbers to double (an integer first seen must not truncate later fractions), booleans as is.
  const dynamic_templates = [
    { tandem_strings: { path_match: `${prefix}*`, match_mapping_type: "string", mapping: { type: "keyword" } } },
    { tandem_longs: { path_match: `${prefix}*`, match_mapping_type: "long", mapping: { type: "double" } } },
    { tandem_doubles: { path_match: `${prefix}*`, match_mapping_type: "double", mapping: { type: "double" } } },
  ];
  const properties: Record<string, unknown> = {};
  setOwn(properties, fields.text, { type: "text" });
  setOwn(properties, fields.sparse, { type: options.opensearch ? "rank_features" : "sparse_vector" });
  if (dense) setOwn(properties, fields.dense, dense);
  if (fields.metadata !== "") setOwn(properties, fields.metadata, { type: "object", dynamic: true });
  const settings: Record<string, unknown> = {};
  if (options.shards !== undefined) settings.number_of_shards = options.shards;
  if (options.replicas !== undefined) settings.number_of_replicas = options.replicas;
  if (options.opensearch) settings["index.knn"] = true;
  return {
    settings,
    mappings: {
      date_detection: false,
      numeric_detection: false,
      dynamic_templates,
      properties,
      _meta: { tandem: { metric: options.metric, ...(options.opensearch ? { featureNames: "escaped" } : {}) } },
    },
  };
}

type Properties = Record<
  string,
  {
    type?: string;
    properties?: Properties;
    dims?: number;
    similarity?: string;
    index_options?: { type?: string };
    /** OpenSearch `knn_vector`: */
    dimension?: number;
    space_type?: string;
    method?: { space_type?: string; name?: string };
  }
>;

/** Every leaf field of a mapping with its definition, by dotted path. */
function flatten(properties: Properties, prefix = ""): Map<string, Properties[string]> {
  const out = new Map<string, Properties[string]>();
  for (const [name, def] of Object.entries(properties ?? {})) {
    const path = prefix + name;
    if (def.properties && def.type === undefined) for (const [p, d] of flatten(def.properties, `${path}.`)) out.set(p, d);
    else out.set(path, def);
  }
  return out;
}

/**
 * Reads an existing index's mapping: the named fields are checked for the right types; fields not
 * named are found by type when exactly one field has it (so an index with one `sparse_vector` and
 * one `dense_vector` attaches with no configuration).
 */
export function layoutFromMapping(index: string, mapping: { properties?: Properties; _source?: SourceMapping; _meta?: { tandem?: { metric?: unknown; featureNames?: unknown } } }, requested: Partial<FieldNames>): IndexLayout {
  const leaves = flatten(mapping.properties ?? {});
  const pick = (role: string, name: string | undefined, types: string[]): string | undefined => {
    if (name !== undefined) {
      const def = leaves.get(name);
      if (!def) throw new BackendError(`index "${index}": no field "${name}" (asked for as the ${role} field)`);
      if (!types.includes(def.type ?? "object")) {
        throw new BackendError(`index "${index}": field "${name}" is ${def.type ?? "an object"}, but the ${role} field must be ${types.join(" or ")}`);
      }
      return name;
    }
    const found = [...leaves].filter(([, d]) => types.includes(d.type ?? "")).map(([p]) => p);
    if (found.length > 1) {
      throw new InvalidOptionError(`index "${index}": several ${types.join("/")} fields (${found.join(", ")}); name the ${role} field to use`);
    }
    return found[0];
  };
  const sparse = pick("sparse", requested.sparse, ["sparse_vector", "rank_features"]);
  const dense = pick("dense", requested.dense, ["dense_vector", "knn_vector"]);
  const text = pick("text", requested.text, ["text", "match_only_text"]);
  const denseDef = dense ? leaves.get(dense)! : undefined;
  const knn = denseDef?.type === "knn_vector";
  // knn_vector: space_type on the method or on the field (l2 when neither says).
  // An index without a dense field yet (OpenSearch, before the first vector) keeps its metric in _meta.
  const created = mapping._meta?.tandem?.metric;
  const metaSimilarity = created === "cosine" || created === "dot" || created === "l2" ? similarityFor(created) : "cosine";
  const similarity = knn ? similarityOfSpace(denseDef.method?.space_type ?? denseDef.space_type ?? "l2") : ((denseDef?.similarity ?? metaSimilarity) as EsSimilarity);
  if (similarity === null || !["cosine", "dot_product", "max_inner_product", "l2_norm"].includes(similarity)) {
    const what = knn ? `space_type ${denseDef.method?.space_type ?? denseDef.space_type}` : `similarity ${similarity}`;
    throw new BackendError(`index "${index}": dense field "${dense}" has ${what}, which Tandem cannot score`);
  }
  const metadata = requested.metadata ?? (leaves.has(DEFAULT_FIELDS.metadata) || [...leaves.keys()].some((p) => p.startsWith(`${DEFAULT_FIELDS.metadata}.`)) ? DEFAULT_FIELDS.metadata : "");
  return {
    fields: { text, sparse, dense, metadata },
    sparseType: sparse ? (leaves.get(sparse)!.type as "sparse_vector" | "rank_features") : null,
    dimension: (knn ? denseDef.dimension : denseDef?.dims) ?? null,
    similarity,
    metric: metricOf(similarity),
    denseIndexType: knn ? (denseDef.method ? "hnsw" : "flat") : ((denseDef?.index_options?.type as DenseIndexType | undefined) ?? null),
    carries: {
      sparse: sparse && sourceKeeps(mapping._source, sparse) ? "source" : null,
      // Doc values, whatever _source keeps: measured faster than filtering _source per hit.
      // knn_vector fields cannot be read as doc values: from _source, where it keeps them.
      dense: !dense ? null : !knn ? "docvalues" : sourceKeeps(mapping._source, dense) ? "source" : null,
    },
    tandem: mapping._meta?.tandem !== undefined,
    featureNames: mapping._meta?.tandem?.featureNames === "escaped" ? "escaped" : "verbatim",
  };
}
