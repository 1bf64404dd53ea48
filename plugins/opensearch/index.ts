/**
 * Tandem over OpenSearch (with the k-NN plugin): `import { OpenSearchIndex } from "tandem-search/opensearch"`.
 *
 * @module tandem-search/opensearch
 */
export { OpenSearchIndex, type OpenSearchOpenOptions, type OpenSearchStats } from "./opensearch-index.js";
export { connect, type OpenSearchConnectOptions } from "./connect.js";
