import { MissingPluginError } from "../errors.js";
import type { RetrievedLeg } from "../fusion/candidate-pool.js";
import { compareIds } from "../fusion/fuse.js";
import type { BuildThreadPool } from "../legs/dense/build-threads.js";
import { DenseLeg, type DensePlanner } from "../legs/dense/dense-leg.js";
import type { FloatRows } from "../legs/dense/float-rows.js";
import { DEFAULT_HNSW, type HnswIndex, type HnswParams } from "../legs/dense/hnsw-index.js";
import { RetrievalScores } from "../legs/retrieval-scores.js";
import { AcceptedSlots } from "../legs/accepted-slots.js";
import { SlotRanges } from "../legs/slot-ranges.js";
import { SparseLeg } from "../legs/sparse/sparse-leg.js";
import { TextLeg } from "../legs/text/text-leg.js";
import type { TextIndex, TextIndexFactory } from "../legs/text/text-index.js";
import type { SavedTextPart } from "../legs/text/saved-text-part.js";
import type { SegmentData } from "../store/segment-codec.js";
import { mergeSegments } from "../store/segment-merge.js";
import { ensureCapacity } from "../typed-arrays.js";
import type { DenseQuantization, Document, LegName, Metric, SparseTokenContribution } from "../types.js";
import type { CompletionRequest, LegBackend } from "./leg-backend.js";
import { wantsCompletion } from "./search-pipeline.js";
import type { ResolvedQuery } from "./resolve-query.js";
import { Segment } from "./segment.js";
import { copyFields } from "./validate-document.js";
import type { ValidDocument } from "../valid-document.js";

export { RESCORE_OVERSAMPLING } from "../legs/dense/dense-leg.js";

/** Marks, among scores taken from retrieval, a document retrieval found to have none (scores are finite). */
const NO_SCORE = Infinity;
/**
 * Filters whose accepted sets are kept between searches, at most; each is a byte per slot, and
 * past `FILTER_SET_BYTES` in all only the latest is kept.
 */
const FILTER_SETS_KEPT = 4;
const FILTER_SET_BYTES = 32 * 1024 * 1024;

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
 * (a document's slot is its segment's base plus its local number), liveness per slot, and the
 * legs — components over the same segments (legs/sparse, legs/dense, legs/text). The engine keeps
 * the slot/id table, liveness, filters and the search-facing pipeline methods; each leg plans and
 * answers its own queries. Merging adjacent segments keeps every slot (deleted documents
 * included); only compaction renumbers slots, and the dense leg carries its graph over. All work
 * is synchronous; the LegBackend methods return settled promises, so a search never interleaves
 * with a write.
 * @internal
 */
export class EmbeddedEngine implements LegBackend {
  private readonly ranges = new SlotRanges<Segment>();
  private slotCount = 0;
  private alive = new Uint8Array(16);
  private liveCount = 0;
  /** Live slot by id, built on the first write; readers look ids up in the segments instead. */
  private liveSlots: Map<string, number> | null = null;
  private sparse = new SparseLeg();
  private readonly dense: DenseLeg;
  private readonly text: TextLeg | null;
  /**
   * Counts changes to the slot space (segments added, merged or compacted, documents retired), so
   * slots handed out with a search's hits are used for its completions only while still valid.
   */
  private generation = 0;
  /** The generation each search retrieved its legs at. */
  private readonly retrievedAt = new WeakMap<ResolvedQuery, number>();
  /** Scores the sparse and dense retrievals computed beyond their hits, which completion takes. */
  private readonly seenSparse = new RetrievalScores();
  private readonly seenDense = new RetrievalScores();
  /** Each search's stamps in those tables. */
  private readonly seenStamps = new WeakMap<ResolvedQuery, { sparse: number; dense: number }>();
  /** The accepted set of the query being searched, so its legs and completions evaluate the filter once. */
  private readonly acceptByQuery = new WeakMap<ResolvedQuery, AcceptedSlots>();
  /**
   * Accepted sets of the latest filters (by their JSON), most recent last, and the live set, all
   * of generation `acceptedAt`: a filter repeated over searches is evaluated once while nothing is
   * written, and what the legs derive from a set (sparse: its accepted blocks) is kept with it.
   */
  private readonly acceptByFilter = new Map<string, AcceptedSlots>();
  private liveSet: AcceptedSlots | undefined;
  private acceptedAt = -1;
  private readonly tieBreak = (a: number, b: number) => compareIds(this.idAt(a), this.idAt(b));
  /** Fills the text index with every live slot that has a text. */
  private readonly fillText = (index: TextIndex) => this.fillTextIndex(index);

