import { HybridIndex } from "../engine/hybrid-index.js";
import type { SearchIndex } from "../engine/search-index.js";
import { MissingPluginError, type TandemError } from "../errors.js";
import { loadElasticsearch, loadOpenSearch, loadTextIndex } from "./plugins.js";
import type { DenseQuantization, Metric } from "../types.js";
import type { ParsedValues } from "./options.js";
import { UsageError } from "./usage-error.js";

interface OpenIndexOptions {
  readOnly: boolean;
  metric?: Metric;
  hnsw?: { M?: number; efConstruction?: number };
  quantization?: DenseQuantization;
  /** Where a writer reports housekeeping that failed after its commit succeeded (e.g. a merge on a full disk). */
  warn?: (line: string) => void;
}

/** Opens the index the command line names (`--backend`, `--index` or `--es-*`). */
export async function openIndex(values: ParsedValues, options: OpenIndexOptions): Promise<SearchIndex> {
  const backend = backendOf(values);
  const hnsw = Object.fromEntries(Object.entries(options.hnsw ?? {}).filter(([, v]) => v !== undefined));
  if (backend === "elasticsearch") {
    if (options.quantization !== undefined) {
      throw new UsageError("--quantization applies to the embedded backend; Elasticsearch quantizes by its own index type (denseIndexType, e.g. int8_hnsw, in the plugin's options)");
    }
    return openElasticsearch(values, options, hnsw);
  }
  if (backend === "opensearch") {
    if (options.quantization !== undefined) throw new UsageError("--quantization applies to the embedded backend; an OpenSearch index keeps float vectors (knn_vector)");
    return openOpenSearch(values, options, hnsw);
  }
  const dir = values.index as string | undefined;
  if (!dir) throw new UsageError("--index <dir> is required with the embedded backend");
  const warn = options.warn;
  const onMaintenanceError = warn
    ? (err: Error, work: "compaction" | "graph") =>
        warn(
          work === "compaction"
            ? `tandem: warning: merging segments after the commit failed: ${err.message} (the documents are stored; the merge is tried again at the next write)`
            : `tandem: warning: saving the dense graph failed: ${err.message} (the documents are stored; the graph is completed when the index is next opened)`,
        )
    : undefined;
  return HybridIndex.open(dir, { readOnly: options.readOnly, metric: options.metric, hnsw, quantization: options.quantization, textIndex: await loadTextIndex(), onMaintenanceError });
}

const BACKENDS = ["embedded", "elasticsearch", "opensearch"] as const;

/** `--backend`, else TANDEM_BACKEND, else embedded. */
export function backendOf(values: ParsedValues): (typeof BACKENDS)[number] {
  const backend = (values.backend as string | undefined) ?? process.env.TANDEM_BACKEND ?? "embedded";
  if (!(BACKENDS as readonly string[]).includes(backend)) throw new UsageError(`--backend: expected embedded, elasticsearch or opensearch, got "${backend}"`);
  return backend as (typeof BACKENDS)[number];
}

/** An `--es-*` option, else its TANDEM_ES_* environment variable. */
function esOption(values: ParsedValues, name: string): string | undefined {
  const value = values[`es-${name}`] as string | undefined;
  return value ?? process.env[`TANDEM_ES_${name.toUpperCase().replace(/-/g, "_")}`];
}

/**
 * What the command line names as its index, for reports: the embedded index's directory, or the
 * backend, cluster URL and index name (options or their TANDEM_ES_* variables).
 */
export function describeTarget(values: ParsedValues): string {
  const backend = backendOf(values);
  if (backend === "embedded") return String(values.index ?? "");
  return `${backend} ${esOption(values, "url") ?? ""} index ${esOption(values, "index") ?? ""}`;
}

/** The cluster's URL and index name, which both cluster backends require. */
function clusterTarget(values: ParsedValues, backend: string): { url: string; index: string } {
  const url = esOption(values, "url");
  const index = esOption(values, "index");
  if (!url) throw new UsageError(`--es-url (or TANDEM_ES_URL) is required with --backend ${backend}`);
  if (!index) throw new UsageError(`--es-index (or TANDEM_ES_INDEX) is required with --backend ${backend}`);
  return { url, index };
}

async function openElasticsearch(values: ParsedValues, options: OpenIndexOptions, hnsw: OpenIndexOptions["hnsw"]): Promise<SearchIndex> {
  const { url, index } = clusterTarget(values, "elasticsearch");
  const plugin = await loadElasticsearch();
  const client = plugin.connect({
    url,
    apiKey: esOption(values, "api-key"),
    username: esOption(values, "username"),
    password: esOption(values, "password"),
    caFile: esOption(values, "ca"),
  });
  try {
    return await plugin.ElasticsearchIndex.open(client, { index, readOnly: options.readOnly, metric: options.metric, hnsw, closeClient: true });
  } catch (err) {
    await client.close();
    throw err;
  }
}

/**
 * The same flags as Elasticsearch, less the API key: OpenSearch's security plugin authenticates
 * with a username and password (or AWS signatures, which a URL and flags cannot carry).
 */
async function openOpenSearch(values: ParsedValues, options: OpenIndexOptions, hnsw: OpenIndexOptions["hnsw"]): Promise<SearchIndex> {
  const { url, index } = clusterTarget(values, "opensearch");
  if (esOption(values, "api-key") !== undefined) {
    throw new UsageError("--es-api-key (or TANDEM_ES_API_KEY): OpenSearch has no API keys; give --es-username and --es-password");
  }
  const plugin = await loadOpenSearch();
  let client: { close(): Promise<unknown> };
  try {
    client = await plugin.connect({ url, username: esOption(values, "username"), password: esOption(values, "password"), caFile: esOption(values, "ca") });
  } catch (err) {
    // By code: the plugin's error class is the one of the installed package, which need not be this module's.
    if ((err as TandemError).code === "MISSING_PLUGIN") throw new MissingPluginError(`--backend opensearch: ${(err as Error).message}`, { cause: err });
    throw err;
  }
  try {
    return await plugin.OpenSearchIndex.open(client, { index, readOnly: options.readOnly, metric: options.metric, hnsw, closeClient: true });
  } catch (err) {
    await client.close();
    throw err;
  }
}
