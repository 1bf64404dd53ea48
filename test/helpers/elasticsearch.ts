import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { Client } from "@elastic/elasticsearch";

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

const ROOT = join(import.meta.dirname, "..", "..");

/** The clusters `npm run es:start` left running, open (security off) ones first. */
export function testServers(): TestServer[] {
  const dir = join(ROOT, ".es");
  if (!existsSync(dir)) return [];
  const servers: TestServer[] = [];
  for (const port of readdirSync(dir)) {
    const file = join(dir, port, "state.json");
    if (!existsSync(file)) continue;
    const state = JSON.parse(readFileSync(file, "utf8")) as TestServer & { pid: number };
    try {
      process.kill(state.pid, 0);
      servers.push(state);
    } catch {
      // not running
    }
  }
  return servers.sort((a, b) => Number(a.username !== undefined) - Number(b.username !== undefined) || a.port - b.port);
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

export function clientFor(server: TestServer): Client {
  return new Client({
    node: server.url,
    ...(server.username ? { auth: { username: server.username, password: server.password! } } : {}),
    ...(server.ca ? { tls: { ca: readFileSync(server.ca, "utf8") } } : {}),
  });
}

/** An index name no other test run uses. */
export function uniqueIndexName(prefix: string): string {
  return `${prefix}-${process.pid}-${Date.now().toString(36)}-${Math.floor(Math.random() * 1e6)}`;
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
