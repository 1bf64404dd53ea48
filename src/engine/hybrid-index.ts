import { describeValue } from "../describe-value.js";
import { CorruptIndexError, IndexClosedError, InvalidOptionError, MissingPluginError } from "../errors.js";
import type { BuildThreadFactory } from "../legs/dense/build-threads.js";
import { MAX_BUILD_THREADS } from "../legs/dense/build-threads.js";
import { PARALLEL_BUILD_MIN, type DensePlanner } from "../legs/dense/dense-leg.js";
import { DEFAULT_HNSW, type HnswParams } from "../legs/dense/hnsw-index.js";
import { isPlainObject } from "../is-plain-object.js";
import { decodeGraph, encodeGraph } from "../store/graph-codec.js";
import { IndexStore } from "../store/index-store.js";
import { replayLog } from "../store/log-upgrade.js";
import { FORMAT_VERSION } from "../store/manifest.js";
import { findMerge } from "../store/merge-policy.js";
import { buildSegment } from "../store/segment-builder.js";
import type { Storage } from "../store/storage.js";
import type { DenseQuantization, Document, IndexStats, Metric, SearchQuery, SearchResult } from "../types.js";
import { EmbeddedEngine } from "./embedded-engine.js";
import { GraphBuildThreads } from "./graph-build-threads.js";
import { CALIBRATION_ATTACHMENT } from "../relevance/calibration-model.js";
import { StoredCalibration } from "../relevance/stored-calibration.js";
import { resolveQuery } from "./resolve-query.js";
import { runSearch } from "./search-pipeline.js";
import type { SearchIndex } from "./search-index.js";
import type { TextIndex, TextIndexFactory } from "../legs/text/text-index.js";
import {
  validateAttachmentBytes,
  validateAttachmentName,
  validateId,
  validateIds,
  validateOptionsObject,
  validateUpsertOptions,
  validateWhere,
} from "./validate-arguments.js";
import { validateDocuments, type ValidDocument } from "./validate-document.js";

/** Options of {@link HybridIndex.open}. Settings "of a new index" are fixed when it is created. */
export interface OpenOptions {
  /** Dense dimension of a new index. Default: set by the first dense vector indexed. */
  dimension?: number;
  /** Dense metric of a new index: `cosine` (default), `dot` or `l2`. An existing index keeps its own; a different value is an error. */
  metric?: Metric;
  /** Text index for the text leg, e.g. `flexSearchTextIndex` from `tandem-search/flexsearch`. Without it the text leg is off. */
  textIndex?: TextIndexFactory;
  /** HNSW parameters of a new index (M, efConstruction, seed); an existing index keeps its own. */
  hnsw?: Partial<HnswParams>;
  /**
   * Dense vectors of a new index in memory as float32 (`none`, default) or as int8 codes (`int8`:
   * about a quarter of the memory; the ef best are rescored exactly from the float vectors read
   * back from the index files). An existing index keeps its own; a different value is an error.
   */
  quantization?: DenseQuantization;
  /** Open without taking the write lock; `upsert` and `delete` then throw. Default false. */
  readOnly?: boolean;
  /**
   * Receives failures of housekeeping that follows a durable commit and changes nothing stored:
   * merging segments after `upsert`/`delete` (`"compaction"`), saving the dense graph in `close`
   * (`"graph"`). The call that triggered it still succeeds — its commit stands — and the work is
   * tried again (compaction at the next write, the graph at the next close). Typically a
   * StorageError, e.g. a full disk. Default: such failures are dropped.
   */
  onMaintenanceError?: (error: Error, work: "compaction" | "graph") => void;
  /**
   * Threads that insert dense vectors into the HNSW graph, this one included: an integer from 1 to
   * 64. Default: the cores available (`os.availableParallelism()` in Node). Batches of at least
   * 1,000 dense vectors (an `upsert`, or the documents a saved graph does not cover when opening)
   * use them; smaller ones, int8 quantization, and runtimes without worker threads or
   * SharedArrayBuffer use one. The graph is as good as one built on one thread (the same recall),
   * not the same bytes; 1 builds exactly as one thread always does. Float vectors are kept in
   * shared memory unless `threads` is 1.
   */
  threads?: number;
  /** When the dense leg scans exactly instead of walking the graph (tests force either). @internal */
  densePlanner?: DensePlanner;
  /** Starts the build threads instead of Node's worker threads (tests run the built worker). @internal */
  buildThreads?: BuildThreadFactory;
}

