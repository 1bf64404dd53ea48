import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { Client } from "@elastic/elasticsearch";
import { describe, it } from "vitest";

/** A local Elasticsearch started by `npm run es:start` (its state file under .es/<port>/). */
export interface TestServer {
  url: string;
  version: string;
  port: number;
  username?: string;
  password?: string;
  /** CA certificate file of a cluster served over HTTPS. */
  ca?: string;
  /** `opensearch` for an OpenSearch cluster (`ES_DISTRIBUTION=opensearch npm run es:start`). */
  distribution?: "elasticsearch" | "opensearch";
}

interface ServerState extends TestServer {
  pid: number;
  /** The name scripts/elasticsearch.mjs gave the cluster: it names this checkout. */
  clusterName: string;
}

const ROOT = join(import.meta.dirname, "..", "..");

/**
 * The Elasticsearch clusters this checkout's `npm run es:start` left running, open (security off)
 * ones first. A cluster counts only when it answers with the name it was started under: a port
 * recorded long ago may since have been taken by another checkout's cluster.
 */
export async function testServers(): Promise<TestServer[]> {
  return (await recordedServers()).filter((s) => s.distribution !== "opensearch");
}

/** The OpenSearch clusters this checkout's `ES_DISTRIBUTION=opensearch npm run es:start` left running. */
export async function openSearchServers(): Promise<TestServer[]> {
  return (await recordedServers()).filter((s) => s.distribution === "opensearch");
}

/** Every cluster of this checkout that answers under its recorded name, whichever distribution. */
export async function recordedServers(): Promise<TestServer[]> {
  const dir = join(ROOT, ".es");
  if (!existsSync(dir)) return [];
  const servers: TestServer[] = [];
  for (const port of readdirSync(dir)) {
    const file = join(dir, port, "state.json");
    if (!existsSync(file)) continue;
    const state = JSON.parse(readFileSync(file, "utf8")) as ServerState;
    if (!isRunning(state.pid)) continue;
    if (await answersAs(state)) servers.push(state);
  }
  return servers.sort((a, b) => Number(a.username !== undefined) - Number(b.username !== undefined) || a.port - b.port);
}

/**
 * Whether the cluster answers under the name it was started under. The integ-test distribution
 * has no GET /; the health answer names the cluster too. OpenSearch is asked over plain HTTP: the
 * Elasticsearch client refuses to talk to it.
 */
async function answersAs(state: ServerState): Promise<boolean> {
  if (state.distribution === "opensearch") {
    try {
      const health = (await (await fetch(`${state.url}/_cluster/health`, { signal: AbortSignal.timeout(5000) })).json()) as { cluster_name?: string };
      return health.cluster_name === state.clusterName;
    } catch {
      return false;
    }
  }
  const client = clientFor(state, { requestTimeout: 5000, maxRetries: 0 });
  try {
    return (await client.cluster.health()).cluster_name === state.clusterName;
  } catch {
    return false;
  } finally {
    await client.close();
  }
}

function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/**
 * Whether Elasticsearch tests can run. CI starts the clusters first, so there their absence is a
 * failure, not a reason to skip.
 */
export function requireServers(servers: TestServer[], what: string): boolean {
  if (servers.length > 0) return true;
  if (process.env.CI) throw new Error(`${what}: no Elasticsearch is running (start one with npm run es:start)`);
  return false;
}

/**
 * A suite per cluster (`$version` in the title is replaced by the cluster's version). With no
 * cluster, one skipped placeholder instead, and `body` is not run: it may use the cluster while
 * tests are collected. Under CI a missing cluster fails (see requireServers).
 */
export function describeServers(title: string, servers: TestServer[], body: (server: TestServer) => void): void {
  if (!requireServers(servers, title)) {
    describe.skip(title.replace("$version", "(no cluster running)"), () => {
      it("needs a running Elasticsearch (npm run es:start)", () => {});
    });
    return;
  }
  for (const server of servers) describe(title.replace("$version", server.version), () => body(server));
}

export function clientFor(server: TestServer, options: { requestTimeout?: number; maxRetries?: number } = {}): Client {
  return new Client({
    ...options,
    node: server.url,
    ...(server.username ? { auth: { username: server.username, password: server.password! } } : {}),
    ...(server.ca ? { tls: { ca: readFileSync(server.ca, "utf8") } } : {}),
  });
}

/** Distinguishes the names one process makes within the same millisecond. */
let nameCounter = 0;

/** An index name no other test run uses: process id, time and a per-process counter. */
export function uniqueIndexName(prefix: string): string {
  return `${prefix}-${process.pid}-${Date.now().toString(36)}-${(nameCounter++).toString(36)}`;
}

/**
 * The weight Elasticsearch keeps of a sparse weight: a FeatureField holds the float's upper 17
 * bits (sign, exponent, 8 mantissa bits), about 2⁻⁸ relative precision.
 */
export function featureFieldWeight(x: number): number {
  const f = new Float32Array([x]);
  const bits = new Uint32Array(f.buffer);
  bits[0] = bits[0]! & ~0x7fff;
  return f[0]!;
}
