/** Gaps closer than this (on the rescaled [0, 1] curve) are equal: rounding noise is no peak. */
const EPSILON = 1e-9;

/**
 * How many of `scores` (sorted descending) to keep so the list ends before the `jumps`-th peak,
 * as Weaviate's autocut does. The scores are rescaled so the top is 0 and the bottom 1 and the
 * straight line i / (n − 1) is subtracted: gap(i) is how far the curve has fallen below an even
 * descent by hit i. A peak is a point higher than both neighbours (the last point: higher than the
 * two before it), i.e. just after a drop steeper than the rest; the list is cut before it, so
 * cutting after the first hit is possible. Lists of fewer than three hits, equal scores and
 * straight lines have no peak: everything is kept.
 */
export function autocut(scores: readonly number[], jumps: number): number {
  const n = scores.length;
  if (n <= 1) return n;
  const top = scores[0]!;
  const span = top - scores[n - 1]!;
  if (!(span > 0)) return n;
  const gap = (i: number) => (top - scores[i]!) / span - i / (n - 1);
  const above = (a: number, b: number) => a > b + EPSILON;
  let found = 0;
  for (let i = 1; i < n; i++) {
    const g = gap(i);
    const peak = i < n - 1 ? above(g, gap(i - 1)) && above(g, gap(i + 1)) : above(g, gap(i - 1)) && above(g, gap(i - 2));
    if (peak && ++found >= jumps) return i;
  }
  return n;
}
