import type { TextIndexFactory } from "../legs/text/text-index.js";
import type { SearchIndex } from "../engine/search-index.js";
import type { DenseEncoder, Metric, SparseEncoder, SparseVector } from "../types.js";
import { MissingPluginError, type TandemError } from "../errors.js";

/**
 * Plugins are found by package name at run time, so the core never depends on them. They ship
 * in this package; what may be absent is a plugin's optional peer dependency, and then the
 * plugin fails to load with a MissingPluginError naming that peer.
 */
async function importPlugin<T>(specifier: string): Promise<T> {
  return (await import(specifier)) as T;
}

/** The FlexSearch text leg, or undefined when flexsearch (the plugin's peer) is not installed. */
export async function loadTextIndex(): Promise<TextIndexFactory | undefined> {
  try {
    const plugin = await importPlugin<{ flexSearchTextIndex: () => TextIndexFactory }>("tandem-search/flexsearch");
    return plugin.flexSearchTextIndex();
  } catch (err) {
    // By code: the plugin's error class is the one of the installed package, which need not be this module's.
    if ((err as TandemError).code === "MISSING_PLUGIN") return undefined;
    throw err;
  }
}

/** A fitted BM25 encoder as the CLI uses it. */
export interface Bm25 extends SparseEncoder {
  encodeQuerySync(text: string): SparseVector;
  encodeDocumentSync(text: string): SparseVector;
}

export interface EncodersPlugin {
  Bm25Encoder: {
    fit(texts: readonly string[]): Bm25 & { model: unknown };
    fitter(): { add(text: string): void; finish(): Bm25 & { model: unknown } };
    fromModel(model: unknown): Bm25 & { model: unknown };
  };
  TransformersDenseEncoder: { load(model: string): Promise<DenseEncoder> };
  TransformersSparseEncoder: { load(model: string): Promise<SparseEncoder> };
}

export async function loadEncoders(): Promise<EncodersPlugin> {
  return importPlugin<EncodersPlugin>("tandem-search/encoders");
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
  try {
    return await importPlugin<ElasticsearchPlugin>("tandem-search/elasticsearch");
  } catch (err) {
    if ((err as TandemError).code === "MISSING_PLUGIN") throw new MissingPluginError(`--backend elasticsearch: ${(err as Error).message}`, { cause: err });
    throw err;
  }
}

export interface OpenSearchPlugin {
  connect(options: { url: string; username?: string; password?: string; caFile?: string }): Promise<{ close(): Promise<unknown> }>;
  OpenSearchIndex: ElasticsearchPlugin["ElasticsearchIndex"];
}

/** The OpenSearch backend; its `connect` fails with a MissingPluginError when the client package is absent. */
export async function loadOpenSearch(): Promise<OpenSearchPlugin> {
  return importPlugin<OpenSearchPlugin>("tandem-search/opensearch");
}