  constructor(
    dimension: number | null,
    readonly metric: Metric,
    textFactory?: TextIndexFactory,
    readonly hnsw: HnswParams = DEFAULT_HNSW,
    readonly quantization: DenseQuantization = "none",
    planner?: DensePlanner,
  ) {
    this.dense = new DenseLeg(dimension, metric, hnsw, quantization, planner);
    this.text = textFactory ? new TextLeg(textFactory) : null;
  }

  /** Keeps dense vectors in shared memory, so that graph builds can use threads. Call before adding segments. */
  shareDenseVectors(): void {
    this.dense.shareVectors();
  }

  /** Threads for inserting large segments into the dense graph: up to `threads`, this one included. */
  useBuildThreads(pool: BuildThreadPool, threads: number): void {
    this.dense.useBuildThreads(pool, threads);
  }

  get documentCount(): number {
    return this.liveCount;
  }

  get denseDimension(): number | null {
    return this.dense.dimension;
  }

  get hasTextLeg(): boolean {
    return this.text !== null;
  }

  /** Distinct tokens over the segments (documents deleted since the last compaction included). */
  get vocabularySize(): number {
    return this.sparse.vocabularySize();
  }

  /** Share of slots that hold replaced or deleted documents. */
  retiredFraction(): number {
    return this.slotCount === 0 ? 0 : 1 - this.liveCount / this.slotCount;
  }

  /** Each segment's document count (deleted included), in slot order. */
  segmentSizes(): number[] {
    return this.segments.map((s) => s.docCount);
  }

  /**
   * Appends a segment as read from its file or just committed, with the local numbers of its
   * deleted documents. `rows` reads its dense rows back for a quantized store; the engine owns it.
   */
  addSegment(file: string, data: SegmentData, deleted: Uint32Array, rows?: FloatRows): void {
    this.generation++;
    const base = this.slotCount;
    const keepRows = rows && this.dense.readsRows(data.dense) ? rows : undefined;
    if (rows && !keepRows) rows.close();
    const segment = new Segment(file, data, base, keepRows);
    this.segments.push(segment);
    this.slotCount += data.docCount;
    this.alive = ensureCapacity(this.alive, this.slotCount);
    this.alive.fill(1, base, this.slotCount);
    for (const doc of deleted) this.alive[base + doc] = 0;
    this.liveCount += data.docCount - deleted.length;
    if (this.liveSlots) for (let doc = 0; doc < data.docCount; doc++) if (this.alive[base + doc] === 1) this.liveSlots.set(segment.id(doc), base + doc);
    this.sparse.add(base, data.docCount, data.sparse);
    this.dense.add(base, data.docCount, data.dense, keepRows);
    // A text index already made takes the new segment's documents too (from its saved index when it has one).
    this.text?.extend((index) => this.fillSegmentText(index, segment));
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
    const touched = new Map<Segment, Set<number>>();
    for (const slot of slots) {
      const segment = this.segmentOf(slot);
      let set = touched.get(segment);
      if (!set) touched.set(segment, (set = new Set()));
      set.add(slot - segment.base);
    }
    return [...touched].map(([segment, locals]) => {
      const deleted: number[] = [];
      for (let doc = 0; doc < segment.docCount; doc++) if (this.alive[segment.base + doc] === 0 || locals.has(doc)) deleted.push(doc);
      return { file: segment.file, deleted: Uint32Array.from(deleted) };
    });
  }