/** Options of {@link HybridIndex.upsert}. */
export interface UpsertOptions {
  /** Names document i in error messages. Default `docs[i]`. */
  where?: (i: number) => string;
}

/**
 * Compaction (every segment rewritten as one without deleted documents, slots renumbered) starts
 * when this share of slots holds replaced or deleted documents. Below it, merges of adjacent
 * segments (merge-policy.ts) keep deleted documents and every slot.
 */
const COMPACT_RETIRED_FRACTION = 0.3;

/**
 * An embedded, persisted hybrid index: sparse, dense and text legs, fused and filtered for
 * relevance. Each `upsert` or `delete` call is one atomic, durable commit: batch documents.
 *
 * ```ts
 * const index = await HybridIndex.open("./my-index", { metric: "cosine", textIndex: flexSearchTextIndex() });
 * await index.upsert([{ id: "d1", text: "…", sparse: { tok: 0.8 }, dense: [0.1, 0.2] }]);
 * const { hits } = await index.search({ sparse: { tok: 1 }, dense: [0.1, 0.2], k: 10 });
 * await index.close();
 * ```
 *
 * Kept in memory instead (no file system needed, e.g. in a browser): `HybridIndex.open(new MemoryStorage())`.
 */
export class HybridIndex implements SearchIndex {
  private closed = false;
  /** Slots covered by the graph saved on disk; 0 when none is saved. */
  private savedGraphNodes = 0;
  /** Serializes writes so commits land in call order. */
  private writes: Promise<unknown> = Promise.resolve();
  /** The `calibration` attachment: the default model of queries that name none. */
  private calibration = new StoredCalibration();

  private constructor(
    private readonly store: IndexStore,
    private readonly engine: EmbeddedEngine,
    /** True when opened with `readOnly`: no write lock is held and writes are refused. */
    readonly readOnly: boolean,
    private readonly onMaintenanceError: OpenOptions["onMaintenanceError"],
    private readonly buildThreads: GraphBuildThreads,
  ) {}

