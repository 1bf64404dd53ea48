/**
 * The text leg on FlexSearch: `import { flexSearchTextIndex } from "tandem-search/flexsearch"`.
 *
 * @module tandem-search/flexsearch
 */
import type { Index as FlexIndex } from "flexsearch";
import { CorruptIndexError, MissingPluginError, type TextIndex, type TextIndexFactory } from "../../src/index.js";
import { importPeer } from "../import-peer.js";

const { Index, Encoder, Charset } = await importPeer(() => import("flexsearch"), "flexsearch", "tandem-search/flexsearch");

/** Options for the FlexSearch text leg. */
export interface FlexSearchTextOptions {
  /**
   * FlexSearch tokenizer: `strict` (whole words, default), `forward`, `reverse` or `full`
   * (partial matches, larger index).
   */
  tokenize?: "strict" | "forward" | "reverse" | "full";
  /** FlexSearch encoder preset. Default `LatinBalance` (case and accent folding, light normalization). */
  encoder?: "Default" | "Exact" | "LatinBalance" | "LatinAdvanced" | "LatinExtra" | "LatinSoundex";
  /**
   * Whether a writer saves the text index of each segment it writes (default true), so that
   * readers load it on their first text query instead of indexing every stored text. Saving
   * indexes each commit's texts as it is written; with false, commits do no text indexing and
   * every reader (and the writer, on its first text query) indexes the stored texts. Loading what
   * other writers saved does not depend on it.
   */
  save?: boolean;
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

/** The layout of saved bytes (see `save`); a change to it, or to what shapes the term map, changes the format. */
const SAVED_LAYOUT = 1;
const encoder = new TextEncoder();
const decoder = new TextDecoder("utf-8", { ignoreBOM: true });

class FlexSearchTextIndex implements TextIndex {
  private readonly index: FlexIndex;
  private readonly terms: FlexSearchTerms;
  readonly format: string;

  constructor(options: FlexSearchTextOptions) {
    const tokenize = options.tokenize ?? "strict";
    const encoderName = options.encoder ?? "LatinBalance";
    // The preset with FlexSearch's cache off: a cached word skips the encoder's deduplication, so
    // with the cache a document's terms (and so its relevance slots) would depend on which words
    // the index encoded in the last 50 ms, not on the document alone.
    this.index = new Index({ tokenize, encoder: new Encoder({ ...Charset[encoderName], cache: false }) });
    this.terms = termsOf(this.index);
    this.format = `flexsearch-0.8/${SAVED_LAYOUT}/${tokenize}/${encoderName}/${this.terms.resolution}`;
    // Without saving, the index offers no `save`: the engine then stores no text index with segments.
    if (options.save === false) Object.defineProperty(this, "save", { value: undefined });
  }

  /**
   * The term map as it stands: per term, per relevance slot, the keys in order, and the keys
   * registered as indexed. Little-endian u32 words — layout, resolution, term count, registered
   * count, id count, term bytes — then term starts, slot starts, ids, registered keys, and the
   * terms as UTF-8.
   */
  save(): Uint8Array {
    const { map, resolution } = this.terms;
    const registered = [...this.registered()];
    const terms = [...map.keys()];
    const termRuns = terms.map((t) => encoder.encode(t));
    const termBytes = termRuns.reduce((n, r) => n + r.length, 0);
    let idCount = 0;
    for (const slots of map.values()) for (let y = 0; y < resolution; y++) idCount += slots[y]?.length ?? 0;
    const words = 6 + (terms.length + 1) + (terms.length * resolution + 1) + idCount + registered.length;
    const buffer = new ArrayBuffer(words * 4 + termBytes);
    const u32 = new Uint32Array(buffer, 0, words);
    u32.set([SAVED_LAYOUT, resolution, terms.length, registered.length, idCount, termBytes]);
    const termStarts = 6;
    const slotStarts = termStarts + terms.length + 1;
    const idsAt = slotStarts + terms.length * resolution + 1;
    const bytes = new Uint8Array(buffer);
    let at = 0;
    let ids = 0;
    terms.forEach((term, t) => {
      u32[termStarts + t] = at;
      bytes.set(termRuns[t]!, words * 4 + at);
      at += termRuns[t]!.length;
      const slots = map.get(term)!;
      for (let y = 0; y < resolution; y++) {
        u32[slotStarts + t * resolution + y] = ids;
        for (const key of slots[y] ?? []) u32[idsAt + ids++] = key;
      }
    });
    u32[termStarts + terms.length] = at;
    u32[slotStarts + terms.length * resolution] = ids;
    u32.set(registered, idsAt + ids);
    return bytes;
  }

  load(saved: Uint8Array, keys: Int32Array): void {
    // The words are read through an aligned copy when the bytes do not start on a 4-byte boundary.
    const bytes = saved.byteOffset % 4 === 0 ? saved : saved.slice();
    const head = new Uint32Array(bytes.buffer, bytes.byteOffset, 6);
    const [layout, resolution, termCount, registeredCount, idCount, termBytes] = head;
    const words = 6 + (termCount! + 1) + (termCount! * resolution! + 1) + idCount! + registeredCount!;
    if (layout !== SAVED_LAYOUT || resolution !== this.terms.resolution || words * 4 + termBytes! !== bytes.length) {
      throw new CorruptIndexError(`tandem-search/flexsearch: a saved text index of layout ${layout}, resolution ${resolution} and ${bytes.length} bytes does not hold together (this plugin reads layout ${SAVED_LAYOUT}, resolution ${this.terms.resolution})`);
    }
    const u32 = new Uint32Array(bytes.buffer, bytes.byteOffset, words);
    const termStarts = 6;
    const slotStarts = termStarts + termCount! + 1;
    const idsAt = slotStarts + termCount! * resolution + 1;
    const text = bytes.subarray(words * 4);
    const { map } = this.terms;
    for (let t = 0; t < termCount!; t++) {
      let slots: (number[] | undefined)[] | undefined;
      for (let y = 0; y < resolution; y++) {
        const from = idsAt + u32[slotStarts + t * resolution + y]!;
        const to = idsAt + u32[slotStarts + t * resolution + y + 1]!;
        for (let i = from; i < to; i++) {
          const key = keys[u32[i]!] ?? -1;
          if (key < 0) continue;
          if (!slots) {
            const term = decoder.decode(text.subarray(u32[termStarts + t], u32[termStarts + t + 1]));
            slots = map.get(term);
            if (!slots) map.set(term, (slots = []));
          }
          (slots[y] ??= []).push(key);
        }
      }
    }
    const registered = this.registered();
    for (let i = idsAt + idCount!; i < words; i++) {
      const key = keys[u32[i]!] ?? -1;
      if (key >= 0) registered.add(key);
    }
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
  /** The keys FlexSearch has indexed (its register, which `remove` consults). */
  private registered(): Set<number> {
    return (this.index as unknown as { reg: Set<number> }).reg;
  }

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
  const reg = (index as unknown as { reg?: unknown }).reg;
  if (!(inner.map instanceof Map) || !(reg instanceof Set) || typeof inner.encoder?.encode !== "function" || typeof inner.resolution !== "number" || inner.depth || inner.compress) {
    throw new MissingPluginError("tandem-search/flexsearch: the installed flexsearch does not expose the term map of version 0.8 this text leg ranks with");
  }
  return inner as FlexSearchTerms;
}
