/**
 * Which segment a slot belongs to: segments lie end to end in the slot space, each from its base.
 * Every leg keeps its per-segment structures in the engine's segment order. @internal
 */
export class SlotRanges<T extends { base: number }> {
  items: T[] = [];

  /** The item whose range holds `slot` (the last one starting at or before it). */
  at(slot: number): T {
    return this.items[this.indexAt(slot)]!;
  }

  /** The index of the item whose range holds `slot`. */
  indexAt(slot: number): number {
    const items = this.items;
    let lo = 0;
    let hi = items.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >>> 1;
      if (items[mid]!.base <= slot) lo = mid;
      else hi = mid - 1;
    }
    return lo;
  }
}
