/** Orders two nodes of equal score: negative when `a` ranks before `b`. */
export type TieBreak = (a: number, b: number) => number;

const BY_NODE: TieBreak = (a, b) => a - b;

/**
 * Binary heap of (similarity, node) pairs in growable typed arrays, reused across queries.
 * `best` ordering keeps the highest similarity on top (the candidate queue); `worst` keeps the
 * lowest on top (the bounded result set). Equal similarities are ordered by `tieBreak` (node
 * number unless set), so which of several tied nodes a bounded set keeps does not depend on the
 * order they were found in. @internal
 */
export class ScoredHeap {
  private scores = new Float64Array(64);
  private nodes = new Uint32Array(64);
  size = 0;
  tieBreak: TieBreak = BY_NODE;
  private readonly best: boolean;

  constructor(order: "best" | "worst") {
    this.best = order === "best";
  }

  clear(): void {
    this.size = 0;
  }

  topScore(): number {
    return this.scores[0]!;
  }

  topNode(): number {
    return this.nodes[0]!;
  }

  /** True when (score a, node a) should sit above (score b, node b); the tie-break runs only on equal scores. */
  private above(a: number, nodeA: number, b: number, nodeB: number): boolean {
    if (a !== b) return this.best ? a > b : a < b;
    const t = this.tieBreak(nodeA, nodeB);
    return this.best ? t < 0 : t > 0;
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
    const scores = this.scores;
    const nodes = this.nodes;
    let i = this.size++;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      const p = scores[parent]!;
      if (p === score ? !this.above(score, node, p, nodes[parent]!) : this.best ? score < p : score > p) break;
      scores[i] = p;
      nodes[i] = nodes[parent]!;
      i = parent;
    }
    scores[i] = score;
    nodes[i] = node;
  }

  pop(): void {
    const n = --this.size;
    if (n <= 0) return;
    const scores = this.scores;
    const nodes = this.nodes;
    const score = scores[n]!;
    const node = nodes[n]!;
    let i = 0;
    for (;;) {
      const left = 2 * i + 1;
      if (left >= n) break;
      const right = left + 1;
      let child = left;
      if (right < n) {
        const r = scores[right]!;
        const l = scores[left]!;
        if (r === l ? this.above(r, nodes[right]!, l, nodes[left]!) : this.best ? r > l : r < l) child = right;
      }
      const c = scores[child]!;
      if (c === score ? !this.above(c, nodes[child]!, score, node) : this.best ? c < score : c > score) break;
      scores[i] = c;
      nodes[i] = nodes[child]!;
      i = child;
    }
    scores[i] = score;
    nodes[i] = node;
  }

  /**
   * Empties the heap of a `worst` ordering into arrays ordered best first (score descending, equal
   * scores in `tieBreak` order): popping yields the worst first, so the arrays fill from the end.
   */
  drainBestFirst(): { nodes: number[]; scores: number[] } {
    const n = this.size;
    const nodes = new Array<number>(n);
    const scores = new Array<number>(n);
    for (let i = n - 1; i >= 0; i--) {
      nodes[i] = this.nodes[0]!;
      scores[i] = this.scores[0]!;
      this.pop();
    }
    return { nodes, scores };
  }

  /** Copies the contents (in heap order) out. */
  entries(): { nodes: number[]; scores: number[] } {
    return { nodes: Array.from(this.nodes.subarray(0, this.size)), scores: Array.from(this.scores.subarray(0, this.size)) };
  }
}
