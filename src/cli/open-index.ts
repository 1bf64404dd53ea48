import { HybridIndex } from "../engine/hybrid-index.js";
import type { SearchIndex } from "../engine/search-index.js";
import { loadElasticsearch, loadTextIndex } from "./plugins.js";
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

/** `--backend`, else TANDEM_BACKEND, else embedded. */
export function backendOf(values: ParsedValues): "embedded" | "elasticsearch" {
  const backend = (values.backend as string | undefined) ?? process.env.TANDEM_BACKEND ?? "embedded";
  if (backend !== "embedded" && backend !== "elasticsearch") throw new UsageError(`--backend: expected embedded or elasticsearch, got "${backend}"`);
  return backend;
}

/** An `--es-*` option, else its TANDEM_ES_* environment variable. */
function esOption(values: ParsedValues, name: string): string | undefined {
  const value = values[`es-${name}`] as string | undefined;
  return value ?? process.env[`TANDEM_ES_${name.toUpperCase().replace(/-/g, "_")}`];
}

async function openElasticsearch(values: ParsedValues, options: OpenIndexOptions, hnsw: OpenIndexOptions["hnsw"]): Promise<SearchIndex> {
  const url = esOption(values, "url");
  const index = esOption(values, "index");
  if (!url) throw new UsageError("--es-url (or TANDEM_ES_URL) is required with --backend elasticsearch");
  if (!index) throw new UsageError("--es-index (or TANDEM_ES_INDEX) is required with --backend elasticsearch");
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
