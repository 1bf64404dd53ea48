import type { TextIndexFactory } from "../engine/text-index.js";
import type { SearchIndex } from "../engine/search-index.js";
import type { DenseEncoder, Metric, SparseEncoder, SparseVector } from "../types.js";
import { MissingPluginError } from "../errors.js";

/**
 * Plugins are found by package name at run time, so the core never depends on them and a
 * build without one still runs every command that does not need it.
 */
async function importPlugin<T>(specifier: string): Promise<T | undefined> {
  try {
    return (await import(specifier)) as T;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ERR_MODULE_NOT_FOUND" || (err as NodeJS.ErrnoException).code === "ERR_PACKAGE_PATH_NOT_EXPORTED") return undefined;
    throw err;
  }
}

/** The FlexSearch text leg, or undefined when `tandem-search/flexsearch` is not installed. */
export async function loadTextIndex(): Promise<TextIndexFactory | undefined> {
  const plugin = await importPlugin<{ flexSearchTextIndex: () => TextIndexFactory }>("tandem-search/flexsearch");
  return plugin?.flexSearchTextIndex();
}

/** A fitted BM25 encoder as the CLI uses it. */
export interface Bm25 extends SparseEncoder {
  encodeQuerySync(text: string): SparseVector;
  encodeDocumentSync(text: string): SparseVector;
}

export interface EncodersPlugin {
  Bm25Encoder: { fit(texts: readonly string[]): Bm25 & { model: unknown }; fromModel(model: unknown): Bm25 & { model: unknown } };
  TransformersDenseEncoder: { load(model: string): Promise<DenseEncoder> };
  TransformersSparseEncoder: { load(model: string): Promise<SparseEncoder> };
}

export async function loadEncoders(): Promise<EncodersPlugin> {
  const plugin = await importPlugin<EncodersPlugin>("tandem-search/encoders");
  if (!plugin) throw new MissingPluginError("the encoders plugin (tandem-search/encoders) is not installed");
  return plugin;
}

export interface ElasticsearchPlugin {
  connect(options: { url: string; apiKey?: string; username?: string; password?: string; caFile?: string }): { close(): Promise<void> };
  ElasticsearchIndex: {
    open(
      client: unknown,
      options: { index: string; readOnly: boolean; metric?: Metric; hnsw?: { M?: number; efConstruction?: number }; closeClient: boolean },
    ): Promise<SearchIndex>;
  };
}

export async function loadElasticsearch(): Promise<ElasticsearchPlugin> {
  const plugin = await importPlugin<ElasticsearchPlugin>("tandem-search/elasticsearch");
  if (!plugin) throw new MissingPluginError("--backend elasticsearch needs the Elasticsearch plugin (tandem-search/elasticsearch and @elastic/elasticsearch)");
  return plugin;
}
