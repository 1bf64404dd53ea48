import { flatSearch } from "../dense/flat-index.js";
import { DEFAULT_HNSW, HnswIndex, type HnswParams } from "../dense/hnsw-index.js";
import type { FloatRows } from "../dense/float-rows.js";
import { QuantizedVectorStore } from "../dense/quantized-vector-store.js";
import { VectorStore, type DenseVectors } from "../dense/vector-store.js";
import { MissingPluginError } from "../errors.js";
import { FieldIndex } from "../filter/field-index.js";
import type { RetrievedLeg } from "../fusion/candidate-pool.js";
import { compareIds } from "../fusion/fuse.js";
import { exhaustiveSearch, TermAtATimeScratch } from "../sparse/exhaustive-search.js";
import { SparseIndex } from "../sparse/sparse-index.js";
import { TopKHeap } from "../top-k-heap.js";
import { ensureCapacity } from "../typed-arrays.js";
import type { DenseQuantization, Document, FieldValue, LegName, Metric, SparseTokenContribution } from "../types.js";
import type { CompletionRequest, LegBackend } from "./leg-backend.js";
import type { ResolvedQuery } from "./resolve-query.js";
import type { TextIndex, TextIndexFactory } from "./text-index.js";
import { copyFields, type ValidDocument } from "./validate-document.js";

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

interface StoredFields {
  text?: string;
  fields?: Record<string, FieldValue>;
}

/**
 * The in-memory state of an embedded index: a slot per document version, the three legs over
 * slots, and liveness. An upsert appends a new slot and retires the old one; `compact()` drops
 * retired slots and renumbers. All work is synchronous; the LegBackend methods return settled
 * promises, so a search never interleaves with a write.
 * @internal
 */
export class EmbeddedEngine implements LegBackend {
  private ids: string[] = [];
  private slotOf = new Map<string, number>();
  private alive = new Uint8Array(16);
  private stored: StoredFields[] = [];
  private fieldIndex = new FieldIndex();
  private sparse = new SparseIndex();
  private dense: DenseLeg | null = null;
  /** While loading, vectors are stored but graph insertion waits for a saved graph to be restored. */
  private graphDeferred = false;
  private text: TextIndex | null;
  private readonly scratch = new TermAtATimeScratch();
  /** The accepted set of the query being searched, so its legs and completions evaluate the filter once. */
  private readonly acceptByQuery = new WeakMap<ResolvedQuery, { accept: Uint8Array; count: number }>();
  private readonly tieBreak = (a: number, b: number) => compareIds(this.ids[a]!, this.ids[b]!);

  constructor(
    private dimension: number | null,
    readonly metric: Metric,
    private readonly textFactory?: TextIndexFactory,
    readonly hnsw: HnswParams = DEFAULT_HNSW,
    readonly quantization: DenseQuantization = "none",
  ) {
    this.text = textFactory ? textFactory() : null;
  }

  get documentCount(): number {
    return this.slotOf.size;
  }

  get denseDimension(): number | null {
    return this.dimension;
  }

  get hasTextLeg(): boolean {
    return this.text !== null;
  }

  get vocabularySize(): number {
    return this.sparse.vocabulary.size;
  }

  /**
   * Adds or replaces documents (already validated against this index). `rows` reads back the
   * batch's dense vectors in order (the segment it was committed as), for a quantized store;
   * the engine owns it from here.
   */
  upsert(docs: readonly ValidDocument[], rows?: FloatRows): void {
    let denseRow = 0;
    for (const doc of docs) {
      this.retire(doc.id);
      const slot = this.ids.length;
      this.ids.push(doc.id);
      this.slotOf.set(doc.id, slot);
      this.alive = ensureCapacity(this.alive, slot + 1);
      this.alive[slot] = 1;
      this.stored.push({ text: doc.text, fields: doc.fields });
      this.fieldIndex.add(slot, doc.fields);
      this.sparse.add(slot, doc.sparse);
      if (doc.dense && !this.dense) this.createDense(doc.dense.length);
      if (this.dense) {
        this.dense.store.add(slot, doc.dense, doc.dense && rows ? { rows, row: denseRow++ } : undefined);
        if (!this.graphDeferred) this.dense.graph.insert(slot);
      }
      if (doc.text !== undefined && this.text) this.text.add(slot, doc.text);
    }
    if (rows && denseRow === 0) rows.close();
  }

