import type { TextIndex, TextIndexFactory } from "./text-index.js";

/**
 * The text leg: a plugged-in text index over slots (FlexSearch from `tandem-search/flexsearch`),
 * built from the stored texts on the first text query rather than on open, and kept up to date by
 * writes once built. Rank-only. @internal
 */
export class TextLeg {
  private index: TextIndex | null = null;

  constructor(private readonly factory: TextIndexFactory) {}

  /** The index, built from `texts` (every live slot with a text) the first time it is needed. */
  private built(texts: () => Iterable<[number, string]>): TextIndex {
    if (!this.index) {
      const index = this.factory();
      for (const [slot, text] of texts()) index.add(slot, text);
      this.index = index;
    }
    return this.index;
  }

  add(slot: number, text: string): void {
    this.index?.add(slot, text);
  }

  remove(slot: number): void {
    this.index?.remove(slot);
  }

  /** Forgets the index (slots were renumbered); the next query builds it again. */
  reset(): void {
    this.index = null;
  }

  /**
   * Up to `candidates` accepted matches as (id, rank): groups of equally relevant matches ordered
   * by id share a rank (competition ranking), so neither their order nor which of them make the
   * cut depends on write history. With a filter every match is asked for, so the best
   * `candidates` matching documents survive.
   */
  retrieve(
    text: string,
    candidates: number,
    accept: Uint8Array,
    filtered: boolean,
    slotCount: number,
    idOf: (slot: number) => string,
    compareIds: (a: string, b: string) => number,
    texts: () => Iterable<[number, string]>,
  ): { id: string; rank: number }[] {
    const index = this.built(texts);
    const limit = filtered ? Math.max(slotCount, 1) : candidates;
    const groups = index.searchGroups ? index.searchGroups(text, limit) : index.search(text, limit).map((slot) => [slot]);
    const hits: { id: string; rank: number }[] = [];
    for (const group of groups) {
      const rank = hits.length + 1;
      const ids = group.filter((slot) => accept[slot] === 1).map(idOf);
      ids.sort(compareIds);
      for (const id of ids.slice(0, candidates - hits.length)) hits.push({ id, rank });
      if (hits.length === candidates) break;
    }
    return hits;
  }
}
