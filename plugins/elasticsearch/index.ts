/**
 * Tandem over Elasticsearch: `import { ElasticsearchIndex } from "tandem-search/elasticsearch"`.
 *
 * @module tandem-search/elasticsearch
 */
export { ElasticsearchIndex, type ElasticsearchOpenOptions, type ElasticsearchStats } from "./elasticsearch-index.js";
export { connect, type ConnectOptions } from "./connect.js";
export { bulkWrite, type BulkOperation, type BulkWriteOptions, type BulkWriteResult } from "./bulk-writer.js";
export { serverCapabilities, type ServerCapabilities } from "./server-capabilities.js";
export { DEFAULT_FIELDS, type DenseIndexType, type FieldNames } from "./index-layout.js";
export { translateFilter, type EsQuery } from "./translate-filter.js";
export { similarityFromScore, type EsSimilarity } from "./similarity.js";
