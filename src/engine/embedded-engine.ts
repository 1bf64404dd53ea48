import { flatSearch } from "../dense/flat-index.js";
import type { FloatRows } from "../dense/float-rows.js";
import { compactGraph } from "../dense/graph-compaction.js";
import { DEFAULT_HNSW, HnswIndex, type HnswParams } from "../dense/hnsw-index.js";
import { QuantizedVectorStore } from "../dense/quantized-vector-store.js";
import { VectorStore, type DenseVectors } from "../dense/vector-store.js";
import { MissingPluginError } from "../errors.js";
import type { RetrievedLeg } from "../fusion/candidate-pool.js";
import { compareIds } from "../fusion/fuse.js";
import { exhaustiveSearch, TermAtATimeScratch } from "../sparse/exhaustive-search.js";
import type { SegmentData } from "../store/segment-codec.js";
import { mergeSegments } from "../store/segment-merge.js";
import { TopKHeap } from "../top-k-heap.js";
import { ensureCapacity } from "../typed-arrays.js";
import type { DenseQuantization, Document, LegName, Metric, SparseTokenContribution } from "../types.js";
import type { CompletionRequest, LegBackend } from "./leg-backend.js";
import type { ResolvedQuery } from "./resolve-query.js";
import { Segment } from "./segment.js";
import type { TextIndex, TextIndexFactory } from "./text-index.js";
import { copyFields } from "./validate-document.js";

/** Below this many accepted documents an exact scan beats walking the graph. */
const EXACT_SCAN_MAX = 2_000;
/**
 * ...and below this share of the collection too: a filtered graph walk visits about 1/share as
 * many nodes to fill its list (100k × 384 benchmark: 10% → graph 12.3 ms, scan 6.9 ms; 50% → graph
 * 2.7 ms, scan 26 ms).
 */
const EXACT_SCAN_FRACTION = 0.15;
/** Default HNSW candidate list size at query time. */
const DEFAULT_EF_SEARCH = 100;
/**
 * Over int8 codes, this many times the hits wanted (at most ef) are rescored from the float
 * vectors: each costs a read, and the true top k sits well inside 3k by approximate score.
 */
export const RESCORE_OVERSAMPLING = 3;

interface DenseLeg {
  store: DenseVectors;
  graph: HnswIndex;
}

/** A merge of adjacent segments, ready to commit: every document kept, deletions carried over. @internal */
export interface PlannedMerge {
  files: string[];
  merged: SegmentData;
  deleted: Uint32Array;
}

/** A compaction, ready to commit: the live documents as one segment, and the graph over the new slots. @internal */
export interface PlannedCompaction {
  files: string[];
  merged: SegmentData;
  /** Old slot → new slot, −1 for a slot dropped. */
  remap: Int32Array;
  graph?: ReturnType<HnswIndex["snapshot"]>;
}

/**
 * The in-memory state of an embedded index: its open segments laid end to end in one slot space
 * (a document's slot is its segment's base plus its local number), liveness per slot, the dense
 * vectors and HNSW graph over slots, and the text index (built on the first text query). The
 * sparse leg and filters read the segments in place. Merging adjacent segments keeps every slot
 * (deleted documents included), so the graph is untouched; only compaction renumbers slots, and
 * it carries the graph over (graph-compaction.ts). All work is synchronous; the LegBackend
 * methods return settled promises, so a search never interleaves with a write.
 * @internal
 */
export class EmbeddedEngine implements LegBackend {
  private segments: Segment[] = [];
  private slotCount = 0;
  private alive = new Uint8Array(16);
  private liveCount = 0;
  /** Live slot by id, built on the first write; readers look ids up in the segments instead. */
  private liveSlots: Map<string, number> | null = null;
  private dense: DenseLeg | null = null;
  /** Rows of segments merged away that the dense store still reads (until compaction or close). */
  private retiredRows: FloatRows[] = [];
  /** While loading, vectors are stored but graph insertion waits for a saved graph to be restored. */
  private graphDeferred = false;
  private text: TextIndex | null = null;
  private readonly scratch = new TermAtATimeScratch();
  /** The accepted set of the query being searched, so its legs and completions evaluate the filter once. */
  private readonly acceptByQuery = new WeakMap<ResolvedQuery, { accept: Uint8Array; count: number }>();
  private readonly tieBreak = (a: number, b: number) => compareIds(this.idAt(a), this.idAt(b));