  /** Retires the documents in `slots` (committed as deleted). */
  markDeleted(slots: readonly number[]): void {
    this.generation++;
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
    let offset = 0;
    const text = this.mergedText(
      run,
      run.map((s) => {
        const numbers = new Int32Array(s.docCount);
        for (let doc = 0; doc < s.docCount; doc++) numbers[doc] = offset + doc;
        offset += s.docCount;
        return numbers;
      }),
    );
    if (text) merged.text = text;
    const deleted: number[] = [];
    let at = 0;
    for (const segment of run) {
      for (let doc = 0; doc < segment.docCount; doc++, at++) if (this.alive[segment.base + doc] === 0) deleted.push(at);
    }
    return { files: run.map((s) => s.file), merged, deleted: Uint32Array.from(deleted) };
  }

  /** Replaces segments `start`…`end − 1` by their committed merge; slots do not change. */
  applyMerge(start: number, end: number, file: string, merged: SegmentData, rows?: FloatRows): void {
    this.generation++;
    const run = this.segments.slice(start, end);
    // The dense store keeps reading the rows it was given; the merged file's are for the next open.
    for (const segment of run) if (segment.rows) this.dense.retire(segment.rows);
    rows?.close();
    const base = run[0]!.base;
    this.segments.splice(start, end - start, new Segment(file, merged, base));
    this.sparse.replace(start, end, base, merged.docCount, merged.sparse);
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
    const text = this.mergedText(
      this.segments,
      this.segments.map((s) => remap.subarray(s.base, s.base + s.docCount)),
    );
    if (text) merged.text = text;
    return { files: this.segments.map((s) => s.file), merged, remap, graph: this.dense.compactedGraph(remap) };
  }

  /** Swaps in a committed compaction: one segment, every slot live, each leg over the new slots. */
  applyCompaction(plan: PlannedCompaction, file: string, rows?: FloatRows): void {
    this.generation++;
    const { merged } = plan;
    const keepRows = rows && this.dense.readsRows(merged.dense) ? rows : undefined;
    this.dense.applyCompaction(plan.remap, merged.dense, plan.graph, keepRows);
    if (rows && !keepRows) rows.close();
    for (const s of this.segments) s.rows?.close();
    const segment = new Segment(file, merged, 0, keepRows);
    this.segments = [segment];
    this.slotCount = merged.docCount;
    this.liveCount = merged.docCount;
    this.alive = new Uint8Array(Math.max(16, merged.docCount)).fill(1, 0, merged.docCount);
    if (this.liveSlots) {
      this.liveSlots = new Map();
      for (let doc = 0; doc < segment.docCount; doc++) this.liveSlots.set(segment.id(doc), doc);
    }
    this.sparse = new SparseLeg();
    this.sparse.add(0, merged.docCount, merged.sparse);
    this.text?.reset();
  }

  /** Releases open files. */
  close(): void {
    this.dense.close();
    for (const s of this.segments) s.rows?.close();
  }

  counts(): { withSparse: number; withDense: number; withText: number } {
    let withSparse = 0;
    let withDense = 0;
    let withText = 0;
    for (const segment of this.segments) {
      const { termCounts } = segment.data.sparse;
      const { denseRowOf } = segment.data.dense;
      for (let doc = 0; doc < segment.docCount; doc++) {
        if (this.alive[segment.base + doc] !== 1) continue;
        if (termCounts[doc]! > 0) withSparse++;
        if (denseRowOf[doc]! >= 0) withDense++;
        if (segment.hasText(doc)) withText++;
      }
    }
    return { withSparse, withDense, withText };
  }

