import type { Client } from "@opensearch-project/opensearch";
import { BackendError, InvalidOptionError, type Document, type SearchIndex, type SearchQuery, type SearchResult } from "../../src/index.js";
import { describeValue } from "../../src/backend.js";
import { ElasticsearchIndex, type ElasticsearchOpenOptions, type ElasticsearchStats } from "../elasticsearch/elasticsearch-index.js";
import { serverCapabilities, type ServerCapabilities } from "../elasticsearch/server-capabilities.js";
import { validateOpenOptions } from "../elasticsearch/validate-open-options.js";
import { elasticsearchFacade } from "./elasticsearch-facade.js";

/**
 * Options of {@link OpenSearchIndex.open}: those of `ElasticsearchIndex.open` without the ones
 * only Elasticsearch has (`denseIndexType`: a new index's dense field is a `knn_vector` with HNSW
 * on the Lucene engine; `sparseQuery` and `prune`: the sparse leg is `rank_feature` queries).
 */
export type OpenSearchOpenOptions = Omit<ElasticsearchOpenOptions, "denseIndexType" | "sparseQuery" | "prune">;

/** What {@link OpenSearchIndex.stats} reports (`backend: "opensearch"`). */
export type OpenSearchStats = ElasticsearchStats;

/** Options `ElasticsearchIndex.open` takes that OpenSearch has no counterpart for. */
const ELASTICSEARCH_ONLY = ["denseIndexType", "sparseQuery", "prune"];

/**
 * The Tandem API over an OpenSearch index (2.16 or newer, with the k-NN plugin), with the user's
 * own `@opensearch-project/opensearch` client. It is the Elasticsearch backend speaking to
 * OpenSearch: the same legs, fusion, completion, ingest and attach rules, with the sparse leg as
 * `rank_feature` queries on a `rank_features` field (linear: stored weight × query weight) and
 * the dense leg as the k-NN plugin's `knn` query on a `knn_vector` field, exact by a Painless
 * script over the plugin's vector functions.
 *
 * ```ts
 * const index = await OpenSearchIndex.open(new Client({ node }), { index: "docs" });
 * await index.upsert([{ id: "d1", text: "…", sparse: { tok: 0.8 }, dense: [0.1, 0.2] }]);
 * const { hits } = await index.search({ sparse: { tok: 1 }, dense: [0.1, 0.2], k: 10 });
 * ```
 */
export class OpenSearchIndex implements SearchIndex {
  private constructor(private readonly index: ElasticsearchIndex) {}

  /**
   * Connects: probes the cluster, and reads the index's mapping when the index exists (finding
   * `rank_features`, `knn_vector` and text fields by type). A missing index is created by the
   * first write.
   *
   * @throws {@link tandem-search!InvalidOptionError} when the client or an option is invalid
   *   (also an Elasticsearch-only option), or `metric` or `dimension` differ from the index's.
   * @throws {@link tandem-search!BackendError} when the cluster is unreachable, is not OpenSearch
   *   2.16 or newer, lacks the k-NN plugin, or the index cannot be read or used.
   */
  static async open(client: Client, options: OpenSearchOpenOptions): Promise<OpenSearchIndex> {
    if (typeof client !== "object" || client === null || typeof (client as { msearch?: unknown }).msearch !== "function" || !("transport" in client)) {
      throw new InvalidOptionError(`client must be an @opensearch-project/opensearch Client, got ${describeValue(client)}`);
    }
    for (const name of ELASTICSEARCH_ONLY) {
      if (options !== null && typeof options === "object" && (options as Record<string, unknown>)[name] !== undefined) {
        throw new InvalidOptionError(`${name}: an Elasticsearch option, not offered on OpenSearch`);
      }
    }
    const facade = elasticsearchFacade(client);
    validateOpenOptions(facade, options);
    // The cluster is checked before the index is read: an Elasticsearch cluster would otherwise
    // be refused for its index (missing, or mapped for Elasticsearch), not for what it is.
    // The probe is cached per client, so the open below does not repeat it.
    const { distribution, version, knnPlugin } = await serverCapabilities(facade);
    // Like every failure of open, a refusal leaves the client to the caller, who still holds it.
    if (distribution !== "opensearch") throw new BackendError(`the cluster is Elasticsearch ${version}: use ElasticsearchIndex from tandem-search/elasticsearch (on the command line, --backend elasticsearch)`);
    if (!knnPlugin) throw new BackendError(`OpenSearch ${version} has no k-NN plugin (opensearch-knn) on every node: Tandem needs it for knn_vector fields`);
    return new OpenSearchIndex(await ElasticsearchIndex.open(facade, options));
  }

  /** What the cluster supports, probed at `open`. */
  get server(): ServerCapabilities {
    return this.index.server;
  }

  /** {@inheritDoc tandem-search/elasticsearch!ElasticsearchIndex.upsert} */
  upsert(docs: readonly Document[], options?: { where?: (i: number) => string }): Promise<{
    /** Number of documents stored. */
    upserted: number;
  }> {
    return this.index.upsert(docs, options);
  }

  /** {@inheritDoc tandem-search/elasticsearch!ElasticsearchIndex.delete} */
  delete(ids: readonly string[]): Promise<{
    /** Number of documents that existed and were deleted. */
    deleted: number;
  }> {
    return this.index.delete(ids);
  }

  /** {@inheritDoc tandem-search/elasticsearch!ElasticsearchIndex.search} */
  search(query: SearchQuery): Promise<SearchResult> {
    return this.index.search(query);
  }

  /** {@inheritDoc tandem-search/elasticsearch!ElasticsearchIndex.validateQuery} */
  validateQuery(query: SearchQuery, where?: string): void {
    this.index.validateQuery(query, where);
  }

  /** {@inheritDoc tandem-search/elasticsearch!ElasticsearchIndex.get} */
  get(id: string): Promise<Document | undefined> {
    return this.index.get(id);
  }

  /** {@inheritDoc tandem-search/elasticsearch!ElasticsearchIndex.stats} */
  stats(): Promise<OpenSearchStats> {
    return this.index.stats();
  }

  /** {@inheritDoc tandem-search/elasticsearch!ElasticsearchIndex.putAttachment} */
  putAttachment(name: string, bytes: Uint8Array): Promise<void> {
    return this.index.putAttachment(name, bytes);
  }

  /** {@inheritDoc tandem-search/elasticsearch!ElasticsearchIndex.getAttachment} */
  getAttachment(name: string): Promise<Uint8Array | undefined> {
    return this.index.getAttachment(name);
  }

  /** {@inheritDoc tandem-search/elasticsearch!ElasticsearchIndex.close} */
  close(): Promise<void> {
    return this.index.close();
  }
}
