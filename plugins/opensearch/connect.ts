import { readFileSync } from "node:fs";
import type { Client, ClientOptions } from "@opensearch-project/opensearch";
import { InvalidOptionError } from "../../src/index.js";
import { importPeer } from "../import-peer.js";

/** How the CLI (or a script) reaches an OpenSearch cluster when it does not bring its own client. */
export interface OpenSearchConnectOptions {
  /** The cluster's URL, e.g. `http://127.0.0.1:9200`. */
  url: string;
  /** Username for basic authentication; needs `password`. */
  username?: string;
  /** Password for basic authentication; needs `username`. */
  password?: string;
  /** PEM file of the CA that signed the cluster's HTTP certificate. */
  caFile?: string;
}

/**
 * Builds an `@opensearch-project/opensearch` client from a URL and basic-authentication
 * credentials. The client package is loaded here, when a client is asked for, so that importing
 * `tandem-search/opensearch` (which otherwise takes the caller's client) never needs it.
 *
 * The client is created with `disablePrototypePoisoningProtection`: by default it refuses answers
 * holding keys named `__proto__` or `constructor`, which are valid tokens, field names and ids.
 *
 * @throws {@link tandem-search!MissingPluginError} when `@opensearch-project/opensearch` is not installed.
 * @throws {@link tandem-search!InvalidOptionError} when the URL is not a URL, the credentials are
 *   incomplete, or `caFile` cannot be read.
 */
export async function connect(options: OpenSearchConnectOptions): Promise<Client> {
  let url: URL;
  try {
    url = new URL(options.url);
  } catch {
    throw new InvalidOptionError(`OpenSearch URL: "${options.url}" is not a URL (e.g. http://127.0.0.1:9200)`);
  }
  if ((options.username === undefined) !== (options.password === undefined)) throw new InvalidOptionError("a username needs a password, and a password a username");
  let ca: string | undefined;
  if (options.caFile) {
    try {
      ca = readFileSync(options.caFile, "utf8");
    } catch (err) {
      throw new InvalidOptionError(`CA file ${options.caFile}: ${(err as Error).message}`);
    }
  }
  const opensearch = await importPeer(() => import("@opensearch-project/opensearch"), "@opensearch-project/opensearch", "tandem-search/opensearch");
  const config: ClientOptions = { node: url.toString(), disablePrototypePoisoningProtection: true };
  if (options.username !== undefined) config.auth = { username: options.username, password: options.password! };
  if (ca !== undefined) config.ssl = { ca, rejectUnauthorized: true };
  return new opensearch.Client(config);
}
