/**
 * The text leg on FlexSearch: `import { flexSearchTextIndex } from "tandem-search/flexsearch"`.
 *
 * @module tandem-search/flexsearch
 */
import type { Index as FlexIndex } from "flexsearch";
import { MissingPluginError, type TextIndex, type TextIndexFactory } from "../../src/index.js";
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
 * produces no scores, so the leg is rank-only; it reports FlexSearch's groups of equally
 * relevant documents, so that the engine can order each group by id.
 */
export function flexSearchTextIndex(options: FlexSearchTextOptions = {}): TextIndexFactory {
  return () => new FlexSearchTextIndex(options);
}

/**
 * What FlexSearch 0.8's own `search` reads for a query (src/index/search.js): the encoder that
 * turns the query into terms, and per term the ids in each of `resolution` relevance slots
 * (slot 0 best; a document sits in the slot of its term's first position).
 */
interface FlexSearchTerms {
  encoder: { encode(text: string, dedupe: boolean): string[] };
  map: Map<string, (number[] | undefined)[]>;
  resolution: number;
}

class FlexSearchTextIndex implements TextIndex {
  private readonly index: FlexIndex;
  private readonly terms: FlexSearchTerms;

  constructor(options: FlexSearchTextOptions) {
    this.index = new Index({ tokenize: options.tokenize ?? "strict", encoder: options.encoder ?? "LatinBalance" });
    this.terms = termsOf(this.index);
  }

  add(key: number, text: string): void {
    this.index.add(key, text);
  }

  remove(key: number): void {
    this.index.remove(key);
  }

  search(text: string, limit: number): number[] {
    return this.searchGroups(text, limit)
      .flatMap((group) => [...group].sort((a, b) => a - b))
      .slice(0, limit);
  }

  /**
   * FlexSearch's ranking with `suggest`, as groups: a document matching more of the query's terms
   * ranks higher, and among those matching as many, the one whose worst term sits in a better
   * slot. Inside such a group FlexSearch orders by term order and insertion order, which is write
   * history, not relevance; those documents are one group here. (`resolve: false` does not give
   * these groups for several terms: it merges slots across match counts.)
   */
  searchGroups(text: string, limit: number): number[][] {
    const { encoder, map, resolution } = this.terms;
    const lists: (number[] | undefined)[][] = [];
    for (const term of new Set(encoder.encode(text, true))) {
      const slots = map.get(term);
      if (slots && slots.length > 0) lists.push(slots);
    }
    const matched = new Map<number, number>();
    const worst = new Map<number, number>();
    for (const slots of lists) {
      for (let y = 0; y < Math.min(slots.length, resolution); y++) {
        for (const key of slots[y] ?? []) {
          matched.set(key, (matched.get(key) ?? 0) + 1);
          worst.set(key, Math.max(worst.get(key) ?? 0, y));
        }
      }
    }
    const buckets: number[][] = [];
    for (const [key, count] of matched) (buckets[(lists.length - count) * resolution + worst.get(key)!] ??= []).push(key);
    const groups: number[][] = [];
    let found = 0;
    for (const group of buckets) {
      if (!group) continue;
      groups.push(group);
      found += group.length;
      if (found >= limit) break;
    }
    return groups;
  }
}

function termsOf(index: FlexIndex): FlexSearchTerms {
  const inner = index as unknown as Partial<FlexSearchTerms> & { depth?: number; compress?: unknown };
  if (!(inner.map instanceof Map) || typeof inner.encoder?.encode !== "function" || typeof inner.resolution !== "number" || inner.depth || inner.compress) {
    throw new MissingPluginError("tandem-search/flexsearch: the installed flexsearch does not expose the term map of version 0.8 this text leg ranks with");
  }
  return inner as FlexSearchTerms;
}