  /**
   * Opens the index kept at `location`, creating it when absent, unless `readOnly`. Unless
   * `readOnly`, takes the index's write lock until `close`.
   *
   * @param location A directory path (Node.js only: the directory is created when absent, and
   *   the Node file-system storage is loaded only then), or a {@link Storage}: a
   *   {@link MemoryStorage}, or one of your own. Opening the same storage again opens the same index.
   * @throws {@link InvalidOptionError} when `location` is neither a non-empty path nor a Storage,
   *   an option is invalid, or `metric`, `dimension` or `quantization` differ from those of the
   *   existing index.
   * @throws {@link NotAnIndexError} when `location` holds something other than a Tandem index (or, read-only, no index).
   * @throws {@link CorruptIndexError} when the index's files fail their checksums or cannot be decoded.
   * @throws {@link UnsupportedVersionError} when the index was written in a format this build does not read.
   * @throws {@link IndexLockedError} when another live process (or, for a MemoryStorage, another
   *   open index) holds the write lock.
   * @throws {@link StorageError} when a file cannot be read or written (permissions, full disk, I/O).
   */
  static async open(location: string | Storage, options: OpenOptions = {}): Promise<HybridIndex> {
    const storage = await storageAt(location);
    const where = storage.location;
    const checked = validateOpenOptions(options);
    options = checked.options;
    const { metric, hnsw } = checked;
    const buildThreads = new GraphBuildThreads(options.threads, checked.buildThreads);
    // A factory that fails should fail before a new index is created on disk.
    checked.textIndex?.();
    const { store, segments, log } = await IndexStore.open(storage, {
      readOnly: options.readOnly ?? false,
      config: { dimension: options.dimension ?? null, metric, hnsw, ...(options.quantization === "int8" ? { quantization: "int8" as const } : {}) },
    });
    let engine: EmbeddedEngine | undefined;
    /** Segments whose rows the engine owns (and closes); the rest are closed here on failure. */
    let owned = 0;
    try {
      const config = store.config;
      if (options.metric !== undefined && options.metric !== config.metric) {
        throw new InvalidOptionError(`${where}: the index uses metric ${config.metric}; it cannot be reopened as ${options.metric}`);
      }
      if (options.dimension !== undefined && config.dimension !== null && options.dimension !== config.dimension) {
        throw new InvalidOptionError(`${where}: the index has dimension ${config.dimension}, not ${options.dimension}`);
      }
      const quantization = config.quantization ?? "none";
      if (options.quantization !== undefined && options.quantization !== quantization) {
        throw new InvalidOptionError(`${where}: the index holds dense vectors with quantization ${quantization}; it cannot be reopened with ${options.quantization}`);
      }
      engine = new EmbeddedEngine(config.dimension, config.metric, checked.textIndex, config.hnsw, quantization, checked.densePlanner);
      if (buildThreads.enabled) engine.shareDenseVectors();
      engine.deferGraph();
      let graph: ReturnType<typeof decodeGraph>["snapshot"] | undefined;
      if (log) {
        // An index of the log format: its live documents become one segment (on disk too, unless
        // read-only); the saved graph numbered slots of the log and is rebuilt.
        const upgraded = buildSegment(replayLog(log));
        const committed = options.readOnly ? { file: "(upgraded in memory)", rows: undefined } : await store.upgrade(upgraded);
        engine.addSegment(committed.file, upgraded, new Uint32Array(0), committed.rows);
      } else {
        for (const segment of segments) {
          owned++;
          engine.addSegment(segment.file, segment.data, segment.deleted, segment.rows);
        }
        const saved = store.loadGraph();
        const decoded = saved ? decodeGraph(saved.bytes, saved.file) : undefined;
        if (decoded && (decoded.params.M !== config.hnsw.M || decoded.params.efConstruction !== config.hnsw.efConstruction)) {
          throw new CorruptIndexError(
            `${saved!.file}: the graph was built with M ${decoded.params.M}, efConstruction ${decoded.params.efConstruction}, but the manifest says M ${config.hnsw.M}, efConstruction ${config.hnsw.efConstruction}`,
          );
        }
        graph = decoded?.snapshot;
      }
      if (engine.graphBacklog(graph) >= PARALLEL_BUILD_MIN) await buildThreads.prepare(engine);
      engine.finishLoading(graph);
      const index = new HybridIndex(store, engine, options.readOnly ?? false, options.onMaintenanceError, buildThreads);
      index.savedGraphNodes = graph?.nodeCount ?? 0;
      index.calibration = await StoredCalibration.load((name) => store.loadAttachment(name));
      return index;
    } catch (err) {
      engine?.close();
      await buildThreads.close();
      for (const segment of segments.slice(owned)) segment.rows?.close();
      await store.close();
      throw err;
    }
  }