  constructor(
    private dimension: number | null,
    readonly metric: Metric,
    private readonly textFactory?: TextIndexFactory,
    readonly hnsw: HnswParams = DEFAULT_HNSW,
    readonly quantization: DenseQuantization = "none",
  ) {}

  get documentCount(): number {
    return this.liveCount;
  }

  get denseDimension(): number | null {
    return this.dimension;
  }

  get hasTextLeg(): boolean {
    return this.textFactory !== undefined;
  }

  /** Distinct tokens over the segments (documents deleted since the last compaction included). */
  get vocabularySize(): number {
    if (this.segments.length === 1) return this.segments[0]!.data.tokens.length;
    const tokens = new Set<string>();
    for (const segment of this.segments) for (const token of segment.data.tokens) tokens.add(token);
    return tokens.size;
  }

  /** Share of slots that hold replaced or deleted documents. */
  retiredFraction(): number {
    return this.slotCount === 0 ? 0 : 1 - this.liveCount / this.slotCount;
  }

  /** Each segment's file and document count (deleted included), in slot order. */
  segmentSizes(): number[] {
    return this.segments.map((s) => s.docCount);
  }

  /**
   * Appends a segment as read from its file or just committed, with the local numbers of its
   * deleted documents. `rows` reads its dense rows back for a quantized store; the engine owns it.
   */
  addSegment(file: string, data: SegmentData, deleted: Uint32Array, rows?: FloatRows): void {
    const base = this.slotCount;
    const segment = new Segment(file, data, base, rows);
    this.segments.push(segment);
    this.slotCount += data.docCount;
    this.alive = ensureCapacity(this.alive, this.slotCount);
    this.alive.fill(1, base, this.slotCount);
    for (const doc of deleted) this.alive[base + doc] = 0;
    this.liveCount += data.docCount - deleted.length;
    if (this.liveSlots) for (let doc = 0; doc < data.docCount; doc++) if (this.alive[base + doc] === 1) this.liveSlots.set(segment.id(doc), base + doc);
    if (data.dimension > 0 && !this.dense) this.createDense(data.dimension, base);
    if (this.dense) {
      const { store, graph } = this.dense;
      for (let doc = 0; doc < data.docCount; doc++) {
        const row = data.denseRowOf[doc]!;
        store.add(base + doc, segment.denseRow(doc), row >= 0 && rows ? { rows, row } : undefined);
        if (!this.graphDeferred) graph.insert(base + doc);
      }
    }
    if (rows && !(this.dense?.store.quantized && data.denseRows.length > 0)) {
      segment.rows = undefined;
      rows.close();
    }
    if (this.text) for (let doc = 0; doc < data.docCount; doc++) if (this.alive[base + doc] === 1 && segment.hasText(doc)) this.text.add(base + doc, segment.text(doc)!);
  }

  /** Slots of the live documents with these ids; ids not in the index are skipped. */
  liveSlotsOf(ids: readonly string[]): number[] {
    const map = this.liveSlotMap();
    const out: number[] = [];
    for (const id of ids) {
      const slot = map.get(id);
      if (slot !== undefined) out.push(slot);
    }
    return out;
  }

  /** Each segment that deleting `slots` changes, with all of its deleted local numbers afterwards. */
  deletionsAfter(slots: readonly number[]): { file: string; deleted: Uint32Array }[] {
    const touched = new Map<Segment, number[]>();
    for (const slot of slots) {
      const segment = this.segmentOf(slot);
      let list = touched.get(segment);
      if (!list) touched.set(segment, (list = []));
      list.push(slot - segment.base);
    }
    return [...touched].map(([segment, locals]) => {
      const set = new Set(locals);
      const deleted: number[] = [];
      for (let doc = 0; doc < segment.docCount; doc++) if (this.alive[segment.base + doc] === 0 || set.has(doc)) deleted.push(doc);
      return { file: segment.file, deleted: Uint32Array.from(deleted) };
    });
  }

