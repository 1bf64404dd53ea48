import { ensureCapacity } from "../../typed-arrays.js";
import type { RetrievalScores } from "../retrieval-scores.js";
import { bestFirstOrder } from "./best-first-order.js";
import { lockAt, unlockAt } from "./node-locks.js";
import { ScoredHeap, type TieBreak } from "./scored-heap.js";
import { MAX_BATCH, type DenseQuery, type DenseVectors } from "./vector-store.js";
import { VisitedSet } from "./visited-set.js";

export type { HnswParams } from "../../types.js";
import type { HnswParams } from "../../types.js";

export const DEFAULT_HNSW: HnswParams = { M: 16, efConstruction: 200, seed: 42 };

const BY_SLOT: TieBreak = (a, b) => a - b;

/** Words of the control array of a build on several threads (`SharedGraph.control`). @internal */
export const BUILD_CONTROL = {
  /** The next slot to claim, and the end of the slots to insert. */
  next: 0,
  end: 1,
  /** Helper threads done, and set to 1 when one of them failed. */
  done: 2,
  failed: 3,
  entryPoint: 4,
  maxLevel: 5,
  /** The lock over entry point and maximum level. */
  globalLock: 6,
  length: 8,
} as const;

/**
 * The graph in shared memory while threads insert the slots up to `nodeCount` (see
 * `HnswIndex.shareForBuild`): level-0 links and levels as in the graph, each upper node's lists
 * at `upperAt[node]` in one pool (−1: none), a lock per node, and the control words. @internal
 */
export interface SharedGraph {
  nodeCount: number;
  links0: Uint32Array;
  levels: Uint8Array;
  upperPool: Uint32Array;
  upperAt: Int32Array;
  locks: Int32Array;
  control: Int32Array;
}

/**
 * `array` when it is in shared memory with room for `needed` elements, the part from `used` on
 * zeroed; else a copy of its first `used` elements in new shared memory, with room to grow (so a
 * graph that keeps taking batches is not copied for each).
 */
function inSharedMemory<T extends Uint32Array<ArrayBufferLike> | Uint8Array<ArrayBufferLike>>(array: T, used: number, needed: number): T {
  if (array.buffer instanceof SharedArrayBuffer && array.length >= needed) {
    array.fill(0, used, needed);
    return array;
  }
  const Ctor = array.constructor as { new (buffer: SharedArrayBuffer): T; BYTES_PER_ELEMENT: number };
  const copy = sharedArray(Ctor, Math.max(needed, 2 * used));
  copy.set(array.subarray(0, used));
  return copy;
}

/** A typed array over a new SharedArrayBuffer. */
function sharedArray<T>(Ctor: { new (buffer: SharedArrayBuffer): T; BYTES_PER_ELEMENT: number }, length: number): T {
  return new Ctor(new SharedArrayBuffer(Math.max(1, length) * Ctor.BYTES_PER_ELEMENT));
}

/**
 * Hierarchical Navigable Small World graph (Malkov & Yashunin) over the slots of a vector store.
 * Level-0 links live in one Uint32Array with fixed slots of [count, links…]; the few nodes on
 * upper levels keep theirs in a small array each. Searches reuse one visited set and two heaps.
 * Deleted nodes stay in the graph for navigation and are kept out of results by `accept`.
 * @internal
 */
