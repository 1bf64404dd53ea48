/**
 * A text index plugged in for the text leg (e.g. `tandem-search/flexsearch`). The engine keys
 * documents by an internal integer; results are keys in rank order (the text leg is rank-only).
 */
export interface TextIndex {
  add(key: number, text: string): void;
  remove(key: number): void;
  /** Up to `limit` keys matching `text`, best first. */
  search(text: string, limit: number): number[];
}

/** Creates an empty text index. Called again whenever the engine rebuilds its legs. */
export type TextIndexFactory = () => TextIndex;