  /** Retires the documents in `slots` (committed as deleted). */
  markDeleted(slots: readonly number[]): void {
    for (const slot of slots) {
      if (this.alive[slot] !== 1) continue;
      this.alive[slot] = 0;
      this.liveCount--;
      const segment = this.segmentOf(slot);
      this.liveSlots?.delete(segment.id(slot - segment.base));
      if (segment.hasText(slot - segment.base)) this.text?.remove(slot);
    }
  }

  has(id: string): boolean {
    return this.slotOfId(id) !== undefined;
  }

  get(id: string): Document | undefined {
    const slot = this.slotOfId(id);
    return slot === undefined ? undefined : this.documentAt(slot);
  }

  /** The merge of segments `start`…`end − 1`: all their documents, their deletions carried over. */
  planMerge(start: number, end: number): PlannedMerge {
    const run = this.segments.slice(start, end);
    const merged = mergeSegments(run.map((s) => ({ data: s.data })));
    const deleted: number[] = [];
    let at = 0;
    for (const segment of run) {
      for (let doc = 0; doc < segment.docCount; doc++, at++) if (this.alive[segment.base + doc] === 0) deleted.push(at);
    }
    return { files: run.map((s) => s.file), merged, deleted: Uint32Array.from(deleted) };
  }

  /** Replaces segments `start`…`end − 1` by their committed merge; slots do not change. */
  applyMerge(start: number, end: number, file: string, merged: SegmentData, rows?: FloatRows): void {
    const run = this.segments.slice(start, end);
    // The dense store keeps reading the rows it was given; the merged file's are for the next open.
    for (const segment of run) if (segment.rows) this.retiredRows.push(segment.rows);
    rows?.close();
    this.segments.splice(start, end - start, new Segment(file, merged, run[0]!.base));
  }

  /**
   * Compaction of every segment into one holding only live documents, with the dense graph
   * carried over to the new slot numbers (dropped nodes repaired around, nothing rebuilt).
   */
  planCompaction(): PlannedCompaction {
    const remap = new Int32Array(this.slotCount).fill(-1);
    let next = 0;
    for (let slot = 0; slot < this.slotCount; slot++) if (this.alive[slot] === 1) remap[slot] = next++;
    const merged = mergeSegments(this.segments.map((s) => ({ data: s.data, keep: this.alive.subarray(s.base, s.base + s.docCount) })));
    let graph: PlannedCompaction["graph"];
    if (this.dense) {
      this.dense.graph.catchUp();
      graph = compactGraph(this.dense.graph.snapshot(), this.hnsw.M, this.dense.store, remap);
    }
    return { files: this.segments.map((s) => s.file), merged, remap, graph };
  }

  /** Swaps in a committed compaction: one segment, every slot live, the dense leg over the new slots. */
  applyCompaction(plan: PlannedCompaction, file: string, rows?: FloatRows): void {
    const old = this.dense;
    const oldSegments = this.segments;
    this.segments = [];
    this.slotCount = 0;
    this.liveCount = 0;
    this.alive = new Uint8Array(Math.max(16, plan.merged.docCount));
    this.liveSlots = this.liveSlots ? new Map() : null;
    this.text = null;
    this.dense = null;
    if (old) {
      // Vectors move to their new slots (read from the old store, which reads old files if quantized).
      const store = this.newStore(old.store.dimension);
      const { merged, remap } = plan;
      for (let slot = 0; slot < remap.length; slot++) {
        const to = remap[slot]!;
        if (to < 0) continue;
        const row = merged.denseRowOf[to]!;
        store.add(to, row >= 0 ? old.store.vector(slot) : undefined, row >= 0 && rows ? { rows, row } : undefined);
      }
      const graph = new HnswIndex(store, this.hnsw);
      if (plan.graph) graph.restore(plan.graph);
      this.dense = { store, graph };
      old.store.close();
    }
    const segment = new Segment(file, plan.merged, 0, rows);
    this.segments.push(segment);
    this.slotCount = plan.merged.docCount;
    this.liveCount = plan.merged.docCount;
    this.alive.fill(1, 0, this.slotCount);
    if (this.liveSlots) for (let doc = 0; doc < segment.docCount; doc++) this.liveSlots.set(segment.id(doc), doc);
    if (this.dense) this.dense.graph.catchUp();
    else rows?.close();
    for (const s of oldSegments) s.rows?.close();
    for (const r of this.retiredRows) r.close();
    this.retiredRows = [];
  }

