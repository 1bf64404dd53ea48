import type { Client } from "@elastic/elasticsearch";
import { BackendError } from "../../src/index.js";
import { describeError } from "./describe-error.js";

/** What a cluster offers, probed once per client and reported by `stats()` / `tandem info`. */
export interface ServerCapabilities {
  /** Which search engine answers: Elasticsearch, or OpenSearch (through `tandem-search/opensearch`). */
  distribution: "elasticsearch" | "opensearch";
  /** The cluster's version number, e.g. `8.19.2`. */
  version: string;
  /** The `license.type`, or null where the licence API is absent. */
  license: string | null;
  /** The `sparse_vector` query (8.15+); otherwise the sparse leg is a bool of boosted term queries. */
  sparseVectorQuery: boolean;
  /** Painless scripting (the lang-painless module), used for exact dense search of HNSW fields. */
  painless: boolean;
  /** OpenSearch's k-NN plugin (`knn_vector` fields, the dense leg there); false on Elasticsearch. */
  knnPlugin: boolean;
  /** Server-side `rrf` / `linear` retrievers: needs a version with them and an Enterprise (or trial) licence. */
  retrievers: {
    /** The `rrf` retriever is available. */
    rrf: boolean;
    /** The `linear` retriever is available. */
    linear: boolean;
  };
}

/** Oldest version with the `sparse_vector` field type and `max_inner_product`. */
const MIN_VERSION = [8, 11] as const;
/** Oldest OpenSearch whose k-NN plugin has the Lucene engine's filtered search and `method_parameters`. */
const MIN_OPENSEARCH = [2, 16] as const;
/**
 * Set on a client that speaks to another product through the Elasticsearch client's shape (the
 * OpenSearch facade), so that a cluster that cannot be reached is named as the user knows it.
 */
export const PRODUCT_NAME = Symbol("tandem product name");
const probes = new WeakMap<Client, Promise<ServerCapabilities>>();

/** Probes the cluster behind `client` (cached per client). */
export function serverCapabilities(client: Client): Promise<ServerCapabilities> {
  let probe = probes.get(client);
  if (!probe) {
    probe = probe_(client);
    probes.set(client, probe);
    probe.catch(() => probes.delete(client));
  }
  return probe;
}

async function serverVersion(client: Client): Promise<{ version: string; distribution: "elasticsearch" | "opensearch" }> {
  try {
    const { version } = (await client.info()) as { version: { number: string; distribution?: string } };
    return { version: version.number, distribution: version.distribution === "opensearch" ? "opensearch" : "elasticsearch" };
  } catch (err) {
    // Minimal distributions (the integ-test zip) have no root endpoint; node info has the version.
    if ((err as { meta?: { statusCode?: number } }).meta?.statusCode !== 405) throw err;
    const nodes = (await client.nodes.info({ filter_path: "nodes.*.version" })) as unknown as { nodes: Record<string, { version: string }> };
    return { version: Object.values(nodes.nodes)[0]!.version, distribution: "elasticsearch" };
  }
}

/** Whether every node has OpenSearch's k-NN plugin. */
async function hasKnnPlugin(client: Client): Promise<boolean> {
  try {
    const nodes = (await client.nodes.info({ filter_path: "nodes.*.plugins.name" })) as unknown as { nodes?: Record<string, { plugins?: { name: string }[] }> };
    const all = Object.values(nodes.nodes ?? {});
    return all.length > 0 && all.every((n) => n.plugins?.some((p) => p.name === "opensearch-knn"));
  } catch {
    return false;
  }
}

async function probe_(client: Client): Promise<ServerCapabilities> {
  let version: string;
  let distribution: "elasticsearch" | "opensearch";
  try {
    ({ version, distribution } = await serverVersion(client));
  } catch (err) {
    const product = (client as { [PRODUCT_NAME]?: string })[PRODUCT_NAME] ?? "Elasticsearch";
    throw new BackendError(`cannot reach ${product}: ${describeError(err)}`, { cause: err });
  }
  const [major, minor] = version.split(".").map(Number) as [number, number];
  if (distribution === "opensearch") return openSearchCapabilities(client, version, major, minor);
  if (major < MIN_VERSION[0] || (major === MIN_VERSION[0] && minor < MIN_VERSION[1])) {
    throw new BackendError(`Elasticsearch ${version} is not supported: Tandem needs ${MIN_VERSION.join(".")} or newer (sparse_vector fields)`);
  }
  try {
    // Requests with a body carry the client's compatibility version; servers refuse newer majors.
    await client.search({ index: "tandem-version-probe-*", allow_no_indices: true, size: 0, query: { match_none: {} } });
  } catch (err) {
    const why = describeError(err);
    if (/media_type_header_exception/.test(why)) {
      throw new BackendError(`Elasticsearch ${version} refuses this client's requests: use an @elastic/elasticsearch client of major version ${major} or older (${why})`, { cause: err });
    }
  }
  let license: string | null = null;
  try {
    license = (await client.license.get()).license.type;
  } catch {
    license = null;
  }
  const painless = await hasPainless(client);
  const at = (ma: number, mi: number) => major > ma || (major === ma && minor >= mi);
  const enterprise = license === "enterprise" || license === "trial" || license === "platinum";
  return {
    distribution,
    version,
    license,
    sparseVectorQuery: at(8, 15),
    painless,
    knnPlugin: false,
    retrievers: { rrf: at(8, 16) && enterprise, linear: at(8, 18) && enterprise },
  };
}

/** Painless scripting answers. */
async function hasPainless(client: Client): Promise<boolean> {
  try {
    await client.scriptsPainlessExecute({ script: { source: "1" } });
    return true;
  } catch {
    return false;
  }
}

/** OpenSearch: rank_features for the sparse leg, the k-NN plugin for the dense leg; no licence, no retrievers. */
async function openSearchCapabilities(client: Client, version: string, major: number, minor: number): Promise<ServerCapabilities> {
  if (major < MIN_OPENSEARCH[0] || (major === MIN_OPENSEARCH[0] && minor < MIN_OPENSEARCH[1])) {
    throw new BackendError(`OpenSearch ${version} is not supported: Tandem needs ${MIN_OPENSEARCH.join(".")} or newer`);
  }
  const [painless, knnPlugin] = await Promise.all([hasPainless(client), hasKnnPlugin(client)]);
  return { distribution: "opensearch", version, license: null, sparseVectorQuery: false, painless, knnPlugin, retrievers: { rrf: false, linear: false } };
}
