/**
 * How many of `scores` (sorted descending) to keep so the list ends at the `jumps`-th large gap.
 * The scores are rescaled to [0, 1] and compared with the straight line from the first to the
 * last; a large gap is a local maximum of (rescaled score − line), the point where the curve
 * bends down hardest. Returns `scores.length` when there are fewer gaps than asked for.
 */
export function autocut(scores: readonly number[], jumps: number): number {
  const n = scores.length;
  if (n <= 2) return n;
  const top = scores[0]!;
  const bottom = scores[n - 1]!;
  if (top === bottom) return n;
  const bend = (i: number) => (scores[i]! - bottom) / (top - bottom) - (1 - i / (n - 1));
  let found = 0;
  for (let i = 1; i < n - 1; i++) {
    const b = bend(i);
    if (b > bend(i - 1) && b >= bend(i + 1)) {
      found++;
      if (found >= jumps) return i + 1;
    }
  }
  return n;
}