  /** Releases open files. */
  close(): void {
    this.dense?.store.close();
    for (const s of this.segments) s.rows?.close();
    for (const r of this.retiredRows) r.close();
    this.retiredRows = [];
  }

  counts(): { withSparse: number; withDense: number; withText: number } {
    let withSparse = 0;
    let withDense = 0;
    let withText = 0;
    for (const segment of this.segments) {
      for (let doc = 0; doc < segment.docCount; doc++) {
        if (this.alive[segment.base + doc] !== 1) continue;
        if (segment.sparse.hasTerms(doc)) withSparse++;
        if (segment.data.denseRowOf[doc]! >= 0) withDense++;
        if (segment.hasText(doc)) withText++;
      }
    }
    return { withSparse, withDense, withText };
  }

  async retrieve(legs: readonly LegName[], query: ResolvedQuery, candidates: number): Promise<RetrievedLeg[]> {
    return legs.map((leg) => this.retrieveLeg(leg, query, candidates));
  }

  private retrieveLeg(leg: LegName, query: ResolvedQuery, candidates: number): RetrievedLeg {
    const { accept, count } = this.acceptSet(query);
    const toHits = (r: { slots: number[]; scores: number[] }) => r.slots.map((slot, i) => ({ id: this.idAt(slot), score: r.scores[i]! }));
    switch (leg) {
      case "sparse": {
        const heap = new TopKHeap(candidates, this.tieBreak);
        for (const segment of this.segments) {
          const q = segment.sparse.compileQuery(query.sparse ?? {});
          if (q.termIds.length > 0) exhaustiveSearch(segment.sparse, segment.docCount, segment.base, q, accept, heap, this.scratch);
        }
        return { leg, kind: "impact", hits: toHits(heap.drain()), theoreticalMin: 0 };
      }
      case "dense": {
        const theoreticalMin = this.metric === "cosine" ? -1 : undefined;
        if (!this.dense || !query.dense) return { leg, kind: "similarity", hits: [], theoreticalMin };
        return { leg, kind: "similarity", hits: toHits(this.searchDense(query, candidates, accept, count)), theoreticalMin };
      }
      case "text": {
        const text = this.textIndex();
        // With a filter, ask for every match so the best `candidates` matching documents survive.
        const limit = query.filter ? Math.max(this.slotCount, 1) : candidates;
        const queryText = query.text ?? "";
        const groups = text.searchGroups ? text.searchGroups(queryText, limit) : text.search(queryText, limit).map((slot) => [slot]);
        // Equally relevant matches are ordered by id and share a rank (competition ranking), so
        // neither their order nor which of them make the cut depends on write history.
        const hits: { id: string; rank: number }[] = [];
        for (const group of groups) {
          const rank = hits.length + 1;
          const ids = group.filter((slot) => accept[slot] === 1).map((slot) => this.idAt(slot));
          ids.sort(compareIds);
          for (const id of ids.slice(0, candidates - hits.length)) hits.push({ id, rank });
          if (hits.length === candidates) break;
        }
        return { leg, kind: "rank-only", hits };
      }
    }
  }

  /** The text index, built from the stored texts on the first text query. */
  private textIndex(): TextIndex {
    if (!this.textFactory) {
      throw new MissingPluginError("text leg: this index was opened without a text index (pass textIndex, e.g. from tandem-search/flexsearch)");
    }
    if (!this.text) {
      const text = this.textFactory();
      for (const segment of this.segments) {
        for (let doc = 0; doc < segment.docCount; doc++) if (this.alive[segment.base + doc] === 1 && segment.hasText(doc)) text.add(segment.base + doc, segment.text(doc)!);
      }
      this.text = text;
    }
    return this.text;
  }

