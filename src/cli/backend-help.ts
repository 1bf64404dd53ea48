/** What every command's --help says about the backend options (`BACKEND_OPTIONS`), which every command takes. */
export const BACKEND_HELP = `Backend options (every command):
  --backend embedded|elasticsearch|opensearch
                             where the index lives (default embedded, or TANDEM_BACKEND)
  --index <dir>              the embedded index's directory (ignored by the cluster backends)
  --es-url URL               the cluster's URL (or TANDEM_ES_URL)
  --es-index NAME            the index in the cluster (or TANDEM_ES_INDEX)
  --es-username U --es-password P
                             basic authentication (or TANDEM_ES_USERNAME, TANDEM_ES_PASSWORD)
  --es-api-key KEY           an Elasticsearch API key (or TANDEM_ES_API_KEY; OpenSearch has none)
  --es-ca FILE               PEM file of the CA that signed the cluster's certificate (or TANDEM_ES_CA)
  opensearch needs @opensearch-project/opensearch installed, elasticsearch @elastic/elasticsearch.`;