  async retrieve(legs: readonly LegName[], query: ResolvedQuery, candidates: number): Promise<RetrievedLeg[]> {
    this.retrievedAt.set(query, this.generation);
    // Only a search that will complete scores has a use for what its legs saw beyond their hits.
    const seen = wantsCompletion(query);
    const stamps = { sparse: 0, dense: 0 };
    if (seen) this.seenStamps.set(query, stamps);
    return legs.map((leg) => this.retrieveLeg(leg, query, candidates, seen ? stamps : undefined));
  }

  private retrieveLeg(leg: LegName, query: ResolvedQuery, candidates: number, stamps?: { sparse: number; dense: number }): RetrievedLeg {
    const { accept, count, set } = this.acceptSet(query);
    const toHits = (r: { slots: number[]; scores: number[] }) => r.slots.map((slot, i) => ({ id: this.idAt(slot), score: r.scores[i]! }));
    switch (leg) {
      case "sparse": {
        if (stamps) stamps.sparse = this.seenSparse.begin(this.slotCount);
        const seen = stamps ? this.seenSparse : undefined;
        const found = this.sparse.retrieve(query.sparse ?? {}, candidates, set, this.tieBreak, query.sparseAlgorithm, query.sparsePruning, seen);
        return { leg, kind: "impact", hits: toHits(found), theoreticalMin: 0, exact: found.exact, refs: Int32Array.from(found.slots) };
      }
      case "dense": {
        const theoreticalMin = this.metric === "cosine" ? -1 : undefined;
        if (!query.dense) return { leg, kind: "similarity", hits: [], theoreticalMin, refs: new Int32Array(0) };
        if (stamps) stamps.dense = this.seenDense.begin(this.slotCount);
        const seen = stamps ? this.seenDense : undefined;
        const found = this.dense.retrieve(query.dense, candidates, query, accept, count, this.liveCount, this.tieBreak, seen);
        return { leg, kind: "similarity", hits: toHits(found), theoreticalMin, refs: Int32Array.from(found.slots) };
      }
      case "text": {
        if (!this.text) {
          throw new MissingPluginError("text leg: this index was opened without a text index (pass textIndex, e.g. from tandem-search/flexsearch)");
        }
        const { hits, slots } = this.text.retrieve(query.text ?? "", candidates, accept, query.filter !== undefined, this.slotCount, (slot) => this.idAt(slot), compareIds, this.fillText);
        return { leg, kind: "rank-only", hits, refs: slots };
      }
    }
  }

  async complete(requests: readonly CompletionRequest[], query: ResolvedQuery): Promise<(number | undefined)[][]> {
    const { accept } = this.acceptSet(query);
    // Slots handed out by this search's retrieval are still this document's while nothing was written since.
    const refsValid = this.retrievedAt.get(query) === this.generation;
    return requests.map(({ leg, ids, refs }) => {
      const slots = new Int32Array(ids.length);
      if (refsValid && refs && refs.length === ids.length) {
        for (let i = 0; i < ids.length; i++) {
          const slot = refs[i]!;
          slots[i] = slot >= 0 && slot < this.slotCount && accept[slot] === 1 ? slot : -1;
        }
      } else {
        for (let i = 0; i < ids.length; i++) {
          const slot = this.slotOfId(ids[i]!);
          slots[i] = slot === undefined || accept[slot] !== 1 ? -1 : slot;
        }
      }
      if (leg === "dense" && !query.dense) return ids.map(() => undefined);
      const stamp = refsValid ? this.seenStamps.get(query)?.[leg] : undefined;
      const taken = stamp ? this.takeSeen(leg === "sparse" ? this.seenSparse : this.seenDense, stamp, slots) : undefined;
      let left = false;
      for (let i = 0; i < slots.length && !left; i++) left = slots[i]! >= 0;
      const scores: (number | undefined)[] = !left
        ? new Array<number | undefined>(slots.length).fill(undefined)
        : leg === "sparse"
          ? this.sparse.score(query.sparse ?? {}, slots)
          : this.dense.similarities(query.dense!, slots);
      if (taken) for (let i = 0; i < taken.length; i++) if (!Number.isNaN(taken[i]!)) scores[i] = taken[i]! === NO_SCORE ? undefined : taken[i]!;
      return scores;
    });
  }

