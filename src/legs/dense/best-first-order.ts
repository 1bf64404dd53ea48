/** Index bits below the score in a sort key: up to 2^20 entries (2^32 × 2^20 ≤ 2^53, exact in a double). */
const INDEX_BITS = 2 ** 20;
const f32 = new Float32Array(1);
const u32 = new Uint32Array(f32.buffer);

/**
 * The indices of `scores` ordered by score, highest first, equal scores by `tie` (ascending) —
 * the order `sort` with that comparator gives — without calling a comparator per comparison: each
 * score is a float32 value, so its bits, made sortable, and the index make one exact double key
 * that a native typed-array sort orders. Only runs of equal scores (rare) call `tie`. @internal
 */
export function bestFirstOrder(scores: ArrayLike<number>, tie: (a: number, b: number) => number): number[] {
  const n = scores.length;
  const order = new Array<number>(n);
  if (n >= INDEX_BITS) {
    for (let i = 0; i < n; i++) order[i] = i;
    return order.sort((a, b) => scores[b]! - scores[a]! || tie(a, b));
  }
  const keys = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    // + 0 makes −0 equal to 0, as a comparator's subtraction sees them.
    f32[0] = scores[i]! + 0;
    const bits = u32[0]!;
    // Float32 bits as an unsigned integer that grows with the value, then reversed: highest first.
    const ascending = bits >= 0x80000000 ? 0xffffffff - bits : bits + 0x80000000;
    keys[i] = (0xffffffff - ascending) * INDEX_BITS + i;
  }
  keys.sort();
  for (let k = 0; k < n; k++) order[k] = keys[k]! % INDEX_BITS;
  for (let start = 0; start < n; ) {
    let end = start + 1;
    while (end < n && scores[order[end]!] === scores[order[start]!]) end++;
    if (end - start > 1) {
      const run = order.slice(start, end).sort(tie);
      for (let k = start; k < end; k++) order[k] = run[k - start]!;
    }
    start = end;
  }
  return order;
}
