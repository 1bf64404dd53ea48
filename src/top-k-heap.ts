/**
 * Bounded min-heap keeping the best `k` (score, slot) pairs. Ties on score are broken by
 * `tieBreak(a, b)` (negative when slot `a` ranks before slot `b`), so results are deterministic.
 * Scores and slots live in typed arrays; nothing is allocated per push.
 * @internal
 */
export class TopKHeap {
  private readonly scores: Float64Array;
  private readonly slots: Int32Array;
  private size = 0;

  constructor(
    readonly k: number,
    private readonly tieBreak: (a: number, b: number) => number,
  ) {
    this.scores = new Float64Array(Math.max(1, k));
    this.slots = new Int32Array(Math.max(1, k));
  }

  get length(): number {
    return this.size;
  }

  /**
   * The score a new entry must reach to have a chance of entering: the k-th best score once the
   * heap is full (an entry scoring exactly that enters only if it wins the tie), −∞ before.
   */
  get threshold(): number {
    return this.size < this.k || this.k === 0 ? (this.k === 0 ? Infinity : -Infinity) : this.scores[0]!;
  }

  /** True when (score, slot) ranks strictly below (worse than) entry i. */
  private worse(score: number, slot: number, i: number): boolean {
    const s = this.scores[i]!;
    if (score !== s) return score < s;
    return this.tieBreak(slot, this.slots[i]!) > 0;
  }

  push(score: number, slot: number): void {
    if (this.k === 0) return;
    if (this.size < this.k) {
      let i = this.size++;
      while (i > 0) {
        const parent = (i - 1) >> 1;
        if (!this.worse(score, slot, parent)) break;
        this.scores[i] = this.scores[parent]!;
        this.slots[i] = this.slots[parent]!;
        i = parent;
      }
      this.scores[i] = score;
      this.slots[i] = slot;
      return;
    }
    if (this.worse(score, slot, 0)) return;
    this.siftDown(score, slot);
  }

  private siftDown(score: number, slot: number): void {
    let i = 0;
    const n = this.size;
    for (;;) {
      const left = 2 * i + 1;
      if (left >= n) break;
      const right = left + 1;
      let child = left;
      if (right < n && this.worseEntry(right, left)) child = right;
      if (!this.entryWorseThan(child, score, slot)) break;
      this.scores[i] = this.scores[child]!;
      this.slots[i] = this.slots[child]!;
      i = child;
    }
    this.scores[i] = score;
    this.slots[i] = slot;
  }

  private worseEntry(a: number, b: number): boolean {
    return this.worse(this.scores[a]!, this.slots[a]!, b);
  }

  private entryWorseThan(i: number, score: number, slot: number): boolean {
    const s = this.scores[i]!;
    if (s !== score) return s < score;
    return this.tieBreak(this.slots[i]!, slot) > 0;
  }

  /** Drains the heap into arrays ordered best first. */
  drain(): { slots: number[]; scores: number[] } {
    const n = this.size;
    const slots = new Array<number>(n);
    const scores = new Array<number>(n);
    const order = Array.from({ length: n }, (_, i) => i);
    order.sort((a, b) => {
      const d = this.scores[b]! - this.scores[a]!;
      return d !== 0 ? d : this.tieBreak(this.slots[a]!, this.slots[b]!);
    });
    for (let i = 0; i < n; i++) {
      slots[i] = this.slots[order[i]!]!;
      scores[i] = this.scores[order[i]!]!;
    }
    this.size = 0;
    return { slots, scores };
  }
}
