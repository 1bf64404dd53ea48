import type { Client, estypes } from "@elastic/elasticsearch";
import { BackendError, IndexClosedError, IngestError, InvalidDocumentError, InvalidOptionError, InvalidQueryError, MissingPluginError, type BackendStats, type DenseEncoder, type Document, type FieldValue, type Metric, type SearchIndex, type SearchQuery, type SearchResult, type SparseEncoder } from "../../src/index.js";
import { isPlainObject, resolveQuery, runSearch, setOwn, sparseRecord, StoredCalibration, CALIBRATION_ATTACHMENT, validateAttachmentBytes, validateAttachmentName, validateDocuments, validateId, validateIds, validateUpsertOptions, validateWhere, type ValidDocument } from "../../src/backend.js";
import { bulkWrite, type BulkOperation, type BulkWriteOptions, type BulkWriteResult } from "./bulk-writer.js";
import { describeError } from "./describe-error.js";
import { renameFeatures } from "./feature-names.js";
import { ElasticsearchLegs, pathValue } from "./elasticsearch-legs.js";
import { DEFAULT_FIELDS, denseFieldMapping, layoutFromMapping, newIndexBody, type DenseIndexType, type FieldNames, type IndexLayout, type NewIndexOptions } from "./index-layout.js";
import { serverCapabilities, type ServerCapabilities } from "./server-capabilities.js";
import { validateOpenOptions } from "./validate-open-options.js";

/** Writes of at least this many documents pause the index's periodic refresh (see {@link BulkWriteOptions.pauseRefreshFrom}). */
const PAUSE_REFRESH_FROM = 5_000;

/** Options of {@link ElasticsearchIndex.open}. Settings "of a new index" apply when Tandem creates it. */
export interface ElasticsearchOpenOptions {
  /** The index to use; created on the first write when it does not exist (unless `readOnly`). */
  index: string;
  /**
   * Field names. For an existing index, unnamed sparse/dense/text fields are found in its mapping
   * by type; `metadata: ""` reads filter fields from the top level.
   */
  fields?: Partial<FieldNames>;
  /** Metric of a new index (default cosine); an existing index keeps its own. */
  metric?: Metric;
  /** Dense dimension of a new index; default: set by the first vector. */
  dimension?: number;
  /** `index_options.type` of a new index's dense field. Default `hnsw` (float vectors). */
  denseIndexType?: DenseIndexType;
  /** HNSW parameters of a new index's dense field. */
  hnsw?: {
    /** Links per node (`m`); Elasticsearch's default otherwise (16). */
    M?: number;
    /** Candidate list size while building (`ef_construction`); Elasticsearch's default otherwise (100). */
    efConstruction?: number;
  };
  /** Number of primary shards of a new index (cluster default otherwise). */
  shards?: number;
  /** Number of replicas of a new index (cluster default otherwise). */
  replicas?: number;
  /**
   * How the sparse leg queries: `sparse_vector` (the query of that name, 8.15+, pruning off) or
   * `terms` (a bool of boosted term queries, any version, also for rank_features fields). Both
   * give the exact dot product. Default: `sparse_vector` where the cluster and field allow it.
   */
  sparseQuery?: "sparse_vector" | "terms";
  /**
   * Token pruning in the sparse leg (`sparse_vector` queries only, never for `exact: true`): the
   * cluster drops query tokens that are frequent and light (its default `pruning_config`) while
   * retrieving, and a rescore over the retrieved window adds their contributions back, so
   * returned scores are exact; documents only the pruned tokens would have brought in can be
   * missed. Faster on large indexes; recall against exact is measured in the README. Default false.
   */
  prune?: boolean;
  /**
   * Where score completion gets the leg scores of candidates a leg did not retrieve:
   * - `request` (default): a second `_msearch`, an `ids`-filtered query per leg;
   * - `hits`: the legs' hits carry the dense vectors (from doc values) and sparse weights (from
   *   `_source`), and completion is computed in this process — one round trip. Where the
   *   mapping leaves the sparse weights out of `_source`, that leg still takes a second request.
   *
   * `hits` saves a round trip but makes the cluster read and send a vector per hit: on a local
   * cluster it was slower (README, "Elasticsearch"); it pays where the network's round trip costs
   * more than that.
   */
  completeFrom?: "request" | "hits";
  /** Refresh after each write so searches see it at once. Default true. */
  refresh?: boolean;
  /** Never write; a missing index is an error. */
  readOnly?: boolean;
  /** Retry policy of bulk writes. */
  bulk?: BulkWriteOptions;
  /**
   * Encoders for queries given as text only, e.g. `ElasticsearchSparseEncoder` /
   * `ElasticsearchDenseEncoder` from `tandem-search/encoders` over the cluster's inference
   * endpoints (ELSER, a text-embedding model): a query with `text` and no `sparse` / `dense` gets
   * them from these.
   */
  queryEncoders?: {
    /** Encodes a text-only query's `sparse` vector. */
    sparse?: SparseEncoder;
    /** Encodes a text-only query's `dense` vector. */
    dense?: DenseEncoder;
  };
  /** Close the client on `close()` (for clients the caller does not keep). Default false. */
  closeClient?: boolean;
}