  /**
   * The scores retrieval already has for `slots` (NaN where it has none, `NO_SCORE` where it knows
   * there is none); those slots become −1 so the leg does not score them again.
   */
  private takeSeen(seen: RetrievalScores, stamp: number, slots: Int32Array): Float64Array {
    const taken = new Float64Array(slots.length);
    const complete = seen.isComplete(stamp);
    for (let i = 0; i < slots.length; i++) {
      const slot = slots[i]!;
      if (slot < 0) {
        taken[i] = NaN;
        continue;
      }
      const score = seen.scoreOf(stamp, slot);
      if (Number.isNaN(score) && !complete) {
        taken[i] = NaN;
        continue;
      }
      taken[i] = Number.isNaN(score) ? NO_SCORE : score;
      slots[i] = -1;
    }
    return taken;
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
      return slot === undefined ? [] : this.sparse.contributions(query.sparse ?? {}, slot);
    });
  }

  /**
   * Slots a leg may return (live, and matching the query's filter when it has one) and how many.
   * A search runs without interleaved writes, so the set is cached per resolved query; and per
   * filter (the last `FILTER_SETS_KEPT`) until the next write.
   */
  private acceptSet(query: ResolvedQuery): { accept: Uint8Array; count: number; set: AcceptedSlots } {
    let set = this.acceptByQuery.get(query);
    if (!set) {
      if (this.acceptedAt !== this.generation) {
        this.acceptByFilter.clear();
        this.liveSet = undefined;
        this.acceptedAt = this.generation;
      }
      if (!query.filter) {
        set = this.liveSet ??= new AcceptedSlots(this.alive, this.liveCount);
      } else {
        const key = JSON.stringify(query.filter);
        set = this.acceptByFilter.get(key);
        if (set) this.acceptByFilter.delete(key);
        else set = this.evaluateFilter(query.filter);
        this.acceptByFilter.set(key, set);
        // The oldest sets go first, past the count or (the latest always kept) the bytes allowed.
        while (this.acceptByFilter.size > FILTER_SETS_KEPT || (this.acceptByFilter.size > 1 && this.acceptByFilter.size * this.slotCount > FILTER_SET_BYTES)) {
          this.acceptByFilter.delete(this.acceptByFilter.keys().next().value!);
        }
      }
      this.acceptByQuery.set(query, set);
    }
    return { accept: set.bytes, count: set.count, set };
  }

  /** The live slots matching `filter`. */
  private evaluateFilter(filter: NonNullable<ResolvedQuery["filter"]>): AcceptedSlots {
    const accept = new Uint8Array(this.slotCount);
    for (const segment of this.segments) accept.set(segment.columns.evaluate(filter), segment.base);
    return new AcceptedSlots(accept, andCount(accept, this.alive));
  }

  /** Each segment's saved text index loaded under its live slots, or its live texts added where it has none the index can load. */
  private fillTextIndex(index: TextIndex): void {
    for (const segment of this.segments) this.fillSegmentText(index, segment);
  }

  private fillSegmentText(index: TextIndex, segment: Segment): void {
    const { base } = segment;
    if (TextLeg.loadable(index, segment.data.text)) {
      const keys = new Int32Array(segment.docCount);
      for (let doc = 0; doc < segment.docCount; doc++) keys[doc] = this.alive[base + doc] === 1 ? base + doc : -1;
      index.load!(segment.data.text.bytes, keys);
    } else {
      for (let doc = 0; doc < segment.docCount; doc++) if (this.alive[base + doc] === 1 && segment.hasText(doc)) index.add(base + doc, segment.text(doc)!);
    }
  }

  /** The saved text index of a new segment of `docs` (local numbers in order), when the text index saves one. */
  savedText(docs: readonly ValidDocument[]): SavedTextPart | undefined {
    // A segment without texts needs no text index: there is nothing to add from it either.
    if (!docs.some((d) => d.text !== undefined)) return undefined;
    return this.text?.save(
      (function* () {
        for (let i = 0; i < docs.length; i++) if (docs[i]!.text !== undefined) yield [i, docs[i]!.text!] as [number, string];
      })(),
    );
  }

  /**
   * The saved text index of a merge of `run` in which document `doc` of `run[s]` becomes local
   * number `newNumber[s][doc]` (−1: dropped): each input's saved index loaded when it has one this
   * plugin reads, else its kept texts added.
   */
  private mergedText(run: readonly Segment[], newNumber: readonly Int32Array[]): SavedTextPart | undefined {
    const text = this.text;
    if (!text || text.savedFormat === null) return undefined;
    const sources: { saved: SavedTextPart; keys: Int32Array }[] = [];
    const texts: [number, string][] = [];
    run.forEach((segment, s) => {
      const saved = segment.data.text;
      if (saved !== undefined && saved.format === text.savedFormat) sources.push({ saved, keys: newNumber[s]! });
      else for (let doc = 0; doc < segment.docCount; doc++) if (newNumber[s]![doc]! >= 0 && segment.hasText(doc)) texts.push([newNumber[s]![doc]!, segment.text(doc)!]);
    });
    return text.save(texts, sources);
  }

  private get segments(): Segment[] {
    return this.ranges.items;
  }

  private set segments(segments: Segment[]) {
    this.ranges.items = segments;
  }

  private segmentOf(slot: number): Segment {
    return this.ranges.at(slot);
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

  /** Dense slots that `finishLoading(saved)` will insert into the graph. */
  graphBacklog(saved?: ReturnType<HnswIndex["snapshot"]>): number {
    return this.dense.graphBacklog(saved);
  }

  /** Stores vectors without inserting them into the graph until `finishLoading`. */
  deferGraph(): void {
    this.dense.deferGraph();
  }

  /** Restores a saved graph covering the first slots, then inserts the rest. */
  finishLoading(saved?: ReturnType<HnswIndex["snapshot"]>): void {
    this.dense.finishLoading(saved);
  }

  /** The graph's state to save, with the number of slots it covers. */
  graphSnapshot(): ReturnType<HnswIndex["snapshot"]> | undefined {
    return this.dense.snapshot();
  }

  /** Memory held by the dense leg: vectors and graph. */
  denseBytes(): { vectors: number; graph: number } {
    return this.dense.bytes();
  }

  /** A document as stored, in objects of its own: a caller changing them changes nothing here. */
  private documentAt(slot: number): Document {
    const segment = this.segmentOf(slot);
    const local = slot - segment.base;
    const doc: Document = { id: segment.id(local) };
    const text = segment.text(local);
    if (text !== undefined) doc.text = text;
    const sparse = this.sparse.vector(slot);
    if (sparse) doc.sparse = sparse;
    const dense = this.dense.vector(slot);
    if (dense) doc.dense = dense;
    const fields = segment.fields(local);
    if (fields !== undefined) doc.fields = copyFields(fields);
    return doc;
  }
}

/**
 * `accept[i] &= alive[i]` over `accept`, returning how many stay 1: four slots at a time where
 * both arrays allow 32-bit views (0/1 bytes: a word's byte sum is its count).
 */
function andCount(accept: Uint8Array, alive: Uint8Array): number {
  const n = accept.length;
  let count = 0;
  let i = 0;
  if (accept.byteOffset % 4 === 0 && alive.byteOffset % 4 === 0) {
    const words = n >>> 2;
    const a = new Uint32Array(accept.buffer, accept.byteOffset, words);
    const b = new Uint32Array(alive.buffer, alive.byteOffset, words);
    for (let w = 0; w < words; w++) {
      const x = a[w]! & b[w]!;
      a[w] = x;
      count += Math.imul(x, 0x01010101) >>> 24;
    }
    i = words << 2;
  }
  for (; i < n; i++) count += accept[i]! &= alive[i]!;
  return count;
}