  /**
   * Adds documents, replacing any with the same id. The whole batch is validated first: one bad
   * document rejects the call and leaves the index as it was. Resolves once the batch is
   * committed; a compaction it triggers that fails goes to `onMaintenanceError`.
   *
   * @returns `upserted`: the number of documents written (the batch's length).
   * @throws {@link InvalidDocumentError} when a document breaks the input rules; the message names it (`docs[i]` or `where(i)`) and the field.
   * @throws {@link InvalidOptionError} when `options` is not an object of known options, or the index was opened read-only.
   * @throws {@link StorageError} when the commit cannot be written; nothing of the batch is stored.
 * @throws {@link IndexClosedError} (as a rejection) after `close`.
   */
  async upsert(docs: readonly Document[], options: UpsertOptions = {}): Promise<{
    /** Number of documents written. */
    upserted: number;
  }> {
    return this.write(async () => {
      const where = validateUpsertOptions(options);
      const valid = validateDocuments(docs, where, this.engine.denseDimension, this.engine.metric);
      if (valid.length === 0) return { upserted: 0 };
      const replaced = this.engine.liveSlotsOf(valid.map((d) => d.id));
      if (countDense(valid) >= PARALLEL_BUILD_MIN) await this.buildThreads.prepare(this.engine);
      const segment = buildSegment(valid);
      const text = this.engine.savedText(valid);
      if (text) segment.text = text;
      const { file, rows } = await this.store.commit({ segment, deletions: this.engine.deletionsAfter(replaced) }, this.configAfter(valid));
      this.engine.markDeleted(replaced);
      this.engine.addSegment(file!, segment, new Uint32Array(0), rows);
      await this.maintain();
      return { upserted: valid.length };
    });
  }

  /**
   * Deletes documents by id in one commit; unknown and repeated ids are ignored.
   *
   * @returns `deleted`: the number of documents that existed and were deleted.
   * @throws {@link InvalidDocumentError} when `ids` is not an array of non-empty strings.
   * @throws {@link InvalidOptionError} when the index was opened read-only.
   * @throws {@link StorageError} when the commit cannot be written; nothing is deleted.
 * @throws {@link IndexClosedError} (as a rejection) after `close`.
   */
  async delete(ids: readonly string[]): Promise<{
    /** Number of documents that existed and were deleted. */
    deleted: number;
  }> {
    return this.write(async () => {
      const slots = this.engine.liveSlotsOf([...new Set(validateIds(ids))]);
      if (slots.length === 0) return { deleted: 0 };
      await this.store.commit({ deletions: this.engine.deletionsAfter(slots) }, this.store.config);
      this.engine.markDeleted(slots);
      await this.maintain();
      return { deleted: slots.length };
    });
  }

  /**
   * Searches every leg the query has data for (or `query.legs`), fuses, filters for relevance,
   * and returns the page `from`, `k` of the ranking (see {@link SearchHit.score} for what
   * scores mean).
   *
   * @throws {@link InvalidQueryError} when the query breaks the input rules (shape, ranges,
   *   dense dimension, `from + k` above `candidates`).
   * @throws {@link InvalidFilterError} when `filter` is not in the filter language.
   * @throws {@link MissingPluginError} when the text leg is asked for and the index has no text index.
   * @throws {@link StorageError} when an int8 index cannot read float vectors back for rescoring.
 * @throws {@link IndexClosedError} (as a rejection) after `close`.
   */
  async search(query: SearchQuery): Promise<SearchResult> {
    this.assertOpen();
    return runSearch(this.engine, this.resolve(query, "query"));
  }

  /**
   * Checks a query against this index without running it; throws what `search` would.
   * `where` names the query in error messages (default `query`).
   *
   * @throws {@link InvalidQueryError}, {@link InvalidFilterError} or {@link MissingPluginError},
   *   synchronously, as `search` would reject; {@link InvalidOptionError} when `where` is not a string.
   */
  validateQuery(query: SearchQuery, where = "query"): void {
    this.resolve(query, validateWhere(where));
  }

  private resolve(query: SearchQuery, where: string) {
    const caps = { dimension: this.engine.denseDimension, metric: this.engine.metric, textLeg: this.engine.hasTextLeg, defaultCalibration: () => this.calibration.get() };
    // The engine reads the query vector before `search` returns: a Float32Array need not be copied.
    const resolved = resolveQuery(query, caps, where, true);
    if (resolved.legs.includes("text") && !caps.textLeg) {
      throw new MissingPluginError(`${where}: the text leg needs a text index (open with textIndex, e.g. from tandem-search/flexsearch)`);
    }
    return resolved;
  }