export class HnswIndex {
  private readonly maxLinks0: number;
  private links0: Uint32Array<ArrayBufferLike>;
  private upperLinks: (Uint32Array | undefined)[] = [];
  private levels: Uint8Array<ArrayBufferLike> = new Uint8Array(16);
  private entryPoint = -1;
  private maxLevel = -1;
  private nodeCount = 0;
  private readonly visited = new VisitedSet();
  private readonly candidates = new ScoredHeap("best");
  private readonly results = new ScoredHeap("worst");
  /** The walk over copies of a node being inserted, ranked by `tieRank` (negated: higher is better). */
  private readonly copyCandidates = new ScoredHeap("best");
  private readonly copyKept = new ScoredHeap("worst");
  /** Nodes a query expanded that have copies it did not take in, and their scores. */
  private readonly copyOrigins: number[] = [];
  private readonly copyOriginScores: number[] = [];
  /** Unvisited neighbours of the node being expanded, and their similarities. */
  private readonly batch = new Uint32Array(MAX_BATCH);
  private readonly batchScores = new Float64Array(MAX_BATCH);
  /** Kept neighbours scored against a candidate by `selectNeighbors` (which `addLink` calls while `batch` is in use). */
  private readonly selectBatch = new Uint32Array(4);
  private readonly selectScores = new Float64Array(4);
  private readonly levelScale: number;
  /** While threads build the graph together: a lock per node and the control words; null otherwise. */
  private locks: Int32Array | null = null;
  private control: Int32Array | null = null;
  /** The node this thread is inserting (its lock held), or −1. */
  private inserting = -1;

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

  /** True once a node is in the graph (the first node with a vector becomes the entry point). */
  get hasEntryPoint(): boolean {
    return this.entryPoint >= 0;
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
    this.connect(slot, level, this.entryPoint, this.maxLevel);
    if (level > this.maxLevel) {
      this.entryPoint = slot;
      this.maxLevel = level;
    }
  }

  /**
   * Puts the slots from `nodeCount` to `end` (their vectors stored) in shared memory for threads to
   * insert with `insertClaimed`, this one included; `finishSharedBuild` ends it. Levels are drawn
   * here (they depend on the slot only) so each upper node's lists have their room in the pool.
   * The graph must have an entry point. Links of the graph so far are copied into shared memory
   * (they stay there: the arrays work as any other afterwards).
   */
  shareForBuild(end: number): SharedGraph {
    if (this.entryPoint < 0) throw new RangeError("HnswIndex: a shared build starts from a graph with an entry point");
    const stride = this.maxLinks0 + 1;
    const upperStride = this.params.M + 1;
    const from = this.nodeCount;
    const links0 = inSharedMemory(this.links0, from * stride, end * stride);
    const levels = inSharedMemory(this.levels, from, end);
    for (let slot = from; slot < end; slot++) levels[slot] = this.store.has(slot) ? this.randomLevel(slot) : 0;
    const upperAt = sharedArray(Int32Array, end).fill(-1);
    let upperLength = 0;
    for (let slot = 0; slot < end; slot++) {
      if (levels[slot]! > 0 && (slot >= from || this.upperLinks[slot])) {
        upperAt[slot] = upperLength;
        upperLength += levels[slot]! * upperStride;
      }
    }
    const upperPool = sharedArray(Uint32Array, upperLength);
    for (let slot = 0; slot < from; slot++) if (upperAt[slot]! >= 0) upperPool.set(this.upperLinks[slot]!, upperAt[slot]);
    const control = sharedArray(Int32Array, BUILD_CONTROL.length);
    control[BUILD_CONTROL.next] = from;
    control[BUILD_CONTROL.end] = end;
    control[BUILD_CONTROL.entryPoint] = this.entryPoint;
    control[BUILD_CONTROL.maxLevel] = this.maxLevel;
    const shared: SharedGraph = { nodeCount: end, links0, levels, upperPool, upperAt, locks: sharedArray(Int32Array, end), control };
    this.adopt(shared);
    return shared;
  }

  /** A graph over `store` (a thread's view of the same vectors) working on a build shared by another thread. */
  static attach(store: DenseVectors, params: HnswParams, shared: SharedGraph): HnswIndex {
    const graph = new HnswIndex(store, params);
    graph.adopt(shared);
    return graph;
  }