/** What {@link ElasticsearchIndex.stats} reports. `documents` is Elasticsearch's document count. */
export interface ElasticsearchStats extends BackendStats {
  /** `elasticsearch` (or `opensearch`), to tell these stats from the embedded index's. */
  backend: "elasticsearch" | "opensearch";
  /** The Elasticsearch index name. */
  index: string;
  /** The fields each role uses: found in the mapping, or the defaults for an index not created yet. */
  fields: FieldNames;
  /** `index_options.type` of the dense field, or null when there is none (yet). */
  denseIndexType: DenseIndexType | null;
  /** What the cluster supports, probed at `open`. */
  server: ServerCapabilities;
}

/**
 * The Tandem API over an Elasticsearch index, with the user's own client. Retrieval runs in
 * Elasticsearch; fusion and relevance filtering run here with the embedded engine's code, so
 * nothing needs a paid licence. Attaches to existing indices without reindexing.
 *
 * ```ts
 * const index = await ElasticsearchIndex.open(new Client({ node }), { index: "docs" });
 * await index.upsert([{ id: "d1", text: "…", sparse: { tok: 0.8 }, dense: [0.1, 0.2] }]);
 * const { hits } = await index.search({ sparse: { tok: 1 }, dense: [0.1, 0.2], k: 10 });
 * ```
 */
export class ElasticsearchIndex implements SearchIndex {
  private closed = false;
  private writes: Promise<unknown> = Promise.resolve();

  private constructor(
    private readonly client: Client,
    private readonly options: ElasticsearchOpenOptions,
    private layout: IndexLayout | null,
    /** What the cluster supports, probed at `open`. */
    readonly server: ServerCapabilities,
  ) {}

  /** The `calibration` attachment: the default model of queries that name none (read at `open`). */
  private calibration = new StoredCalibration();

  /**
   * Connects: probes the server, and reads the index's mapping when the index exists. A missing
   * index is created by the first write.
   *
   * @throws {@link tandem-search!InvalidOptionError} when the client or an option is invalid, or `metric` or
   *   `dimension` differ from those of the existing index.
   * @throws {@link tandem-search!BackendError} when the cluster is unreachable or too old, the index's mapping
   *   cannot be read or used, or (with `readOnly`) the index does not exist.
   */
  static async open(client: Client, options: ElasticsearchOpenOptions): Promise<ElasticsearchIndex> {
    options = validateOpenOptions(client, options);
    const metric = options.metric;
    const server = await serverCapabilities(client);
    if (server.distribution === "opensearch" && options.denseIndexType !== undefined && options.denseIndexType !== "hnsw") {
      throw new InvalidOptionError(`denseIndexType: OpenSearch indices Tandem creates use knn_vector with HNSW (Lucene engine); got "${options.denseIndexType}"`);
    }
    const layout = await readLayout(client, options);
    if (!layout && options.readOnly) throw new BackendError(`index "${options.index}" does not exist`);
    if (layout && metric !== undefined && layout.fields.dense && metric !== layout.metric) {
      throw new InvalidOptionError(`index "${options.index}": its dense field uses metric ${layout.metric}; it cannot be opened as ${metric}`);
    }
    if (layout && options.dimension !== undefined && layout.dimension !== null && layout.dimension !== options.dimension) {
      throw new InvalidOptionError(`index "${options.index}": its dense field has dimension ${layout.dimension}, not ${options.dimension}`);
    }
    const index = new ElasticsearchIndex(client, options, layout, server);
    index.calibration = await StoredCalibration.load((name) => index.getAttachment(name));
    return index;
  }