  /**
   * Stores bytes that travel with the index under `name` (lower-case letters, digits, dashes),
   * e.g. a fitted encoder model, checksummed like every index file. One atomic commit; an
   * existing attachment of that name is replaced. The attachment `calibration` holds the index's
   * calibration model (a model file's JSON), used by every query that names none; it is checked
   * before it is stored.
   *
   * @throws {@link InvalidOptionError} when `name` is not 1 to 64 lower-case letters, digits and
   *   dashes, `bytes` is not a Uint8Array, or the index was opened read-only.
   * @throws {@link InvalidModelError} when `name` is `calibration` and `bytes` is not a calibration model.
   * @throws {@link StorageError} when the attachment cannot be written.
 * @throws {@link IndexClosedError} (as a rejection) after `close`.
   */
  async putAttachment(name: string, bytes: Uint8Array): Promise<void> {
    const valid = validateAttachmentName(name);
    const copy = validateAttachmentBytes(bytes);
    const model = valid === CALIBRATION_ATTACHMENT ? StoredCalibration.check(copy) : undefined;
    await this.write(() => this.store.saveAttachment(valid, copy));
    if (model) this.calibration.replace(model);
  }

  /**
   * The attachment stored under `name` (a copy), or undefined.
   *
   * @throws {@link InvalidOptionError} when `name` is not a valid attachment name.
   * @throws {@link CorruptIndexError} when the stored bytes fail their checksum.
   * @throws {@link StorageError} when the file cannot be read.
 * @throws {@link IndexClosedError} (as a rejection) after `close`.
   */
  async getAttachment(name: string): Promise<Uint8Array | undefined> {
    this.assertOpen();
    return this.store.loadAttachment(validateAttachmentName(name));
  }

  /**
   * A copy of the stored document (sparse weights and dense components as stored, in float32),
   * or undefined when no document has this id.
   *
   * @throws {@link InvalidDocumentError} when `id` is not a non-empty string.
   * @throws {@link StorageError} when an int8 index cannot read the float vector back.
 * @throws {@link IndexClosedError} (as a rejection) after `close`.
   */
  async get(id: string): Promise<Document | undefined> {
    this.assertOpen();
    return this.engine.get(validateId(id, "get"));
  }

  /**
   * Counts, settings and memory of the index (see {@link IndexStats} for units).
   *
 * @throws {@link IndexClosedError} (as a rejection) after `close`.
   */
  async stats(): Promise<IndexStats> {
    this.assertOpen();
    return {
      documents: this.engine.documentCount,
      dimension: this.engine.denseDimension,
      metric: this.engine.metric,
      vocabulary: this.engine.vocabularySize,
      ...this.engine.counts(),
      segments: this.store.segmentCount,
      generation: this.store.generation,
      formatVersion: FORMAT_VERSION,
      textLeg: this.engine.hasTextLeg,
      hnsw: { ...this.engine.hnsw },
      quantization: this.engine.quantization,
      denseBytes: this.engine.denseBytes(),
    };
  }

  /**
   * Waits for pending writes, saves the dense graph if it grew (a failure goes to
   * `onMaintenanceError`), and releases the write lock. Idempotent. Every later call except
   * `close` rejects with {@link IndexClosedError}.
   */
  async close(): Promise<void> {
    if (this.closed) return;
    await this.writes.catch(() => undefined);
    this.closed = true;
    try {
      if (!this.readOnly) await this.saveGraph().catch((err: Error) => this.onMaintenanceError?.(err, "graph"));
    } finally {
      this.engine.close();
      await this.buildThreads.close();
      await this.store.close();
    }
  }