  /**
   * Exact scan when asked for or when few documents are accepted; otherwise the HNSW graph.
   * Over quantized vectors, the best min(ef, 3 × candidates) by approximate similarity are
   * rescored with their exact float vectors and the best `candidates` of those returned.
   */
  private searchDense(query: ResolvedQuery, candidates: number, accept: Uint8Array, accepted: number) {
    const { store, graph } = this.dense!;
    const q = store.prepare(query.dense!);
    if (query.exact) return flatSearch(store, q, candidates, accept, this.tieBreak, true);
    const ef = Math.max(query.ef ?? DEFAULT_EF_SEARCH, candidates);
    const depth = store.quantized ? Math.min(ef, RESCORE_OVERSAMPLING * candidates) : candidates;
    let found: { slots: number[]; scores: number[] };
    if (accepted <= EXACT_SCAN_MAX || accepted < EXACT_SCAN_FRACTION * this.liveCount) {
      found = flatSearch(store, q, depth, accept, this.tieBreak);
      if (!store.quantized) return found;
    } else {
      graph.catchUp();
      found = graph.search(q, depth, ef, accept, this.tieBreak);
    }
    const ranked = new TopKHeap(candidates, this.tieBreak);
    found.slots.forEach((slot, i) => ranked.push(store.quantized ? store.exactSimilarity(q, slot) : found.scores[i]!, slot));
    return ranked.drain();
  }

  async complete(requests: readonly CompletionRequest[], query: ResolvedQuery): Promise<(number | undefined)[][]> {
    return requests.map(({ leg, ids }) => this.completeLeg(leg, query, ids));
  }

  private completeLeg(leg: "sparse" | "dense", query: ResolvedQuery, ids: string[]): (number | undefined)[] {
    const { accept } = this.acceptSet(query);
    const slots = ids.map((id) => {
      const slot = this.slotOfId(id);
      return slot === undefined || accept[slot] !== 1 ? undefined : slot;
    });
    if (leg === "sparse") {
      const compiled = new Map<Segment, ReturnType<Segment["sparse"]["compileQuery"]>>();
      return slots.map((slot) => {
        if (slot === undefined) return undefined;
        const segment = this.segmentOf(slot);
        let q = compiled.get(segment);
        if (!q) compiled.set(segment, (q = segment.sparse.compileQuery(query.sparse ?? {})));
        return segment.sparse.score(q, slot - segment.base);
      });
    }
    const store = this.dense?.store;
    if (!store || !query.dense) return ids.map(() => undefined);
    const q = store.prepare(query.dense);
    return slots.map((slot) => (slot === undefined || !store.has(slot) ? undefined : store.exactSimilarity(q, slot)));
  }

  async locate(ids: readonly string[], query: ResolvedQuery): Promise<{ exists: boolean; matchesFilter: boolean }[]> {
    const { accept } = this.acceptSet(query);
    return ids.map((id) => {
      const slot = this.slotOfId(id);
      return { exists: slot !== undefined, matchesFilter: slot !== undefined && accept[slot] === 1 };
    });
  }

  async explainSparse(query: ResolvedQuery, ids: string[]): Promise<SparseTokenContribution[][]> {
    return ids.map((id) => {
      const slot = this.slotOfId(id);
      if (slot === undefined) return [];
      const segment = this.segmentOf(slot);
      return segment.sparse.contributions(segment.sparse.compileQuery(query.sparse ?? {}), slot - segment.base);
    });
  }

