import { ensureCapacity } from "../typed-arrays.js";
import { ScoredHeap } from "./scored-heap.js";
import { MAX_BATCH, type DenseQuery, type DenseVectors } from "./vector-store.js";
import { VisitedSet } from "./visited-set.js";

/** HNSW build parameters. */
export interface HnswParams {
  /** Links per node on upper levels (level 0 keeps 2M). Default 16, range 2–100. */
  M: number;
  /** Candidate list size while inserting. Default 200. */
  efConstruction: number;
  /** Seed of the level generator: the same inserts in the same order build the same graph. Default 42. */
  seed: number;
}

export const DEFAULT_HNSW: HnswParams = { M: 16, efConstruction: 200, seed: 42 };

/**
 * Hierarchical Navigable Small World graph (Malkov & Yashunin) over the slots of a vector store.
 * Level-0 links live in one Uint32Array with fixed slots of [count, links…]; the few nodes on
 * upper levels keep theirs in a small array each. Searches reuse one visited set and two heaps.
 * Deleted nodes stay in the graph for navigation and are kept out of results by `accept`.
 * @internal
 */
export class HnswIndex {
  private readonly maxLinks0: number;
  private links0: Uint32Array;
  private upperLinks: (Uint32Array | undefined)[] = [];
  private levels = new Uint8Array(16);
  private entryPoint = -1;
  private maxLevel = -1;
  private nodeCount = 0;
  private readonly visited = new VisitedSet();
  private readonly candidates = new ScoredHeap("best");
  private readonly results = new ScoredHeap("worst");
  /** Unvisited neighbours of the node being expanded, and their similarities. */
  private readonly batch = new Uint32Array(MAX_BATCH);
  private readonly batchScores = new Float64Array(MAX_BATCH);
  private readonly levelScale: number;

  constructor(
    private readonly store: DenseVectors,
    readonly params: HnswParams = DEFAULT_HNSW,
  ) {
    if (params.M * 2 > MAX_BATCH) throw new RangeError(`HnswIndex: M must be at most ${MAX_BATCH / 2}, got ${params.M}`);
    this.maxLinks0 = params.M * 2;
    this.links0 = new Uint32Array(16 * (this.maxLinks0 + 1));
    this.levelScale = 1 / Math.log(params.M);
  }

  /** Slots covered so far (inserted or known to have no vector). */
  get size(): number {
    return this.nodeCount;
  }

  /** Inserts every slot of the store not yet covered. */
  catchUp(): void {
    while (this.nodeCount < this.store.size) this.insert(this.nodeCount);
  }

  /** Inserts the next slot (a slot without a vector is only counted). */
  insert(slot: number): void {
    if (slot !== this.nodeCount) throw new RangeError(`HnswIndex: slot ${slot} inserted out of order (next is ${this.nodeCount})`);
    this.links0 = ensureCapacity(this.links0, (slot + 1) * (this.maxLinks0 + 1));
    this.levels = ensureCapacity(this.levels, slot + 1);
    this.nodeCount = slot + 1;
    if (!this.store.has(slot)) return;

    const level = this.randomLevel(slot);
    this.levels[slot] = level;
    if (level > 0) this.upperLinks[slot] = new Uint32Array(level * (this.params.M + 1));
    if (this.entryPoint < 0) {
      this.entryPoint = slot;
      this.maxLevel = level;
      return;
    }
    const query = this.store.asQuery(slot);
    let entry = this.entryPoint;
    let entrySim = this.store.similarity(query, entry);
    for (let l = this.maxLevel; l > level; l--) [entry, entrySim] = this.greedy(query, entry, entrySim, l);
    for (let l = Math.min(level, this.maxLevel); l >= 0; l--) {
      this.searchLayer(query, entry, entrySim, this.params.efConstruction, l, null);
      const found = this.results.entries();
      const selected = this.selectNeighbors(found.nodes, found.scores, this.params.M);
      this.setLinks(slot, l, selected);
      for (const neighbor of selected) this.addLink(neighbor, slot, l);
      // Continue from the closest found at this level.
      let best = 0;
      for (let i = 1; i < found.nodes.length; i++) if (found.scores[i]! > found.scores[best]!) best = i;
      entry = found.nodes[best]!;
      entrySim = found.scores[best]!;
    }
    if (level > this.maxLevel) {
      this.entryPoint = slot;
      this.maxLevel = level;
    }
  }

  /**
   * Up to `k` accepted nodes closest to the query, best first, exploring with a candidate list of
   * `ef` (≥ k). The filter is applied during traversal: rejected nodes are walked through but
   * never returned. Scores are the store's exact similarities.
   */
  search(query: DenseQuery, k: number, ef: number, accept: Uint8Array): { slots: number[]; scores: number[] } {
    if (this.entryPoint < 0) return { slots: [], scores: [] };
    let entry = this.entryPoint;
    let entrySim = this.store.similarity(query, entry);
    for (let l = this.maxLevel; l > 0; l--) [entry, entrySim] = this.greedy(query, entry, entrySim, l);
    this.searchLayer(query, entry, entrySim, Math.max(ef, k), 0, accept);
    while (this.results.size > k) this.results.pop();
    const { nodes, scores } = this.results.entries();
    return { slots: nodes, scores };
  }

  /** Bytes held by the graph (capacity included). */
  bytes(): number {
    let upper = 0;
    for (const links of this.upperLinks) if (links) upper += links.byteLength + 16;
    return this.links0.byteLength + this.levels.byteLength + upper + this.upperLinks.length * 8;
  }

