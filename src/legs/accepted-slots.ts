/**
 * The slots a search may return — live, and matching the query's filter when it has one — as one
 * byte per slot (1: accepted) with their count. The bytes never change while the set is in use:
 * a write to the index makes a new set. So a leg may derive per-segment data from it once (e.g.
 * which blocks hold an accepted document) and reuse it for every query searched under the same
 * set. @internal
 */
export class AcceptedSlots {
  private readonly derived = new WeakMap<object, unknown>();

  constructor(
    readonly bytes: Uint8Array,
    /** How many of `bytes` are 1. */
    readonly count: number,
  ) {}

  /** A set over `bytes`, counted here. */
  static of(bytes: Uint8Array): AcceptedSlots {
    let count = 0;
    for (let i = 0; i < bytes.length; i++) count += bytes[i]!;
    return new AcceptedSlots(bytes, count);
  }

  /** What `make` derives from this set for `owner` (e.g. a segment), made on first use and kept with the set. */
  derive<T>(owner: object, make: () => T): T {
    let value = this.derived.get(owner) as T | undefined;
    if (value === undefined) this.derived.set(owner, (value = make()));
    return value;
  }
}
