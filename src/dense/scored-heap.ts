/**
 * Binary heap of (similarity, node) pairs in growable typed arrays, reused across queries.
 * `best` ordering keeps the highest similarity on top (the candidate queue); `worst` keeps the
 * lowest on top (the bounded result set). @internal
 */
export class ScoredHeap {
  private scores = new Float64Array(64);
  private nodes = new Uint32Array(64);
  size = 0;

  constructor(private readonly order: "best" | "worst") {}

  clear(): void {
    this.size = 0;
  }

  topScore(): number {
    return this.scores[0]!;
  }

  topNode(): number {
    return this.nodes[0]!;
  }

  /** True when a should sit above b. */
  private above(a: number, b: number): boolean {
    return this.order === "best" ? a > b : a < b;
  }

  push(score: number, node: number): void {
    if (this.size === this.scores.length) {
      const scores = new Float64Array(this.size * 2);
      scores.set(this.scores);
      this.scores = scores;
      const nodes = new Uint32Array(this.size * 2);
      nodes.set(this.nodes);
      this.nodes = nodes;
    }
    let i = this.size++;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!this.above(score, this.scores[parent]!)) break;
      this.scores[i] = this.scores[parent]!;
      this.nodes[i] = this.nodes[parent]!;
      i = parent;
    }
    this.scores[i] = score;
    this.nodes[i] = node;
  }

  pop(): void {
    const n = --this.size;
    if (n <= 0) return;
    const score = this.scores[n]!;
    const node = this.nodes[n]!;
    let i = 0;
    for (;;) {
      const left = 2 * i + 1;
      if (left >= n) break;
      const right = left + 1;
      const child = right < n && this.above(this.scores[right]!, this.scores[left]!) ? right : left;
      if (!this.above(this.scores[child]!, score)) break;
      this.scores[i] = this.scores[child]!;
      this.nodes[i] = this.nodes[child]!;
      i = child;
    }
    this.scores[i] = score;
    this.nodes[i] = node;
  }

  /** Copies the contents (in heap order) out. */
  entries(): { nodes: number[]; scores: number[] } {
    return { nodes: Array.from(this.nodes.subarray(0, this.size)), scores: Array.from(this.scores.subarray(0, this.size)) };
  }
}