  private get metric(): Metric {
    return this.layout?.metric ?? this.options.metric ?? "cosine";
  }

  /**
   * Adds documents, replacing any with the same id, with bulk requests (retried per `bulk`). The
   * whole batch is validated first: one bad document rejects the call before anything is sent.
   * Unlike the embedded index's, a write is not atomic: when some documents cannot be stored,
   * the others are, and the error lists the failures.
   *
   * @returns `upserted`: the number of documents Elasticsearch stored.
   * @throws {@link tandem-search!InvalidDocumentError} when a document breaks the input rules or carries data
   *   the index has no field for; nothing is sent.
   * @throws {@link tandem-search!InvalidOptionError} when `options` is invalid or the index was opened read-only.
   * @throws {@link tandem-search!IngestError} when some documents were not stored after retries (`failures`, `stored`).
   * @throws {@link tandem-search!BackendError} when the cluster fails or refuses a request (the message says which).
   * @throws {@link tandem-search!IndexClosedError} (as a rejection) after `close`.
   */
  async upsert(docs: readonly Document[], options: { where?: (i: number) => string } = {}): Promise<{
    /** Number of documents stored. */
    upserted: number;
  }> {
    return this.write(async () => {
      const where = validateUpsertOptions(options);
      const valid = validateDocuments(docs, where, this.layout?.dimension ?? this.options.dimension ?? null, this.metric);
      if (valid.length === 0) return { upserted: 0 };
      await this.ensureIndex(valid);
      await this.ensureDenseField(valid);
      this.checkFields(valid, where);
      const operations: BulkOperation[] = valid.map((doc) => ({ op: "index", id: doc.id, source: this.toSource(doc) }));
      const result = await this.bulk(operations);
      await this.refresh();
      if (result.failures.length > 0) throw new IngestError(result.failures, result.succeeded.size);
      // The dimension of an index created without one is now fixed by the mapping.
      if (this.layout && this.layout.dimension === null && valid.some((d) => d.dense)) this.layout = await readLayout(this.client, this.options);
      return { upserted: result.succeeded.size };
    });
  }

  /**
   * Deletes documents by id; unknown and repeated ids are ignored.
   *
   * @returns `deleted`: the number of documents that existed and were deleted.
   * @throws {@link tandem-search!InvalidDocumentError} when `ids` is not an array of non-empty strings.
   * @throws {@link tandem-search!InvalidOptionError} when the index was opened read-only.
   * @throws {@link tandem-search!IngestError} when some deletions failed after retries.
   * @throws {@link tandem-search!BackendError} when the cluster fails or refuses a request (the message says which).
   * @throws {@link tandem-search!IndexClosedError} (as a rejection) after `close`.
   */
  async delete(ids: readonly string[]): Promise<{
    /** Number of documents that existed and were deleted. */
    deleted: number;
  }> {
    return this.write(async () => {
      const valid = validateIds(ids);
      if (!this.layout || valid.length === 0) return { deleted: 0 };
      const operations: BulkOperation[] = [...new Set(valid)].map((id) => ({ op: "delete", id }));
      const result = await this.bulk(operations);
      await this.refresh();
      if (result.failures.length > 0) throw new IngestError(result.failures, result.succeeded.size);
      return { deleted: result.deleted.size };
    });
  }