  /** Inserts claimed slots until every slot of the shared build is claimed. */
  insertClaimed(): void {
    const control = this.control!;
    const end = control[BUILD_CONTROL.end]!;
    for (;;) {
      const slot = Atomics.add(control, BUILD_CONTROL.next, 1);
      if (slot >= end) return;
      if (this.store.has(slot)) this.insertShared(slot);
    }
  }

  /** Ends a shared build (every thread done): takes its entry point and leaves the locks. */
  finishSharedBuild(): void {
    const control = this.control!;
    this.entryPoint = control[BUILD_CONTROL.entryPoint]!;
    this.maxLevel = control[BUILD_CONTROL.maxLevel]!;
    this.control = null;
    this.locks = null;
  }

  private adopt(shared: SharedGraph): void {
    const upperStride = this.params.M + 1;
    this.links0 = shared.links0;
    this.levels = shared.levels;
    this.nodeCount = shared.nodeCount;
    this.upperLinks = [];
    for (let slot = 0; slot < shared.nodeCount; slot++) {
      const at = shared.upperAt[slot]!;
      if (at >= 0) this.upperLinks[slot] = shared.upperPool.subarray(at, at + shared.levels[slot]! * upperStride);
    }
    this.locks = shared.locks;
    this.control = shared.control;
  }

  /**
   * Inserts a slot while other threads insert others. As in hnswlib, a node that raises the
   * maximum level holds the global lock through its insertion, so no thread starts from an entry
   * point whose upper levels are not linked yet; the others read the entry point and let go.
   */
  private insertShared(slot: number): void {
    const control = this.control!;
    const level = this.levels[slot]!;
    // The node's own lock is held through its insertion (as hnswlib holds it): a thread that
    // reaches the node waits until its lists are all set, instead of finding them empty and
    // linking only to it (copies of one vector, which a walk does not expand, then form islands).
    // No two threads wait on each other: one reaches the other's node at a level only after the
    // other has finished that level, and each finishes levels from the top down.
    lockAt(this.locks!, slot);
    this.inserting = slot;
    try {
      this.insertSharedLocked(slot, level, control);
    } finally {
      this.inserting = -1;
      unlockAt(this.locks!, slot);
    }
  }

  private insertSharedLocked(slot: number, level: number, control: Int32Array): void {
    lockAt(control, BUILD_CONTROL.globalLock);
    const maxLevel = control[BUILD_CONTROL.maxLevel]!;
    const entryPoint = control[BUILD_CONTROL.entryPoint]!;
    const raises = level > maxLevel;
    if (!raises) unlockAt(control, BUILD_CONTROL.globalLock);
    try {
      this.connect(slot, level, entryPoint, maxLevel);
    } finally {
      if (raises) {
        control[BUILD_CONTROL.entryPoint] = slot;
        control[BUILD_CONTROL.maxLevel] = level;
        unlockAt(control, BUILD_CONTROL.globalLock);
      }
    }
  }

  /** Links a new node of `level` into the graph, walking down from `entryPoint`. */
  private connect(slot: number, level: number, entryPoint: number, maxLevel: number): void {
    const query = this.store.asQuery(slot);
    let entry = entryPoint;
    let entrySim = this.store.similarity(query, entry);
    for (let l = maxLevel; l > level; l--) [entry, entrySim] = this.greedy(query, entry, entrySim, l);
    for (let l = Math.min(level, maxLevel); l >= 0; l--) {
      this.searchLayer(query, entry, entrySim, this.params.efConstruction, l, null);
      const found = this.results.entries();
      // Never expected (no thread reaches a node before its insertion ends), but a self-link would be worse.
      if (this.locks !== null) dropNode(found, slot);
      if (found.nodes.length === 0) continue;
      const selected = this.selectNeighbors(slot, found.nodes, found.scores, this.selfScore(query, slot), this.params.M, l);
      this.setLinks(slot, l, selected);
      for (const neighbor of selected) this.addLink(neighbor, slot, l);
      // Continue from the closest found at this level.
      let best = 0;
      for (let i = 1; i < found.nodes.length; i++) if (found.scores[i]! > found.scores[best]!) best = i;
      entry = found.nodes[best]!;
      entrySim = found.scores[best]!;
    }
  }