  /** Serializable state (see hnsw-codec). */
  snapshot() {
    return {
      nodeCount: this.nodeCount,
      entryPoint: this.entryPoint,
      maxLevel: this.maxLevel,
      levels: this.levels.subarray(0, this.nodeCount),
      links0: this.links0.subarray(0, this.nodeCount * (this.maxLinks0 + 1)),
      upperLinks: this.upperLinks,
    };
  }

  /** Restores a snapshot taken with the same parameters over the same slots. */
  restore(s: ReturnType<HnswIndex["snapshot"]>): void {
    this.nodeCount = s.nodeCount;
    this.entryPoint = s.entryPoint;
    this.maxLevel = s.maxLevel;
    this.levels = Uint8Array.from(s.levels);
    this.links0 = Uint32Array.from(s.links0);
    this.upperLinks = s.upperLinks.slice();
  }

  /** Level from a hash of (seed, slot): reproducible whatever the insertion history. */
  private randomLevel(slot: number): number {
    let h = Math.imul(slot ^ this.params.seed, 0x9e3779b1) >>> 0;
    h = Math.imul(h ^ (h >>> 16), 0x85ebca6b) >>> 0;
    h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35) >>> 0;
    h = (h ^ (h >>> 16)) >>> 0;
    const u = (h + 1) / 4294967297;
    return Math.min(31, Math.floor(-Math.log(u) * this.levelScale));
  }

  /** Moves greedily towards the query on one upper level. */
  private greedy(query: DenseQuery, entry: number, entrySim: number, level: number): [number, number] {
    let changed = true;
    while (changed) {
      changed = false;
      const links = this.upperLinks[entry]!;
      const base = (level - 1) * (this.params.M + 1);
      const count = links[base]!;
      for (let i = 1; i <= count; i++) {
        const n = links[base + i]!;
        const s = this.store.similarity(query, n);
        if (s > entrySim) {
          entry = n;
          entrySim = s;
          changed = true;
        }
      }
    }
    return [entry, entrySim];
  }

  /** Best-first search of one level; leaves up to `ef` accepted nodes in `this.results`. */
  private searchLayer(query: DenseQuery, entry: number, entrySim: number, ef: number, level: number, accept: Uint8Array | null): void {
    const visited = this.visited;
    const candidates = this.candidates;
    const results = this.results;
    visited.reset(this.nodeCount);
    candidates.clear();
    results.clear();
    visited.visit(entry);
    candidates.push(entrySim, entry);
    if (accept === null || accept[entry] === 1) results.push(entrySim, entry);
    let lowerBound = results.size > 0 ? results.topScore() : -Infinity;
    const stride = this.maxLinks0 + 1;
    const upperStride = this.params.M + 1;
    while (candidates.size > 0) {
      const sim = candidates.topScore();
      if (sim < lowerBound && results.size >= ef) break;
      const node = candidates.topNode();
      candidates.pop();
      let links: Uint32Array;
      let base: number;
      if (level === 0) {
        links = this.links0;
        base = node * stride;
      } else {
        links = this.upperLinks[node]!;
        base = (level - 1) * upperStride;
      }
      const count = links[base]!;
      const batch = this.batch;
      let fresh = 0;
      for (let i = 1; i <= count; i++) {
        const n = links[base + i]!;
        if (!visited.visit(n)) batch[fresh++] = n;
      }
      if (fresh === 0) continue;
      this.store.similarities(query, batch, fresh, this.batchScores);
      for (let j = 0; j < fresh; j++) {
        const n = batch[j]!;
        const s = this.batchScores[j]!;
        if (results.size < ef || s > lowerBound) {
          candidates.push(s, n);
          if (accept === null || accept[n] === 1) {
            results.push(s, n);
            if (results.size > ef) results.pop();
          }
          if (results.size > 0) lowerBound = results.topScore();
        }
      }
    }
  }

  /**
   * The neighbour-selection heuristic: take candidates best first, keeping one only if it is
   * closer to the base than to every neighbour kept so far, which spreads links across directions.
   */
  private selectNeighbors(nodes: number[], scores: number[], max: number): number[] {
    const order = nodes.map((_, i) => i).sort((a, b) => scores[b]! - scores[a]!);
    const kept: number[] = [];
    for (const i of order) {
      if (kept.length >= max) break;
      const node = nodes[i]!;
      const toBase = scores[i]!;
      let good = true;
      for (const other of kept) {
        // The kept neighbour is the first argument: a quantized store keeps it prepared.
        if (this.store.similarityBetween(other, node) > toBase) {
          good = false;
          break;
        }
      }
      if (good) kept.push(node);
    }
    return kept;
  }

  private setLinks(node: number, level: number, neighbors: number[]): void {
    const { links, base } = this.linkList(node, level);
    links[base] = neighbors.length;
    for (let i = 0; i < neighbors.length; i++) links[base + 1 + i] = neighbors[i]!;
  }

  /** Adds a back link, re-running the heuristic when the list is full. */
  private addLink(node: number, neighbor: number, level: number): void {
    const { links, base } = this.linkList(node, level);
    const max = level === 0 ? this.maxLinks0 : this.params.M;
    const count = links[base]!;
    if (count < max) {
      links[base + 1 + count] = neighbor;
      links[base] = count + 1;
      return;
    }
    const nodes = [neighbor];
    for (let i = 1; i <= count; i++) nodes.push(links[base + i]!);
    const scores = nodes.map((n) => this.store.similarityBetween(node, n));
    this.setLinks(node, level, this.selectNeighbors(nodes, scores, max));
  }

  private linkList(node: number, level: number): { links: Uint32Array; base: number } {
    if (level === 0) return { links: this.links0, base: node * (this.maxLinks0 + 1) };
    return { links: this.upperLinks[node]!, base: (level - 1) * (this.params.M + 1) };
  }
}