  private async saveGraph(): Promise<void> {
    const snapshot = this.engine.graphSnapshot();
    if (!snapshot || (snapshot.nodeCount === this.savedGraphNodes && this.store.hasGraph)) return;
    await this.store.saveGraph(encodeGraph(this.engine.hnsw, snapshot), snapshot.nodeCount);
    this.savedGraphNodes = snapshot.nodeCount;
  }

  private write<T>(op: () => Promise<T>): Promise<T> {
    this.assertOpen();
    if (this.readOnly) return Promise.reject(new InvalidOptionError(`${this.store.location}: the index was opened read-only`));
    const result = this.writes.then(op, op);
    this.writes = result.catch(() => undefined);
    return result;
  }

  private configAfter(docs: ValidDocument[]) {
    const dense = docs.find((d) => d.dense);
    const dimension = this.store.config.dimension ?? dense?.dense?.length ?? null;
    return { ...this.store.config, dimension };
  }

  /**
   * After a commit: compaction when deleted documents pass their share, else the merges the
   * policy asks for. A failure changes nothing stored (the commit before stands) and goes to
   * `onMaintenanceError`; the work is tried again after the next write.
   */
  private async maintain(): Promise<void> {
    try {
      if (this.engine.retiredFraction() > COMPACT_RETIRED_FRACTION) {
        const plan = this.engine.planCompaction();
        const graph = plan.graph ? { bytes: encodeGraph(this.engine.hnsw, plan.graph), nodes: plan.graph.nodeCount } : undefined;
        const { file, rows } = await this.store.replace(plan.files, plan.merged, new Uint32Array(0), graph);
        this.engine.applyCompaction(plan, file, rows);
        this.savedGraphNodes = graph?.nodes ?? 0;
        return;
      }
      for (let run = findMerge(this.engine.segmentSizes()); run; run = findMerge(this.engine.segmentSizes())) {
        const plan = this.engine.planMerge(run.start, run.end);
        const { file, rows } = await this.store.replace(plan.files, plan.merged, plan.deleted);
        this.engine.applyMerge(run.start, run.end, file, plan.merged, rows);
      }
    } catch (err) {
      this.onMaintenanceError?.(err as Error, "compaction");
    }
  }

  private assertOpen(): void {
    if (this.closed) throw new IndexClosedError("the index is closed");
  }
}

/**
 * The storage `open` was given, or a NodeStorage for a path. NodeStorage is loaded only then, so a
 * bundle for a browser can leave it (and every Node built-in) out.
 */
async function storageAt(location: unknown): Promise<Storage> {
  if (typeof location === "string") {
    if (location.length === 0 || location.includes("\0")) throw badLocation(location);
    const { NodeStorage } = await import("../store/node-storage.js");
    return new NodeStorage(location);
  }
  const storage = location as Partial<Storage> | null;
  const methods = ["pathOf", "prepare", "read", "openFile", "exists", "list", "writeNew", "replace", "remove", "lock"] as const;
  if (typeof storage !== "object" || storage === null || typeof storage.location !== "string" || methods.some((m) => typeof storage[m] !== "function")) {
    throw badLocation(location);
  }
  return storage as Storage;
}

/** Documents of a batch that have a dense vector. */
function countDense(docs: readonly ValidDocument[]): number {
  let count = 0;
  for (const doc of docs) if (doc.dense) count++;
  return count;
}

function badLocation(location: unknown): InvalidOptionError {
  return new InvalidOptionError(`open: the index location must be a directory path (a non-empty string) or a Storage (e.g. new MemoryStorage()), got ${describeValue(location)}`);
}

