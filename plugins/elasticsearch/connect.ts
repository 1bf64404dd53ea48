import { readFileSync } from "node:fs";
import type { Client, ClientOptions } from "@elastic/elasticsearch";
import { InvalidOptionError } from "../../src/index.js";
import { importPeer } from "../import-peer.js";

const elasticsearch = await importPeer(() => import("@elastic/elasticsearch"), "@elastic/elasticsearch", "tandem-search/elasticsearch");

/** How the CLI (or a script) reaches a cluster when it does not bring its own client. */
export interface ConnectOptions {
  /** The cluster's URL, e.g. `http://127.0.0.1:9200`. */
  url: string;
  /** API key (the encoded form), sent as `Authorization: ApiKey …`; not together with a username. */
  apiKey?: string;
  /** Username for basic authentication; needs `password`. */
  username?: string;
  /** Password for basic authentication; needs `username`. */
  password?: string;
  /** PEM file of the CA that signed the cluster's HTTP certificate. */
  caFile?: string;
}

/**
 * Builds a client from a URL and credentials (API key, or username and password).
 *
 * @throws {@link tandem-search!InvalidOptionError} when the URL is not a URL, the credentials are
 *   incomplete or contradict each other, or `caFile` cannot be read.
 */
export function connect(options: ConnectOptions): Client {
  let url: URL;
  try {
    url = new URL(options.url);
  } catch {
    throw new InvalidOptionError(`Elasticsearch URL: "${options.url}" is not a URL (e.g. http://127.0.0.1:9200)`);
  }
  if (options.apiKey && (options.username || options.password)) throw new InvalidOptionError("give an API key or a username and password, not both");
  if ((options.username === undefined) !== (options.password === undefined)) throw new InvalidOptionError("a username needs a password, and a password a username");
  const config: ClientOptions = { node: url.toString() };
  if (options.apiKey) config.auth = { apiKey: options.apiKey };
  else if (options.username !== undefined) config.auth = { username: options.username, password: options.password! };
  if (options.caFile) {
    let ca: string;
    try {
      ca = readFileSync(options.caFile, "utf8");
    } catch (err) {
      throw new InvalidOptionError(`CA file ${options.caFile}: ${(err as Error).message}`);
    }
    config.tls = { ca, rejectUnauthorized: true };
  }
  return new elasticsearch.Client(config);
}
