import { HybridIndex } from "../engine/hybrid-index.js";
import { loadTextIndex } from "./plugins.js";
import type { Metric } from "../types.js";
import type { ParsedValues } from "./options.js";
import { UsageError } from "./usage-error.js";

/** Opens the index the command line names (`--backend`, `--index`). */
export async function openIndex(
  values: ParsedValues,
  options: { readOnly: boolean; metric?: Metric; hnsw?: { M?: number; efConstruction?: number } },
): Promise<HybridIndex> {
  const backend = (values.backend as string | undefined) ?? process.env.TANDEM_BACKEND ?? "embedded";
  if (backend === "elasticsearch") {
    throw new UsageError("--backend elasticsearch: the Elasticsearch backend is not available in this version");
  }
  if (backend !== "embedded") throw new UsageError(`--backend: expected embedded or elasticsearch, got "${backend}"`);
  const dir = values.index as string | undefined;
  if (!dir) throw new UsageError("--index <dir> is required with the embedded backend");
  const hnsw = Object.fromEntries(Object.entries(options.hnsw ?? {}).filter(([, v]) => v !== undefined));
  return HybridIndex.open(dir, { readOnly: options.readOnly, metric: options.metric, hnsw, textIndex: await loadTextIndex() });
}
