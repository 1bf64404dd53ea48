/**
 * The first index in `from…to` of ascending `values` holding `target` or more (`to` when none),
 * by doubling steps then halving: cheap when the answer is near `from`, as when a term's pairs
 * are searched for one block after another. @internal
 */
export function gallop(values: Uint32Array, from: number, to: number, target: number): number {
  if (from >= to || values[from]! >= target) return from;
  let lo = from;
  let step = 1;
  let hi = from + 1;
  while (hi < to && values[hi]! < target) {
    lo = hi;
    step <<= 1;
    hi = lo + step;
  }
  if (hi > to) hi = to;
  lo++;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (values[mid]! < target) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
