import type { Index as FlexIndex } from "flexsearch";
import type { TextIndex, TextIndexFactory } from "../../src/index.js";
import { importPeer } from "../import-peer.js";

const { Index } = await importPeer(() => import("flexsearch"), "flexsearch", "tandem-search/flexsearch");

/** Options for the FlexSearch text leg. */
export interface FlexSearchTextOptions {
  /**
   * FlexSearch tokenizer: `strict` (whole words, default), `forward`, `reverse` or `full`
   * (partial matches, larger index).
   */
  tokenize?: "strict" | "forward" | "reverse" | "full";
  /** FlexSearch encoder preset. Default `LatinBalance` (case and accent folding, light normalization). */
  encoder?: "Default" | "Exact" | "LatinBalance" | "LatinAdvanced" | "LatinExtra" | "LatinSoundex";
}

/**
 * The text leg on FlexSearch 0.8: words of the query are matched with `suggest` on, so a
 * document matching some but not all words still ranks (below those matching all). FlexSearch
 * produces no scores, so the leg is rank-only.
 */
export function flexSearchTextIndex(options: FlexSearchTextOptions = {}): TextIndexFactory {
  return () => new FlexSearchTextIndex(options);
}

class FlexSearchTextIndex implements TextIndex {
  private readonly index: FlexIndex;

  constructor(options: FlexSearchTextOptions) {
    this.index = new Index({ tokenize: options.tokenize ?? "strict", encoder: options.encoder ?? "LatinBalance" });
  }

  add(key: number, text: string): void {
    this.index.add(key, text);
  }

  remove(key: number): void {
    this.index.remove(key);
  }

  search(text: string, limit: number): number[] {
    return this.index.search(text, { limit, suggest: true }) as number[];
  }
}