  /** Removes documents; returns how many existed. */
  delete(ids: readonly string[]): number {
    let removed = 0;
    for (const id of ids) if (this.retire(id)) removed++;
    return removed;
  }

  has(id: string): boolean {
    return this.slotOf.has(id);
  }

  get(id: string): Document | undefined {
    const slot = this.slotOf.get(id);
    return slot === undefined ? undefined : this.documentAt(slot);
  }

  /** Live documents in slot order: what a compacted store or a rebuild writes. */
  liveDocuments(): ValidDocument[] {
    const out: ValidDocument[] = [];
    for (let slot = 0; slot < this.ids.length; slot++) if (this.alive[slot] === 1) out.push(this.documentAt(slot));
    return out;
  }

  /** Share of slots that hold retired document versions. */
  retiredFraction(): number {
    return this.ids.length === 0 ? 0 : 1 - this.slotOf.size / this.ids.length;
  }

  /** Rebuilds every leg from `live` (the live documents, rewritten as one segment read by `rows`), dropping retired slots. */
  compact(live: ValidDocument[], rows?: FloatRows): void {
    this.dense?.store.close();
    this.ids = [];
    this.slotOf = new Map();
    this.alive = new Uint8Array(Math.max(16, live.length));
    this.stored = [];
    this.fieldIndex = new FieldIndex();
    this.sparse = new SparseIndex();
    this.dense = null;
    this.text = this.textFactory ? this.textFactory() : null;
    this.upsert(live, rows);
  }

  /** Releases open files. */
  close(): void {
    this.dense?.store.close();
  }

  counts(): { withSparse: number; withDense: number; withText: number } {
    let withSparse = 0;
    let withDense = 0;
    let withText = 0;
    for (const slot of this.slotOf.values()) {
      if (this.sparse.hasTerms(slot)) withSparse++;
      if (this.dense?.store.has(slot)) withDense++;
      if (this.stored[slot]!.text !== undefined) withText++;
    }
    return { withSparse, withDense, withText };
  }

  async retrieve(legs: readonly LegName[], query: ResolvedQuery, candidates: number): Promise<RetrievedLeg[]> {
    return legs.map((leg) => this.retrieveLeg(leg, query, candidates));
  }

