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
}

interface ServerState extends TestServer {
  pid: number;
  /** The name scripts/elasticsearch.mjs gave the cluster: it names this checkout. */
  clusterName: string;
}

const ROOT = join(import.meta.dirname, "..", "..");

/**
 * The clusters this checkout's `npm run es:start` left running, open (security off) ones first.
 * A cluster counts only when it answers with the name it was started under: a port recorded long
 * ago may since have been taken by another checkout's cluster.
 */
export async function testServers(): Promise<TestServer[]> {
  const dir = join(ROOT, ".es");
  if (!existsSync(dir)) return [];
  const servers: TestServer[] = [];
  for (const port of readdirSync(dir)) {
    const file = join(dir, port, "state.json");
    if (!existsSync(file)) continue;
    const state = JSON.parse(readFileSync(file, "utf8")) as ServerState;
    if (!isRunning(state.pid)) continue;
    const client = clientFor(state, { requestTimeout: 5000, maxRetries: 0 });
    try {
      // The integ-test distribution has no GET /; the health answer names the cluster too.
      if ((await client.cluster.health()).cluster_name === state.clusterName) servers.push(state);
    } catch {
      // not answering
    } finally {
      await client.close();
    }
  }
  return servers.sort((a, b) => Number(a.username !== undefined) - Number(b.username !== undefined) || a.port - b.port);
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