  /**
   * Slots a leg may return (live, and matching the query's filter when it has one) and how many.
   * A search runs without interleaved writes, so the set is cached per resolved query.
   */
  private acceptSet(query: ResolvedQuery): { accept: Uint8Array; count: number } {
    if (!query.filter) return { accept: this.alive, count: this.liveCount };
    let cached = this.acceptByQuery.get(query);
    if (!cached) {
      const accept = new Uint8Array(this.slotCount);
      for (const segment of this.segments) accept.set(segment.columns.evaluate(query.filter), segment.base);
      let count = 0;
      for (let slot = 0; slot < accept.length; slot++) count += accept[slot]! &= this.alive[slot]!;
      cached = { accept, count };
      this.acceptByQuery.set(query, cached);
    }
    return cached;
  }

  private segmentOf(slot: number): Segment {
    const segments = this.segments;
    let lo = 0;
    let hi = segments.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >>> 1;
      if (segments[mid]!.base <= slot) lo = mid;
      else hi = mid - 1;
    }
    return segments[lo]!;
  }

  private idAt(slot: number): string {
    const segment = this.segmentOf(slot);
    return segment.id(slot - segment.base);
  }

  private slotOfId(id: string): number | undefined {
    if (this.liveSlots) return this.liveSlots.get(id);
    for (let s = this.segments.length - 1; s >= 0; s--) {
      const segment = this.segments[s]!;
      const doc = segment.findLive(id, (d) => this.alive[segment.base + d] === 1);
      if (doc >= 0) return segment.base + doc;
    }
    return undefined;
  }

  /** Live slot by id, built once for a writer (each upsert looks up every id of its batch). */
  private liveSlotMap(): Map<string, number> {
    if (!this.liveSlots) {
      const map = new Map<string, number>();
      for (const segment of this.segments) {
        for (let doc = 0; doc < segment.docCount; doc++) if (this.alive[segment.base + doc] === 1) map.set(segment.id(doc), segment.base + doc);
      }
      this.liveSlots = map;
    }
    return this.liveSlots;
  }

  private newStore(dimension: number): DenseVectors {
    return this.quantization === "int8" ? new QuantizedVectorStore(dimension, this.metric) : new VectorStore(dimension, this.metric);
  }

  /** Creates the dense leg when the first vector arrives; the `slots` before it have none. */
  private createDense(dimension: number, slots: number): void {
    this.dimension = dimension;
    const store = this.newStore(dimension);
    const graph = new HnswIndex(store, this.hnsw);
    for (let slot = 0; slot < slots; slot++) {
      store.add(slot, undefined);
      if (!this.graphDeferred) graph.insert(slot);
    }
    this.dense = { store, graph };
  }

  /** Stores vectors without inserting them into the graph until `finishLoading`. */
  deferGraph(): void {
    this.graphDeferred = true;
  }

  /** Restores a saved graph covering the first slots, then inserts the rest. */
  finishLoading(saved?: ReturnType<HnswIndex["snapshot"]>): void {
    this.graphDeferred = false;
    if (!this.dense) return;
    if (saved && saved.nodeCount <= this.dense.store.size) this.dense.graph.restore(saved);
    this.dense.graph.catchUp();
  }

  /** The graph's state to save, with the number of slots it covers. */
  graphSnapshot(): ReturnType<HnswIndex["snapshot"]> | undefined {
    if (!this.dense) return undefined;
    this.dense.graph.catchUp();
    return this.dense.graph.snapshot();
  }

  /** Memory held by the dense leg: vectors and graph. */
  denseBytes(): { vectors: number; graph: number } {
    return { vectors: this.dense?.store.bytes() ?? 0, graph: this.dense?.graph.bytes() ?? 0 };
  }

  /** A document as stored, in objects of its own: a caller changing them changes nothing here. */
  private documentAt(slot: number): Document {
    const segment = this.segmentOf(slot);
    const local = slot - segment.base;
    const doc: Document = { id: segment.id(local) };
    const text = segment.text(local);
    if (text !== undefined) doc.text = text;
    const sparse = segment.sparse.vector(local);
    if (sparse) doc.sparse = sparse;
    const dense = this.dense?.store.vector(slot);
    if (dense) doc.dense = dense;
    const fields = segment.fields(local);
    if (fields !== undefined) doc.fields = copyFields(fields);
    return doc;
  }
}
