/**
 * Which segments to merge after a commit: a logarithmic policy over adjacent segments, as
 * Lucene's LogMergePolicy. A segment's level is ⌊log_F(documents)⌋ for merge factor F. Take the
 * newest segments of level at most L: when F or more of them are of level L (the lowest L for
 * which that holds), they are merged into one, with the fewer than F of each lower level after
 * them. Commits append small segments, so the index keeps fewer than F segments per level:
 * O(F · log_F N) segments, each document merged O(log_F N) times.
 * Merging adjacent segments only keeps documents in write order, so slot numbers survive merges.
 * @internal
 */
export const MERGE_FACTOR = 10;

/**
 * The run `[start, end)` of segments to merge next, or undefined when none is due.
 * `sizes` are the segments' document counts (deleted included), oldest first.
 */
export function findMerge(sizes: readonly number[], factor = MERGE_FACTOR): { start: number; end: number } | undefined {
  const levels = sizes.map((n) => Math.floor(Math.log(Math.max(n, 1)) / Math.log(factor) + 1e-9));
  const top = Math.max(0, ...levels);
  for (let level = 0; level <= top; level++) {
    let start = sizes.length;
    let atLevel = 0;
    while (start > 0 && levels[start - 1]! <= level) if (levels[--start] === level) atLevel++;
    if (atLevel >= factor) return { start, end: sizes.length };
  }
  return undefined;
}