  /**
   * Retrieves each leg in Elasticsearch, then fuses and filters for relevance exactly as the
   * embedded index does (see {@link tandem-search!SearchHit.score}). A text-only query gets its vectors from
   * `queryEncoders` when given. An index not created yet returns no hits.
   *
   * @throws {@link tandem-search!InvalidQueryError} when the query breaks the input rules, or asks
   *   for `sparseAlgorithm` other than `"auto"` or for `sparsePruning` (embedded-only). With the
   *   `prune` option, `sparseExact` is false: token pruning can miss documents.
   * @throws {@link tandem-search!InvalidFilterError} when `filter` is not in the filter language.
   * @throws {@link tandem-search!MissingPluginError} when the text leg is asked for and the index has no text field.
   * @throws {@link tandem-search!InvalidOptionError} when a leg is asked for and the index has no field for it.
   * @throws {@link tandem-search!EncoderError} when a query encoder fails.
   * @throws {@link tandem-search!BackendError} when the cluster fails or refuses a request (the message says which).
   * @throws {@link tandem-search!IndexClosedError} (as a rejection) after `close`.
   */
  async search(query: SearchQuery): Promise<SearchResult> {
    this.assertOpen();
    const resolved = this.resolve(await this.withEncodedText(query), "query");
    if (!this.layout) return { hits: [], legs: resolved.legs };
    return runSearch(new ElasticsearchLegs(this.client, this.options.index, this.layout, {
      painless: this.server.painless,
      sparseVectorQuery: this.server.sparseVectorQuery && this.options.sparseQuery !== "terms",
      prune: this.options.prune === true,
      completeFromHits: this.options.completeFrom === "hits",
      opensearch: this.opensearch,
    }), resolved);
  }

  /** Adds the vectors a text-only query lacks, from the query encoders. */
  private async withEncodedText(query: SearchQuery): Promise<SearchQuery> {
    const encoders = this.options.queryEncoders;
    if (!encoders || typeof query?.text !== "string" || query.text.trim() === "") return query;
    const [sparse, dense] = await Promise.all([
      query.sparse == null && encoders.sparse ? encoders.sparse.encodeQueries([query.text]).then((v) => v[0]) : query.sparse,
      query.dense == null && encoders.dense ? encoders.dense.encodeQueries([query.text]).then((v) => v[0]) : query.dense,
    ]);
    return { ...query, sparse, dense };
  }

  /**
   * Checks a query against this index without running it (nor encoding its text); throws,
   * synchronously, what `search` would. `where` names the query in error messages.
   *
   * @throws {@link tandem-search!InvalidQueryError}, {@link tandem-search!InvalidFilterError}, {@link tandem-search!MissingPluginError} or
   *   {@link tandem-search!InvalidOptionError}, as for `search`.
   */
  validateQuery(query: SearchQuery, where = "query"): void {
    this.resolve(query, validateWhere(where));
  }

  private resolve(query: SearchQuery, where: string) {
    const textLeg = this.hasTextLeg;
    const resolved = resolveQuery(query, { dimension: this.layout?.dimension ?? null, metric: this.metric, textLeg, defaultCalibration: () => this.calibration.get() }, where);
    if (resolved.legs.includes("text") && !textLeg) throw new MissingPluginError(`${where}: index "${this.options.index}" has no text field for the text leg`);
    if (resolved.legs.includes("sparse") && this.layout && !this.layout.fields.sparse) {
      throw new InvalidOptionError(`${where}: index "${this.options.index}" has no sparse_vector field for the sparse leg`);
    }
    if (resolved.legs.includes("dense") && this.layout && !this.layout.fields.dense) {
      throw new InvalidOptionError(`${where}: index "${this.options.index}" has no dense_vector field for the dense leg`);
    }
    // The cluster picks its own sparse query plan; its only approximation is token pruning (the
    // `prune` open option), not block-max pruning's: refused rather than silently ignored.
    if (resolved.sparseAlgorithm !== "auto") {
      throw new InvalidQueryError(`${where}: sparseAlgorithm "${resolved.sparseAlgorithm}" is embedded-only (Elasticsearch plans its own sparse queries; use "auto")`);
    }
    if (resolved.sparsePruning) {
      throw new InvalidQueryError(`${where}: sparsePruning is embedded-only (Elasticsearch's approximation is token pruning: open the index with prune: true)`);
    }
    return resolved;
  }

