import type { Client } from "@elastic/elasticsearch";
import { BackendError } from "../../src/index.js";
import { describeError } from "./describe-error.js";

/** What a cluster offers, probed once per client and reported by `stats()` / `tandem info`. */
export interface ServerCapabilities {
  /** The cluster's version number, e.g. `8.19.2`. */
  version: string;
  /** The `license.type`, or null where the licence API is absent. */
  license: string | null;
  /** The `sparse_vector` query (8.15+); otherwise the sparse leg is a bool of boosted term queries. */
  sparseVectorQuery: boolean;
  /** Painless scripting (the lang-painless module), used for exact dense search of HNSW fields. */
  painless: boolean;
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

async function serverVersion(client: Client): Promise<string> {
  try {
    return (await client.info()).version.number;
  } catch (err) {
    // Minimal distributions (the integ-test zip) have no root endpoint; node info has the version.
    if ((err as { meta?: { statusCode?: number } }).meta?.statusCode !== 405) throw err;
    const nodes = (await client.nodes.info({ filter_path: "nodes.*.version" })) as unknown as { nodes: Record<string, { version: string }> };
    return Object.values(nodes.nodes)[0]!.version;
  }
}

async function probe_(client: Client): Promise<ServerCapabilities> {
  let version: string;
  try {
    version = await serverVersion(client);
  } catch (err) {
    throw new BackendError(`cannot reach Elasticsearch: ${describeError(err)}`, { cause: err });
  }
  const [major, minor] = version.split(".").map(Number) as [number, number];
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
  let painless = true;
  try {
    await client.scriptsPainlessExecute({ script: { source: "1" } });
  } catch {
    painless = false;
  }
  const at = (ma: number, mi: number) => major > ma || (major === ma && minor >= mi);
  const enterprise = license === "enterprise" || license === "trial" || license === "platinum";
  return {
    version,
    license,
    sparseVectorQuery: at(8, 15),
    painless,
    retrievers: { rrf: at(8, 16) && enterprise, linear: at(8, 18) && enterprise },
  };
}
