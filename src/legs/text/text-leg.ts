import type { SavedTextPart } from "./saved-text-part.js";
import type { TextIndex, TextIndexFactory } from "./text-index.js";

/**
 * Fills a new text index with every live slot that has a text: from segments' saved indexes
 * where they can be loaded (see {@link TextLeg.loadable}), else by adding the stored texts.
 */
export type TextIndexFill = (index: TextIndex) => void;

/**
 * The text leg: a plugged-in text index over slots (FlexSearch from `tandem-search/flexsearch`),
 * made on the first text query rather than on open — loaded from the index each segment saved
 * when the plugin saves, else built from the stored texts — and kept up to date by writes once
 * made. Rank-only. @internal
 */
export class TextLeg {
  private index: TextIndex | null = null;

  constructor(private readonly factory: TextIndexFactory) {}

  /** The index, made by `fill` the first time it is needed. */
  private built(fill: TextIndexFill): TextIndex {
    if (!this.index) {
      const index = this.factory();
      fill(index);
      this.index = index;
    }
    return this.index;
  }

  private format: string | null | undefined;

  /** The format of the plugin's saved indexes, or null when it does not save. */
  get savedFormat(): string | null {
    if (this.format === undefined) {
      const index = this.factory();
      this.format = index.save && index.load && index.format !== undefined ? index.format : null;
    }
    return this.format;
  }

  /** Whether `index` can load `saved` (same plugin format), so the segment's texts need not be added. */
  static loadable(index: TextIndex, saved: SavedTextPart | undefined): saved is SavedTextPart {
    return saved !== undefined && index.load !== undefined && index.format !== undefined && saved.format === index.format;
  }

  /**
   * The saved index of a segment's texts (`texts` as local number and text), or undefined when
   * the plugin does not save. `sources` are saved parts to load first, each with the local number
   * every one of its keys gets in this segment (−1: left out) — a merge's inputs; a source that
   * cannot be loaded is undefined and its documents come in `texts` instead.
   */
  save(texts: Iterable<[number, string]>, sources: readonly { saved: SavedTextPart; keys: Int32Array }[] = []): SavedTextPart | undefined {
    const index = this.factory();
    if (!index.save || !index.load || index.format === undefined) return undefined;
    for (const { saved, keys } of sources) index.load(saved.bytes, keys);
    for (const [key, text] of texts) index.add(key, text);
    return { format: index.format, bytes: index.save() };
  }

  /** Lets `fill` add to the index when it has been made (a new segment's documents); else the next query makes it whole. */
  extend(fill: TextIndexFill): void {
    if (this.index) fill(this.index);
  }

  remove(slot: number): void {
    this.index?.remove(slot);
  }

  /** Forgets the index (slots were renumbered); the next query makes it again. */
  reset(): void {
    this.index = null;
  }

  /**
   * Up to `candidates` accepted matches as (id, rank), with their slots: groups of equally relevant matches ordered
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
    fill: TextIndexFill,
  ): { hits: { id: string; rank: number }[]; slots: Int32Array } {
    const index = this.built(fill);
    const limit = filtered ? Math.max(slotCount, 1) : candidates;
    const groups = index.searchGroups ? index.searchGroups(text, limit) : index.search(text, limit).map((slot) => [slot]);
    const hits: { id: string; rank: number }[] = [];
    const slots: number[] = [];
    for (const group of groups) {
      const rank = hits.length + 1;
      const members = group.filter((slot) => accept[slot] === 1).map((slot) => ({ id: idOf(slot), slot }));
      members.sort((a, b) => compareIds(a.id, b.id));
      for (const { id, slot } of members.slice(0, candidates - hits.length)) {
        hits.push({ id, rank });
        slots.push(slot);
      }
      if (hits.length === candidates) break;
    }
    return { hits, slots: Int32Array.from(slots) };
  }
}