  private get hasTextLeg(): boolean {
    return this.layout ? this.layout.fields.text !== undefined : true;
  }

  /**
   * The stored document with this id, read back from its `_source`, or undefined.
   *
   * @throws {@link tandem-search!InvalidDocumentError} when `id` is not a non-empty string.
   * @throws {@link tandem-search!BackendError} when the cluster fails or refuses a request (the message says which).
   * @throws {@link tandem-search!IndexClosedError} (as a rejection) after `close`.
   */
  async get(id: string): Promise<Document | undefined> {
    this.assertOpen();
    validateId(id, "get");
    if (!this.layout) return undefined;
    const response = await this.call(() => this.client.get<Record<string, unknown>>({ index: this.options.index, id }, { ignore: [404] }));
    return response.found ? this.fromSource(id, response._source ?? {}) : undefined;
  }

  /**
   * Document count, fields and settings of the index, and the cluster's capabilities.
   *
   * @throws {@link tandem-search!BackendError} when the cluster fails or refuses a request (the message says which).
   * @throws {@link tandem-search!IndexClosedError} (as a rejection) after `close`.
   */
  async stats(): Promise<ElasticsearchStats> {
    this.assertOpen();
    const documents = this.layout ? (await this.call(() => this.client.count({ index: this.options.index }))).count : 0;
    return {
      backend: this.server.distribution,
      index: this.options.index,
      documents,
      dimension: this.layout?.dimension ?? this.options.dimension ?? null,
      metric: this.metric,
      textLeg: this.hasTextLeg,
      fields: { ...(this.layout?.fields ?? { ...DEFAULT_FIELDS, ...this.options.fields }) },
      denseIndexType: this.layout?.denseIndexType ?? null,
      server: { ...this.server, retrievers: { ...this.server.retrievers } },
    };
  }

  /**
   * Stores bytes beside the index (in `<index>-tandem-attachments`, base64), e.g. a fitted
   * encoder model; an attachment of that name is replaced. The attachment `calibration` holds
   * the index's calibration model, used by every query that names none; it is checked first.
   *
   * @throws {@link tandem-search!InvalidOptionError} when `name` is not 1 to 64 lower-case letters, digits and
   *   dashes, `bytes` is not a Uint8Array, or the index was opened read-only.
   * @throws {@link tandem-search!BackendError} when the cluster fails or refuses a request (the message says which).
   * @throws {@link tandem-search!IndexClosedError} (as a rejection) after `close`.
   */
  async putAttachment(name: string, bytes: Uint8Array): Promise<void> {
    validateAttachmentName(name);
    bytes = validateAttachmentBytes(bytes);
    const model = name === CALIBRATION_ATTACHMENT ? StoredCalibration.check(bytes) : undefined;
    await this.write(async () => {
      const index = this.attachmentIndex;
      const exists = await this.call(() => this.client.indices.exists({ index }));
      if (!exists) await this.call(() => this.client.indices.create({ index, mappings: { dynamic: "strict", properties: { data: { type: "binary" } } } }));
      await this.call(() => this.client.index({ index, id: name, document: { data: Buffer.from(bytes).toString("base64") }, refresh: true }));
    });
    if (model) this.calibration.replace(model);
  }

  /**
   * The attachment stored under `name`, or undefined.
   *
   * @throws {@link tandem-search!InvalidOptionError} when `name` is not a valid attachment name.
   * @throws {@link tandem-search!BackendError} when the cluster fails or refuses a request (the message says which).
   * @throws {@link tandem-search!IndexClosedError} (as a rejection) after `close`.
   */
  async getAttachment(name: string): Promise<Uint8Array | undefined> {
    this.assertOpen();
    validateAttachmentName(name);
    const response = await this.call(() => this.client.get<{ data: string }>({ index: this.attachmentIndex, id: name }, { ignore: [404] }));
    return response.found && response._source ? new Uint8Array(Buffer.from(response._source.data, "base64")) : undefined;
  }