  private retrieveLeg(leg: LegName, query: ResolvedQuery, candidates: number): RetrievedLeg {
    const { accept, count } = this.acceptSet(query);
    const toHits = (r: { slots: number[]; scores: number[] }) => r.slots.map((slot, i) => ({ id: this.ids[slot]!, score: r.scores[i]! }));
    switch (leg) {
      case "sparse": {
        const q = this.sparse.compileQuery(query.sparse ?? {});
        const r = exhaustiveSearch(this.sparse, q, candidates, accept, this.tieBreak, this.scratch);
        return { leg, kind: "impact", hits: toHits(r), theoreticalMin: 0 };
      }
      case "dense": {
        const theoreticalMin = this.metric === "cosine" ? -1 : undefined;
        if (!this.dense || !query.dense) return { leg, kind: "similarity", hits: [], theoreticalMin };
        return { leg, kind: "similarity", hits: toHits(this.searchDense(query, candidates, accept, count)), theoreticalMin };
      }
      case "text": {
        if (!this.text) {
          throw new MissingPluginError("text leg: this index was opened without a text index (pass textIndex, e.g. from tandem-search/flexsearch)");
        }
        // With a filter, ask for every match so the best `candidates` matching documents survive.
        const limit = query.filter ? Math.max(this.ids.length, 1) : candidates;
        const text = query.text ?? "";
        const groups = this.text.searchGroups ? this.text.searchGroups(text, limit) : this.text.search(text, limit).map((slot) => [slot]);
        // Equally relevant matches are ordered by id and share a rank (competition ranking), so
        // neither their order nor which of them make the cut depends on write history.
        const hits: { id: string; rank: number }[] = [];
        for (const group of groups) {
          const rank = hits.length + 1;
          const ids = group.filter((slot) => accept[slot] === 1).map((slot) => this.ids[slot]!);
          ids.sort(compareIds);
          for (const id of ids.slice(0, candidates - hits.length)) hits.push({ id, rank });
          if (hits.length === candidates) break;
        }
        return { leg, kind: "rank-only", hits };
      }
    }
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
    if (accepted <= EXACT_SCAN_MAX || accepted < EXACT_SCAN_FRACTION * this.slotOf.size) {
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
    if (leg === "sparse") {
      const q = this.sparse.compileQuery(query.sparse ?? {});
      return ids.map((id) => {
        const slot = this.slotOf.get(id);
        return slot === undefined || accept[slot] !== 1 ? undefined : this.sparse.score(q, slot);
      });
    }
    const store = this.dense?.store;
    if (!store || !query.dense) return ids.map(() => undefined);
    const q = store.prepare(query.dense);
    return ids.map((id) => {
      const slot = this.slotOf.get(id);
      return slot === undefined || accept[slot] !== 1 || !store.has(slot) ? undefined : store.exactSimilarity(q, slot);
    });
  }

  async locate(ids: readonly string[], query: ResolvedQuery): Promise<{ exists: boolean; matchesFilter: boolean }[]> {
    const { accept } = this.acceptSet(query);
    return ids.map((id) => {
      const slot = this.slotOf.get(id);
      return { exists: slot !== undefined, matchesFilter: slot !== undefined && accept[slot] === 1 };
    });
  }

  async explainSparse(query: ResolvedQuery, ids: string[]): Promise<SparseTokenContribution[][]> {
    const q = this.sparse.compileQuery(query.sparse ?? {});
    return ids.map((id) => {
      const slot = this.slotOf.get(id);
      return slot === undefined ? [] : this.sparse.contributions(q, slot);
    });
  }

  /**
   * Slots a leg may return (live, and matching the query's filter when it has one) and how many.
   * A search runs without interleaved writes, so the set is cached per resolved query.
   */
  private acceptSet(query: ResolvedQuery): { accept: Uint8Array; count: number } {
    if (!query.filter) return { accept: this.alive, count: this.slotOf.size };
    let cached = this.acceptByQuery.get(query);
    if (!cached) {
      const accept = this.fieldIndex.evaluate(query.filter);
      let count = 0;
      for (let slot = 0; slot < accept.length; slot++) count += accept[slot]! &= this.alive[slot]!;
      cached = { accept, count };
      this.acceptByQuery.set(query, cached);
    }
    return cached;
  }

  private retire(id: string): boolean {
    const slot = this.slotOf.get(id);
    if (slot === undefined) return false;
    this.alive[slot] = 0;
    this.slotOf.delete(id);
    if (this.stored[slot]!.text !== undefined) this.text?.remove(slot);
    return true;
  }

  private createDense(dimension: number): void {
    this.dimension = dimension;
    const store = this.quantization === "int8" ? new QuantizedVectorStore(dimension, this.metric) : new VectorStore(dimension, this.metric);
    const graph = new HnswIndex(store, this.hnsw);
    for (let slot = 0; slot < this.ids.length - 1; slot++) {
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
  private documentAt(slot: number): ValidDocument {
    const doc: ValidDocument = { id: this.ids[slot]! };
    const s = this.stored[slot]!;
    if (s.text !== undefined) doc.text = s.text;
    const sparse = this.sparse.vector(slot);
    if (sparse) doc.sparse = sparse;
    const dense = this.dense?.store.vector(slot);
    if (dense) doc.dense = dense;
    if (s.fields !== undefined) doc.fields = copyFields(s.fields);
    return doc;
  }
}