/** Checks `open`'s options (any JavaScript value may arrive here) and picks out what it uses. */
function validateOpenOptions(raw: unknown): {
  options: OpenOptions;
  metric: Metric;
  hnsw: HnswParams;
  textIndex?: TextIndexFactory;
  densePlanner?: DensePlanner;
  buildThreads?: BuildThreadFactory;
} {
  const options = validateOptionsObject(raw, "open") as OpenOptions;
  const metric = options.metric ?? "cosine";
  if (options.metric !== undefined && !["cosine", "dot", "l2"].includes(options.metric)) {
    throw new InvalidOptionError(`metric must be cosine, dot or l2, got ${describeValue(options.metric)}`);
  }
  if (options.dimension !== undefined && !(Number.isInteger(options.dimension) && options.dimension > 0)) {
    throw new InvalidOptionError(`dimension must be a positive integer, got ${describeValue(options.dimension)}`);
  }
  if (options.quantization !== undefined && !["none", "int8"].includes(options.quantization)) {
    throw new InvalidOptionError(`quantization must be none or int8, got ${describeValue(options.quantization)}`);
  }
  if (options.readOnly !== undefined && typeof options.readOnly !== "boolean") throw new InvalidOptionError(`readOnly must be true or false, got ${describeValue(options.readOnly)}`);
  if (options.hnsw !== undefined && !isPlainObject(options.hnsw)) throw new InvalidOptionError(`hnsw must be an object such as {"M":16,"efConstruction":200}, got ${describeValue(options.hnsw)}`);
  const given = options.hnsw ?? {};
  const hnsw: HnswParams = { M: given.M ?? DEFAULT_HNSW.M, efConstruction: given.efConstruction ?? DEFAULT_HNSW.efConstruction, seed: given.seed ?? DEFAULT_HNSW.seed };
  if (!(Number.isInteger(hnsw.M) && hnsw.M >= 2 && hnsw.M <= 100) || !(Number.isInteger(hnsw.efConstruction) && hnsw.efConstruction >= 1) || !Number.isInteger(hnsw.seed)) {
    throw new InvalidOptionError(`hnsw: M must be an integer from 2 to 100, efConstruction a positive integer and seed an integer, got ${describeValue(options.hnsw)}`);
  }
  const factory: unknown = options.textIndex;
  if (factory !== undefined && typeof factory !== "function") {
    throw new InvalidOptionError(`textIndex must be a function that creates a text index (e.g. flexSearchTextIndex() from tandem-search/flexsearch), got ${describeValue(factory)}`);
  }
  const textIndex = factory === undefined ? undefined : checkedTextIndexFactory(factory as TextIndexFactory);
  const planner: unknown = options.densePlanner;
  if (planner !== undefined && !(isPlainObject(planner) && typeof planner.exactScanMax === "number" && typeof planner.exactScanFraction === "number")) {
    throw new InvalidOptionError(`densePlanner must be an object {"exactScanMax":N,"exactScanFraction":F}, got ${describeValue(planner)}`);
  }
  const threads: unknown = options.threads;
  if (threads !== undefined && !(Number.isInteger(threads) && (threads as number) >= 1 && (threads as number) <= MAX_BUILD_THREADS)) {
    throw new InvalidOptionError(`threads must be an integer from 1 to ${MAX_BUILD_THREADS}, got ${describeValue(threads)}`);
  }
  const injected: unknown = options.buildThreads;
  if (injected !== undefined && !(isPlainObject(injected) && typeof injected.start === "function" && typeof injected.available === "number")) {
    throw new InvalidOptionError(`buildThreads must be an object {available, start}, got ${describeValue(injected)}`);
  }
  return { options, metric, hnsw, textIndex, densePlanner: planner as DensePlanner | undefined, buildThreads: injected as BuildThreadFactory | undefined };
}

/** The factory, checking that what it creates has the text index methods. */
function checkedTextIndexFactory(factory: TextIndexFactory): TextIndexFactory {
  return () => {
    const created: unknown = factory();
    const index = created as Partial<TextIndex> | null;
    if (typeof index !== "object" || index === null || typeof index.add !== "function" || typeof index.remove !== "function" || typeof index.search !== "function") {
      throw new InvalidOptionError(`textIndex: the factory must return an object with add, remove and search methods, got ${describeValue(created)}`);
    }
    return index as TextIndex;
  };
}
