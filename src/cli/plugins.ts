import type { TextIndexFactory } from "../engine/text-index.js";
import type { SparseEncoder, SparseVector } from "../types.js";
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
}

export async function loadEncoders(): Promise<EncodersPlugin> {
  const plugin = await importPlugin<EncodersPlugin>("tandem-search/encoders");
  if (!plugin) throw new MissingPluginError("the encoders plugin (tandem-search/encoders) is not installed");
  return plugin;
}