  private get attachmentIndex(): string {
    return `${this.options.index}-tandem-attachments`;
  }

  /**
   * Waits for pending writes; closes the client when opened with `closeClient`. Idempotent.
   * Every later call except `close` rejects with {@link tandem-search!IndexClosedError}.
   */
  async close(): Promise<void> {
    if (this.closed) return;
    await this.writes.catch(() => undefined);
    this.closed = true;
    if (this.options.closeClient) await this.client.close();
  }

  private get opensearch(): boolean {
    return this.server.distribution === "opensearch";
  }

  /** How a new index (or its dense field) is made, with the dimension of the first vector in `docs`. */
  private newIndexOptions(docs: ValidDocument[]): NewIndexOptions {
    return {
      metric: this.metric,
      dimension: this.options.dimension ?? docs.find((d) => d.dense)?.dense?.length ?? null,
      denseIndexType: this.options.denseIndexType ?? "hnsw",
      hnsw: this.options.hnsw,
      shards: this.options.shards,
      replicas: this.options.replicas,
      opensearch: this.opensearch,
    };
  }

  /** Creates the index on the first write, with the dimension of the first vector. */
  private async ensureIndex(docs: ValidDocument[]): Promise<void> {
    if (this.layout) return;
    const fields = { ...DEFAULT_FIELDS, ...this.options.fields };
    const body = newIndexBody(fields, this.newIndexOptions(docs));
    try {
      await this.client.indices.create({ index: this.options.index, ...body });
    } catch (err) {
      // Another writer may have created it meanwhile; anything else is a real failure.
      if (!/resource_already_exists_exception/.test(describeError(err))) throw new BackendError(`creating index "${this.options.index}": ${describeError(err)}`, { cause: err });
    }
    this.layout = await readLayout(this.client, this.options);
  }

  /**
   * Adds the dense field to an OpenSearch index Tandem created before any vector fixed the
   * dimension (`knn_vector` cannot be mapped without one).
   */
  private async ensureDenseField(docs: ValidDocument[]): Promise<void> {
    const layout = this.layout!;
    if (!this.opensearch || layout.fields.dense || !layout.tandem || !docs.some((d) => d.dense)) return;
    const name = this.options.fields?.dense ?? DEFAULT_FIELDS.dense;
    const properties: Record<string, unknown> = {};
    setOwn(properties, name, denseFieldMapping(this.newIndexOptions(docs)));
    await this.call(() => this.client.indices.putMapping({ index: this.options.index, properties: properties as Record<string, estypes.MappingProperty> }));
    this.layout = await readLayout(this.client, this.options);
  }

  /** Documents carrying data the attached index has no field for are rejected before anything is sent. */
  private checkFields(docs: ValidDocument[], where: (i: number) => string): void {
    const f = this.layout!.fields;
    docs.forEach((doc, i) => {
      const missing = doc.sparse && !f.sparse ? "sparse_vector" : doc.dense && !f.dense ? "dense_vector" : doc.text !== undefined && !f.text ? "text" : undefined;
      if (missing) throw new InvalidDocumentError(`${where(i)}: index "${this.options.index}" has no ${missing} field for this document's data`);
    });
  }

  private toSource(doc: ValidDocument): Record<string, unknown> {
    const f = this.layout!.fields;
    // Field names are the user's (and so are filter field names at the top level): stored as data, whatever they are.
    const source: Record<string, unknown> = {};
    if (doc.text !== undefined) setOwn(source, f.text!, doc.text);
    if (doc.sparse) setOwn(source, f.sparse!, renameFeatures(sparseRecord(doc.sparse), this.layout!.featureNames, true));
    if (doc.dense) setOwn(source, f.dense!, Array.from(doc.dense));
    if (doc.fields) {
      if (f.metadata === "") for (const name of Object.keys(doc.fields)) setOwn(source, name, doc.fields[name]);
      else setOwn(source, f.metadata, doc.fields);
    }
    return source;
  }

