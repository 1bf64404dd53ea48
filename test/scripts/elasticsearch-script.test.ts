import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { copyFileSync, existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { createServer as createHttpServer, type Server } from "node:http";
import { createServer, type AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";

/**
 * scripts/elasticsearch.mjs shares the machine with other checkouts: it must never take over,
 * wipe or stop a cluster or process it did not start. These cases need no Elasticsearch: the
 * script refuses before it would download or start one. It runs from a copy placed in a
 * throwaway checkout, so its .es/ records are the test's own.
 */
const SCRIPT = resolve("scripts", "elasticsearch.mjs");

let checkout: string;
const children: ChildProcess[] = [];
const servers: Server[] = [];

/** Runs the script without blocking this process, which serves some of the ports it probes. */
function es(command: string, port: number | string | undefined): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const env: NodeJS.ProcessEnv = { ...process.env };
  delete env.ES_PORT;
  if (port !== undefined) env.ES_PORT = String(port);
  return new Promise((done) => {
    const child = spawn(process.execPath, [join(checkout, "scripts", "elasticsearch.mjs"), command], { env });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (c) => (stdout += c));
    child.stderr.on("data", (c) => (stderr += c));
    child.on("close", (code) => done({ code, stdout, stderr }));
  });
}

/** A record as `start` writes it, for a cluster of this checkout on `port` run by `pid`. */
function record(port: number, pid: number): string {
  const dir = join(checkout, ".es", String(port));
  const runDir = join(dir, "run");
  mkdirSync(runDir, { recursive: true });
  const state = { version: "8.19.21", url: `http://127.0.0.1:${port}`, port, clusterName: `tandem-test-${port}`, checkout, runDir, pid };
  writeFileSync(join(dir, "state.json"), JSON.stringify(state));
  return runDir;
}

/** A process in its own process group, as the script starts Elasticsearch; `args` appear in its command line. */
function processWith(source: string, args: string[]): ChildProcess {
  const child = spawn(process.execPath, ["-e", source, ...args], { detached: true, stdio: "ignore" });
  children.push(child);
  return child;
}

const running = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};
const exited = (child: ChildProcess) => new Promise<void>((r) => (child.exitCode !== null || child.signalCode !== null ? r() : child.once("exit", () => r())));

/** An HTTP server answering health requests as a cluster named `name`. */
async function healthServer(name: string): Promise<number> {
  const server = createHttpServer((_, res) => {
    res.writeHead(200, { "content-type": "application/json" });
    res.end(JSON.stringify({ cluster_name: name, status: "green" }));
  });
  servers.push(server);
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  return (server.address() as AddressInfo).port;
}

beforeAll(async () => {
  checkout = await mkdtemp(join(tmpdir(), "tandem-es-script-"));
  mkdirSync(join(checkout, "scripts"));
  copyFileSync(SCRIPT, join(checkout, "scripts", "elasticsearch.mjs"));
});
afterEach(() => {
  for (const child of children.splice(0)) if (child.pid && running(child.pid)) process.kill(-child.pid, "SIGKILL");
  for (const server of servers.splice(0)) server.close();
});
afterAll(() => rm(checkout, { recursive: true, force: true }));

describe("a local cluster belongs to the checkout that started it", () => {
  it("a distribution it does not know, and OpenSearch with security, are refused before anything is downloaded or written", () => {
    for (const [env, message] of [
      [{ ES_DISTRIBUTION: "solr" }, /ES_DISTRIBUTION: expected elasticsearch or opensearch, got "solr"/],
      [{ ES_DISTRIBUTION: "opensearch", ES_SECURITY: "on" }, /ES_SECURITY=on: not offered for OpenSearch/],
    ] as const) {
      const r = spawnSync(process.execPath, [join(checkout, "scripts", "elasticsearch.mjs"), "start"], { env: { ...process.env, ...env }, encoding: "utf8" });
      expect(r.status).toBe(1);
      expect(r.stderr).toMatch(message);
    }
    expect(existsSync(join(checkout, ".es"))).toBe(false);
  });

  it("a port another process listens on is refused, and that process keeps its port", async () => {
    const other = createServer();
    await new Promise<void>((r) => other.listen(0, "127.0.0.1", r));
    const port = (other.address() as AddressInfo).port;
    try {
      const r = await es("start", port);
      expect(r.code).toBe(1);
      expect(r.stderr).toMatch(new RegExp(`port ${port} is in use by another process, not a cluster of this checkout \\(${checkout}\\); choose another with ES_PORT`));
      expect(other.listening).toBe(true);
      expect(existsSync(join(checkout, ".es", String(port)))).toBe(false);
    } finally {
      other.close();
    }
  });

  it("a cluster answering under another name on a recorded port is not ours: not reported, not reused", async () => {
    // Our record says port P; another checkout's cluster now answers there (the process in our record is long gone).
    const port = await healthServer("tandem-another-checkout-9200");
    const stranger = processWith("setInterval(() => {}, 1000)", []);
    record(port, stranger.pid!);
    const status = await es("status", port);
    expect(status.code).toBe(3);
    expect(status.stdout).toMatch(new RegExp(`nothing of this checkout running on port ${port}`));
    const start = await es("start", port);
    expect(start.code).toBe(1);
    expect(start.stderr).toMatch(/is in use by another process/);
  });

  it("stop leaves alone a recorded process id that now belongs to another process", async () => {
    const stranger = processWith("setInterval(() => {}, 1000)", []);
    const port = 40000 + (stranger.pid! % 20000);
    record(port, stranger.pid!);
    const r = await es("stop", port);
    expect(r.stderr).toMatch(new RegExp(`process ${stranger.pid} is not the cluster this checkout started on port ${port} .*left alone`));
    expect(running(stranger.pid!)).toBe(true);
    expect(existsSync(join(checkout, ".es", String(port), "state.json"))).toBe(false);
  });

  it("stop ends the process group started from our run directory, and only with ES_PORT unset every one of ours", async () => {
    const portA = 41000;
    const portB = 41001;
    const a = processWith("setInterval(() => {}, 1000)", [join(checkout, ".es", String(portA), "run", "elasticsearch")]);
    const b = processWith("setInterval(() => {}, 1000)", [join(checkout, ".es", String(portB), "run", "elasticsearch")]);
    record(portA, a.pid!);
    record(portB, b.pid!);
    await es("stop", portA);
    await exited(a);
    expect(running(b.pid!)).toBe(true);
    expect(existsSync(join(checkout, ".es", String(portA)))).toBe(false);
    const all = await es("stop", undefined);
    expect(all.stderr).toMatch(new RegExp(`stopped Elasticsearch on port ${portB}`));
    await exited(b);
    expect(existsSync(join(checkout, ".es", String(portB)))).toBe(false);
  });

  it("status tells apart our process answering under another cluster's name", async () => {
    const port = await healthServer("someone-else");
    const ours = processWith("setInterval(() => {}, 1000)", [join(checkout, ".es", String(port), "run", "elasticsearch")]);
    record(port, ours.pid!);
    const r = await es("status", port);
    expect(r.stdout).toMatch(/health: answering as another cluster \(someone-else\)/);
    expect(JSON.parse(readFileSync(join(checkout, ".es", String(port), "state.json"), "utf8")).pid).toBe(ours.pid);
  });

  it("ES_PORT must be a port number", async () => {
    const r = await es("start", "92OO");
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/ES_PORT: expected a port number, got "92OO"/);
  });
});