  /**
   * Up to `k` accepted nodes closest to the query, best first, exploring with a
   * candidate list of `ef` (≥ k). The filter is applied during traversal: rejected nodes are walked
   * through but never returned. Scores are the store's similarities; equal scores rank by
   * `tieBreak` (slot order unless given), as in an exact scan. With `seen`, the similarity of every
   * node the bottom-level walk scored is recorded there.
   */
  search(query: DenseQuery, k: number, ef: number, accept: Uint8Array, tieBreak: TieBreak = BY_SLOT, seen?: RetrievalScores): { slots: number[]; scores: number[] } {
    if (this.entryPoint < 0) return { slots: [], scores: [] };
    let entry = this.entryPoint;
    let entrySim = this.store.similarity(query, entry);
    for (let l = this.maxLevel; l > 0; l--) [entry, entrySim] = this.greedy(query, entry, entrySim, l);
    this.candidates.tieBreak = tieBreak;
    this.results.tieBreak = tieBreak;
    this.copyCandidates.tieBreak = tieBreak;
    try {
      this.searchLayer(query, entry, entrySim, Math.max(ef, k), 0, accept, seen);
      while (this.results.size > k) this.results.pop();
      this.addCopies(query, k, Math.max(ef, k), accept);
      // Drained under the query's tie-break: equal scores come out in its order.
      const { nodes, scores } = this.results.drainBestFirst();
      return { slots: nodes, scores };
    } finally {
      this.candidates.tieBreak = BY_SLOT;
      this.results.tieBreak = BY_SLOT;
      this.copyCandidates.tieBreak = BY_SLOT;
    }
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

  /**
   * Restores a snapshot taken with the same parameters over the same slots. Every array is
   * copied: a decoded snapshot's arrays are views of a stored file's bytes, which inserting
   * nodes later must not change (an in-memory storage hands every reader the same bytes).
   */
  restore(s: ReturnType<HnswIndex["snapshot"]>): void {
    this.nodeCount = s.nodeCount;
    this.entryPoint = s.entryPoint;
    this.maxLevel = s.maxLevel;
    this.levels = Uint8Array.from(s.levels);
    this.links0 = Uint32Array.from(s.links0);
    this.upperLinks = Array.from(s.upperLinks, (links) => links?.slice());
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

  /** The similarity of a slot with itself, computed as `searchLayer` computes the others. */
  private selfScore(query: DenseQuery, slot: number): number {
    this.batch[0] = slot;
    this.store.similarities(query, this.batch, 1, this.batchScores);
    return this.batchScores[0]!;
  }

  /** A pseudo-random rank of `node` among candidates of `base` with equal similarity. */
  private tieRank(base: number, node: number): number {
    let h = Math.imul(base ^ this.params.seed, 0x9e3779b1) ^ node;
    h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
    h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
    return (h ^ (h >>> 16)) >>> 0;
  }

  /** Moves greedily towards the query on one upper level, scoring each list in one kernel call. */
  private greedy(query: DenseQuery, entry: number, entrySim: number, level: number): [number, number] {
    const locks = this.locks;
    const batch = this.batch;
    const scores = this.batchScores;
    const base = (level - 1) * (this.params.M + 1);
    let changed = true;
    while (changed) {
      changed = false;
      const links = this.upperLinks[entry]!;
      // Another thread may rewrite the list: it is copied under its lock.
      const locked = locks !== null && entry !== this.inserting;
      if (locked) lockAt(locks, entry);
      const count = links[base]!;
      for (let i = 0; i < count; i++) batch[i] = links[base + 1 + i]!;
      if (locked) unlockAt(locks, entry);
      this.store.similarities(query, batch, count, scores);
      for (let i = 0; i < count; i++) {
        const s = scores[i]!;
        if (s > entrySim) {
          entry = batch[i]!;
          entrySim = s;
          changed = true;
        }
      }
    }
    return [entry, entrySim];
  }

  /**
   * Best-first search of one level; leaves up to `ef` accepted nodes in `this.results`. `accept`
   * null means a node is being inserted. A copy of the node being expanded (same score, same
   * vector) is not taken into the list: it leads nowhere that node does not, and a group of copies
   * larger than ef would fill the whole list and stop the search at the group. A query notes the
   * node instead, and `addCopies` collects the copies that belong in the results.
   */
  private searchLayer(query: DenseQuery, entry: number, entrySim: number, ef: number, level: number, accept: Uint8Array | null, seen?: RetrievalScores): void {
    const visited = this.visited;
    const candidates = this.candidates;
    const results = this.results;
    visited.reset(this.nodeCount);
    candidates.clear();
    results.clear();
    this.copyOrigins.length = 0;
    this.copyOriginScores.length = 0;
    visited.visit(entry);
    const marks = visited.marks;
    const generation = visited.generation;
    candidates.push(entrySim, entry);
    if (accept === null || accept[entry] === 1) results.push(entrySim, entry);
    let lowerBound = results.size > 0 ? results.topScore() : -Infinity;
    const stride = this.maxLinks0 + 1;
    const upperStride = this.params.M + 1;
    const locks = this.locks;
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
      const batch = this.batch;
      let fresh = 0;
      const locked = locks !== null && node !== this.inserting;
      if (locked) lockAt(locks, node);
      const count = links[base]!;
      // Without a branch on the mark: the marks' loads (cache misses, mostly) overlap.
      for (let i = 1; i <= count; i++) {
        const n = links[base + i]!;
        const visitedBefore = marks[n] === generation;
        marks[n] = generation;
        batch[fresh] = n;
        fresh += visitedBefore ? 0 : 1;
      }
      if (locked) unlockAt(locks, node);
      if (fresh === 0) continue;
      this.store.similarities(query, batch, fresh, this.batchScores);
      if (seen) for (let j = 0; j < fresh; j++) seen.record(batch[j]!, this.batchScores[j]!);
      let noted = false;
      for (let j = 0; j < fresh; j++) {
        const n = batch[j]!;
        const s = this.batchScores[j]!;
        if (s === sim && this.store.sameVector(node, n)) {
          if (accept !== null && !noted) {
            this.copyOrigins.push(node);
            this.copyOriginScores.push(sim);
            noted = true;
          }
          continue;
        }
        // A query also takes in a node tied with the worst of a full list that ranks before it.
        if (results.size < ef || s > lowerBound || (s === lowerBound && accept !== null && results.tieBreak(n, results.topNode()) < 0)) {
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
   * Completes the `k` results with copies of the nodes noted by `searchLayer`, best first: a walk
   * over the links between the copies of each noted node whose score can still enter the results,
   * in `tieBreak` order, taking accepted copies and stopping when the next one would rank after the
   * worst result (at most `limit` copies expanded per group).
   */
  private addCopies(query: DenseQuery, k: number, limit: number, accept: Uint8Array): void {
    const origins = this.copyOrigins;
    if (origins.length === 0) return;
    const originScores = this.copyOriginScores;
    const results = this.results;
    const candidates = this.copyCandidates;
    const visited = this.visited;
    const tieBreak = results.tieBreak;
    const taken = new Set(results.entries().nodes);
    visited.reset(this.nodeCount);
    const order = origins.map((_, i) => i).sort((a, b) => originScores[b]! - originScores[a]! || tieBreak(origins[a]!, origins[b]!));
    /** True when a node of score `s` would rank before the worst of full results. */
    const enters = (s: number, n: number) => results.size < k || s > results.topScore() || (s === results.topScore() && tieBreak(n, results.topNode()) < 0);
    for (const i of order) {
      const origin = origins[i]!;
      const score = originScores[i]!;
      if (results.size >= k && score < results.topScore()) break;
      if (visited.visit(origin)) continue;
      candidates.clear();
      candidates.push(0, origin);
      for (let expanded = 0; candidates.size > 0 && expanded < limit; expanded++) {
        const node = candidates.topNode();
        if (node !== origin && !enters(score, node)) break;
        candidates.pop();
        const { links, base } = this.linkList(node, 0);
        const count = links[base]!;
        for (let j = 1; j <= count; j++) {
          const n = links[base + j]!;
          if (visited.visit(n) || !this.store.sameVector(origin, n)) continue;
          candidates.push(0, n);
          if (accept[n] !== 1 || taken.has(n)) continue;
          // A copy scores what its origin scores, give or take a rounding for cosine near-copies.
          const s = this.store.similarity(query, n);
          if (enters(s, n)) {
            results.push(s, n);
            taken.add(n);
            if (results.size > k) results.pop();
          }
        }
      }
    }
  }

  /**
   * The neighbour-selection heuristic: take candidates best first, keeping one only if no
   * neighbour kept so far covers it — is closer to it than the base is, or is a copy of it (under
   * a dot product a copy need not be closer to itself than the base is). Copies of the base come
   * last, in the room the other neighbours leave: they lead nowhere the base does not, but link the
   * copies of a vector to each other so that every one stays reachable. Among them, and among any
   * candidates of equal similarity, the order is a hash of (base, candidate), which spreads the
   * links into a group of copies instead of piling them onto its oldest or newest members. A node
   * being inserted (`walkLevel` ≥ 0) takes its copies from a walk over the group (`walkCopies`).
   */
  private selectNeighbors(base: number, nodes: number[], scores: number[], selfScore: number, max: number, walkLevel = -1): number[] {
    const order = bestFirstOrder(scores, (a, b) => this.tieRank(base, nodes[a]!) - this.tieRank(base, nodes[b]!) || nodes[a]! - nodes[b]!);
    const kept: number[] = [];
    const keptScores: number[] = [];
    let copies: number[] = [];
    const symmetric = this.store.symmetric;
    const batch = this.selectBatch;
    const between = this.selectScores;
    for (const i of order) {
      const node = nodes[i]!;
      const toBase = scores[i]!;
      // A copy scores what the base scores with itself (computed the same way as `scores`).
      if (toBase >= selfScore && this.store.sameVector(base, node, toBase)) {
        copies.push(node);
        continue;
      }
      if (kept.length >= max) break;
      let covered = false;
      if (symmetric) {
        // Kept neighbours four at a time, in one kernel call (the batch's rows load together).
        for (let j = 0; j < kept.length && !covered; j += 4) {
          const m = Math.min(4, kept.length - j);
          for (let t = 0; t < m; t++) batch[t] = kept[j + t]!;
          this.store.similaritiesFrom(node, batch, m, between);
          for (let t = 0; t < m; t++) {
            if (between[t]! > toBase || (keptScores[j + t] === toBase && this.store.sameVector(kept[j + t]!, node, between[t]))) {
              covered = true;
              break;
            }
          }
        }
      } else {
        for (let j = 0; j < kept.length; j++) {
          const other = kept[j]!;
          // The kept neighbour is the first argument: a quantized store keeps it prepared. Copies
          // score alike against the base, which rules out the copy check almost every time.
          const between = this.store.similarityBetween(other, node);
          if (between > toBase || (keptScores[j] === toBase && this.store.sameVector(other, node, between))) {
            covered = true;
            break;
          }
        }
      }
      if (!covered) {
        kept.push(node);
        keptScores.push(toBase);
      }
    }
    if (copies.length > 0 && kept.length < max) {
      if (walkLevel >= 0) copies = this.walkCopies(base, copies, walkLevel, max - kept.length);
      else copies.sort((a, b) => this.tieRank(base, a) - this.tieRank(base, b));
      for (const copy of copies) {
        if (kept.length >= max) break;
        kept.push(copy);
      }
    }
    return kept;
  }

  /**
   * Up to `max` copies of `base`, first by `tieRank`, from a walk over the links between copies
   * at `level` starting at the copies the search found. It takes the walk beyond those few (which,
   * in a group inserted in a row, are the same few every time, leaving the rest without incoming
   * links), and stops once no copy left to expand ranks among the `max` kept.
   */
  private walkCopies(base: number, found: number[], level: number, max: number): number[] {
    const visited = this.visited;
    const candidates = this.copyCandidates;
    const kept = this.copyKept;
    visited.reset(this.nodeCount);
    visited.visit(base);
    candidates.clear();
    kept.clear();
    const offer = (n: number) => {
      const rank = -this.tieRank(base, n);
      if (kept.size >= max && rank <= kept.topScore()) return;
      candidates.push(rank, n);
      kept.push(rank, n);
      if (kept.size > max) kept.pop();
    };
    for (const n of found) if (!visited.visit(n)) offer(n);
    while (candidates.size > 0) {
      if (kept.size >= max && candidates.topScore() < kept.topScore()) break;
      const node = candidates.topNode();
      const { links, base: at } = this.linkList(node, level);
      candidates.pop();
      const locked = this.locks !== null && node !== this.inserting;
      if (locked) lockAt(this.locks!, node);
      const count = links[at]!;
      for (let i = 1; i <= count; i++) {
        const n = links[at + i]!;
        if (!visited.visit(n) && this.store.sameVector(base, n)) offer(n);
      }
      if (locked) unlockAt(this.locks!, node);
    }
    const out: number[] = [];
    while (kept.size > 0) {
      out.push(kept.topNode());
      kept.pop();
    }
    return out.reverse();
  }

  private setLinks(node: number, level: number, neighbors: number[]): void {
    const { links, base } = this.linkList(node, level);
    links[base] = neighbors.length;
    for (let i = 0; i < neighbors.length; i++) links[base + 1 + i] = neighbors[i]!;
  }

  /** Adds a back link, re-running the heuristic when the list is full (under the node's lock while threads build). */
  private addLink(node: number, neighbor: number, level: number): void {
    const locks = this.locks;
    if (locks === null || node === this.inserting) {
      this.addLinkUnlocked(node, neighbor, level);
      return;
    }
    lockAt(locks, node);
    try {
      this.addLinkUnlocked(node, neighbor, level);
    } finally {
      unlockAt(locks, node);
    }
  }

  private addLinkUnlocked(node: number, neighbor: number, level: number): void {
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
    const batch = this.batch;
    for (let i = 0; i < nodes.length; i++) batch[i] = nodes[i]!;
    this.store.similaritiesFrom(node, batch, nodes.length, this.batchScores);
    const scores = Array.from(this.batchScores.subarray(0, nodes.length));
    this.setLinks(node, level, this.selectNeighbors(node, nodes, scores, this.store.similarityBetween(node, node), max));
  }

  private linkList(node: number, level: number): { links: Uint32Array; base: number } {
    if (level === 0) return { links: this.links0, base: node * (this.maxLinks0 + 1) };
    return { links: this.upperLinks[node]!, base: (level - 1) * (this.params.M + 1) };
  }
}

/** Removes `node` from a search's found nodes and scores (order does not matter: a heap's). */
function dropNode(found: { nodes: number[]; scores: number[] }, node: number): void {
  const i = found.nodes.indexOf(node);
  if (i < 0) return;
  found.nodes[i] = found.nodes[found.nodes.length - 1]!;
  found.scores[i] = found.scores[found.scores.length - 1]!;
  found.nodes.pop();
  found.scores.pop();
}