  private fromSource(id: string, source: Record<string, unknown>): Document {
    const f = this.layout!.fields;
    const doc: Document = { id };
    const text = f.text ? pathValue(source, f.text) : undefined;
    if (typeof text === "string") doc.text = text;
    const sparse = f.sparse ? pathValue(source, f.sparse) : undefined;
    if (isPlainObject(sparse)) doc.sparse = renameFeatures(sparse, this.layout!.featureNames, false);
    const dense = f.dense ? pathValue(source, f.dense) : undefined;
    if (Array.isArray(dense)) doc.dense = dense as number[];
    const own = new Set([f.text, f.sparse, f.dense].filter((x) => x !== undefined).map((p) => p.split(".")[0]));
    const fields = f.metadata === "" ? Object.fromEntries(Object.entries(source).filter(([k]) => !own.has(k))) : pathValue(source, f.metadata);
    if (fields && typeof fields === "object" && Object.keys(fields).length > 0) doc.fields = fields as Record<string, FieldValue>;
    return doc;
  }

  /**
   * Sends a write's operations; a large one with the index's periodic refresh paused, since
   * refreshing every second while the load runs makes Lucene write and merge many small
   * segments. The setting found is put back whatever happens; "-1" found (refresh already off,
   * by the owner or by another large write still running) is left alone. Without the right to
   * change settings the write runs at the index's own pace.
   */
  private async bulk(operations: BulkOperation[]): Promise<BulkWriteResult> {
    const index = this.options.index;
    if (operations.length < (this.options.bulk?.pauseRefreshFrom ?? PAUSE_REFRESH_FROM)) return bulkWrite(this.client, index, operations, this.options.bulk);
    let previous: string | null | undefined;
    try {
      const response = await this.client.indices.getSettings({ index, name: "index.refresh_interval", flat_settings: true });
      const found = Object.values(response)[0]?.settings?.["index.refresh_interval"] as string | undefined;
      if (found !== "-1" && found !== "-1s") {
        await this.client.indices.putSettings({ index, settings: { "index.refresh_interval": "-1" } });
        previous = found ?? null;
      }
    } catch {
      previous = undefined;
    }
    try {
      return await bulkWrite(this.client, index, operations, this.options.bulk);
    } finally {
      // null puts the index's default back.
      if (previous !== undefined) await this.call(() => this.client.indices.putSettings({ index, settings: { "index.refresh_interval": previous } }));
    }
  }

  private async refresh(): Promise<void> {
    if (this.options.refresh === false) return;
    await this.call(() => this.client.indices.refresh({ index: this.options.index }));
  }

  private write<T>(op: () => Promise<T>): Promise<T> {
    this.assertOpen();
    if (this.options.readOnly) return Promise.reject(new InvalidOptionError(`index "${this.options.index}" was opened read-only`));
    const result = this.writes.then(op, op);
    this.writes = result.catch(() => undefined);
    return result;
  }

  private async call<T>(request: () => Promise<T>): Promise<T> {
    try {
      return await request();
    } catch (err) {
      throw new BackendError(`index "${this.options.index}": ${describeError(err)}`, { cause: err });
    }
  }

  private assertOpen(): void {
    if (this.closed) throw new IndexClosedError("the index is closed");
  }
}

/** The layout of an existing index, or null when there is no such index. */
async function readLayout(client: Client, options: ElasticsearchOpenOptions): Promise<IndexLayout | null> {
  let response;
  try {
    response = await client.indices.getMapping({ index: options.index }, { ignore: [404] });
  } catch (err) {
    throw new BackendError(`index "${options.index}": ${describeError(err)}`, { cause: err });
  }
  const entry = Object.values(response as Record<string, { mappings?: Record<string, unknown> }>)[0];
  if (!entry?.mappings || "error" in (response as object)) return null;
  return layoutFromMapping(options.index, entry.mappings, options.fields ?? {});
}
