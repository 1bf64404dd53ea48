/**
 * A text index plugged in for the text leg (e.g. `tandem-search/flexsearch`). The engine keys
 * documents by an internal integer; results are keys in rank order (the text leg is rank-only).
 */
export interface TextIndex {
  /** Indexes `text` under `key` (the key is new, or was removed before). */
  add(key: number, text: string): void;
  /** Forgets `key`; a key never added is ignored. */
  remove(key: number): void;
  /** Up to `limit` keys matching `text`, best first. */
  search(text: string, limit: number): number[];
  /**
   * Optional, and used instead of `search` when present: the keys matching `text` as groups of
   * equally relevant keys, best group first, the order inside a group meaningless. Groups are
   * returned until they hold at least `limit` keys, the last one whole. The engine orders each
   * group by document id and gives its members one rank, so the leg's ranks depend on the
   * documents' content only, not on the order they were written in.
   */
  searchGroups?(text: string, limit: number): number[][];
  /**
   * Optional, with `save` and `load`: names what saved bytes hold (the plugin, its version and
   * the options that shape the index), so bytes are only loaded into an index that would have
   * built the same from the same texts.
   */
  readonly format?: string;
  /**
   * Optional: the index's content as bytes, stored with the segment it was built for (its keys
   * are the segment's local document numbers), so that opening the index later loads the text
   * leg instead of indexing every stored text again.
   */
  save?(): Uint8Array;
  /**
   * Optional: adds what `save` returned (of an index of the same `format`), saved key k under key
   * `keys[k]`, leaving out saved keys mapped to −1. The index then answers as if the texts of
   * those documents had been added under their new keys.
   */
  load?(bytes: Uint8Array, keys: Int32Array): void;
}

/** Creates an empty text index. Called again whenever the engine rebuilds its legs. */
export type TextIndexFactory = () => TextIndex;
