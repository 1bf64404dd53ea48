#!/usr/bin/env node
// Starts and stops a local Elasticsearch for tests and benchmarks, from the integ-test-zip
// distribution that Elastic publishes on Maven Central (server, transport, x-pack core and
// security; no bundled JDK). Usage: node scripts/elasticsearch.mjs start|stop|status
//
// Environment: ES_VERSION (default 8.19.21), ES_PORT (default 9200), ES_SECURITY=on (HTTPS with
// a CA generated for this run, and basic auth; credentials and CA file printed), ES_HEAP (default 512m), ES_JAVA_HOME (default: JDK 17 for 8.x, the
// newest JDK in /usr/lib/jvm for 9.x). The download is cached in ~/.cache/tandem-es; each start
// extracts a fresh copy into <tmp>/tandem-es/<port>/ (reachable by the service user wherever the
// project lies) so every run begins with an empty cluster; .es/<port>/state.json tells the tests
// where it listens.
import { spawn, spawnSync } from "node:child_process";
import { request } from "node:https";
import { createHash, randomBytes } from "node:crypto";
import { existsSync, mkdirSync, openSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { homedir, tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const VERSION = process.env.ES_VERSION ?? "8.19.21";
const PORT = Number(process.env.ES_PORT ?? 9200);
const SECURITY = (process.env.ES_SECURITY ?? "off") === "on";
const HEAP = process.env.ES_HEAP ?? "512m";
const CACHE = join(process.env.XDG_CACHE_HOME ?? join(homedir(), ".cache"), "tandem-es");
const STATE_DIR = join(ROOT, ".es", String(PORT));
const STATE_FILE = join(STATE_DIR, "state.json");
const RUN_DIR = join(tmpdir(), "tandem-es", String(PORT));
/** Elasticsearch refuses to run as root; when we are root it runs as this system user. */
const SERVICE_USER = "tandem-es";
const MAVEN = "https://repo1.maven.org/maven2/org/elasticsearch/distribution/integ-test-zip/elasticsearch";

function fail(message) {
  console.error(`es: ${message}`);
  process.exit(1);
}

async function download(url) {
  const response = await fetch(url);
  if (!response.ok) fail(`GET ${url}: HTTP ${response.status}`);
  return Buffer.from(await response.arrayBuffer());
}

/** The distribution zip, downloaded once and checked against Maven Central's SHA-1. */
async function distribution() {
  const zip = join(CACHE, `elasticsearch-${VERSION}.zip`);
  if (existsSync(zip)) return zip;
  mkdirSync(CACHE, { recursive: true });
  const url = `${MAVEN}/${VERSION}/elasticsearch-${VERSION}.zip`;
  console.log(`es: downloading ${url}`);
  const [bytes, sha1] = await Promise.all([download(url), download(`${url}.sha1`)]);
  const expected = sha1.toString("utf8").trim().split(/\s+/)[0];
  const actual = createHash("sha1").update(bytes).digest("hex");
  if (actual !== expected) fail(`${url}: SHA-1 ${actual} does not match the published ${expected}`);
  writeFileSync(`${zip}.part`, bytes);
  spawnSync("mv", [`${zip}.part`, zip]);
  return zip;
}

function run(command, args, options = {}) {
  const r = spawnSync(command, args, { stdio: ["ignore", "pipe", "pipe"], encoding: "utf8", ...options });
  if (r.status !== 0) fail(`${command} ${args.join(" ")} failed: ${r.stderr || r.stdout || r.error}`);
  return r.stdout;
}

function javaHome() {
  if (process.env.ES_JAVA_HOME) return process.env.ES_JAVA_HOME;
  const jvms = existsSync("/usr/lib/jvm") ? readdirSync("/usr/lib/jvm") : [];
  const major = Number(VERSION.split(".")[0]);
  // 8.x runs on 17; 9.x needs 21 or newer.
  const wanted = major >= 9 ? (name) => /(\d+)/.test(name) && Number(name.match(/(\d+)/)[1]) >= 21 : (name) => /-17-/.test(name);
  const found = jvms.filter(wanted).sort((a, b) => Number(b.match(/(\d+)/)?.[1] ?? 0) - Number(a.match(/(\d+)/)?.[1] ?? 0))[0];
  if (found) return join("/usr/lib/jvm", found);
  if (process.env.JAVA_HOME) return process.env.JAVA_HOME;
  fail(`no suitable JDK for Elasticsearch ${VERSION} in /usr/lib/jvm; set ES_JAVA_HOME`);
}

/** Prefix that runs a command as the service user when we are root. */
function asServiceUser() {
  if (process.getuid?.() !== 0) return [];
  if (spawnSync("id", [SERVICE_USER]).status !== 0) run("useradd", ["--system", "--no-create-home", "--shell", "/usr/sbin/nologin", SERVICE_USER]);
  return ["setpriv", `--reuid=${SERVICE_USER}`, `--regid=${SERVICE_USER}`, "--init-groups", "--"];
}

function readState() {
  return existsSync(STATE_FILE) ? JSON.parse(readFileSync(STATE_FILE, "utf8")) : undefined;
}

function alive(pid) {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** GET over HTTPS trusting only the run's CA (fetch cannot take a CA). */
function httpsGet(url, headers, ca) {
  return new Promise((resolve, reject) => {
    const req = request(url, { headers, ca }, (res) => {
      let body = "";
      res.on("data", (c) => (body += c));
      res.on("end", () => resolve({ ok: res.statusCode === 200, json: () => JSON.parse(body) }));
    });
    req.on("error", reject);
    req.end();
  });
}

async function health(state) {
  const headers = state.username ? { authorization: `Basic ${Buffer.from(`${state.username}:${state.password}`).toString("base64")}` } : {};
  const url = `${state.url}/_cluster/health?wait_for_status=yellow&timeout=1s`;
  try {
    const r = state.ca ? await httpsGet(url, headers, readFileSync(state.ca)) : await fetch(url, { headers });
    return r.ok ? (await r.json()).status : undefined;
  } catch {
    return undefined;
  }
}

/**
 * A CA and a certificate for 127.0.0.1/localhost made with the distribution's certutil, inside
 * the config directory (the only place Elasticsearch may read them from); the CA is copied
 * beside the state file for clients.
 */
function makeCertificates(home, asUser, env) {
  const certs = join(home, "config", "certs");
  const certutil = (...args) => {
    const command = [...asUser, join(home, "bin", "elasticsearch-certutil"), ...args, "--silent"];
    const r = spawnSync(command[0], command.slice(1), { env, encoding: "utf8" });
    if (r.status !== 0) fail(`elasticsearch-certutil ${args[0]} failed: ${r.stderr || r.stdout}`);
  };
  const unzip = (zip) => {
    run("python3", ["-m", "zipfile", "-e", zip, certs]);
    if (asUser.length > 0) run("chown", ["-R", SERVICE_USER, certs]);
  };
  mkdirSync(certs, { recursive: true });
  if (asUser.length > 0) run("chown", ["-R", SERVICE_USER, certs]);
  certutil("ca", "--pem", "--out", join(certs, "ca.zip"));
  unzip(join(certs, "ca.zip"));
  certutil("cert", "--pem", "--ca-cert", join(certs, "ca", "ca.crt"), "--ca-key", join(certs, "ca", "ca.key"), "--ip", "127.0.0.1", "--dns", "localhost", "--out", join(certs, "node.zip"));
  unzip(join(certs, "node.zip"));
  const ca = join(STATE_DIR, "ca.crt");
  writeFileSync(ca, readFileSync(join(certs, "ca", "ca.crt")));
  return {
    ca,
    settings: {
      "xpack.security.http.ssl.enabled": "true",
      "xpack.security.http.ssl.key": "certs/instance/instance.key",
      "xpack.security.http.ssl.certificate": "certs/instance/instance.crt",
      "xpack.security.http.ssl.certificate_authorities": "certs/ca/ca.crt",
    },
  };
}

function describe(state) {
  const lines = [`Elasticsearch ${state.version} at ${state.url} (security ${state.username ? "on" : "off"})`];
  if (state.username) lines.push(`username: ${state.username}`, `password: ${state.password}`);
  if (state.ca) lines.push(`CA certificate: ${state.ca}`);
  lines.push(`export TANDEM_ES_URL=${state.url}`);
  if (state.username) lines.push(`export TANDEM_ES_USERNAME=${state.username} TANDEM_ES_PASSWORD=${state.password}`);
  if (state.ca) lines.push(`export TANDEM_ES_CA=${state.ca}`);
  return lines.join("\n");
}

async function start() {
  const previous = readState();
  if (previous && alive(previous.pid) && (await health(previous))) {
    console.log(describe(previous));
    return;
  }
  const zip = await distribution();
  const java = javaHome();
  rmSync(RUN_DIR, { recursive: true, force: true });
  mkdirSync(RUN_DIR, { recursive: true, mode: 0o755 });
  mkdirSync(STATE_DIR, { recursive: true });
  // Python's zipfile is on every machine that has the project's toolchain; unzip may not be.
  run("python3", ["-m", "zipfile", "-e", zip, RUN_DIR]);
  const home = join(RUN_DIR, `elasticsearch-${VERSION}`);
  run("chmod", ["-R", "u+x", join(home, "bin")]);
  const asUser = asServiceUser();
  if (asUser.length > 0) run("chown", ["-R", SERVICE_USER, RUN_DIR]);
  const env = { ...process.env, ES_JAVA_HOME: java, ES_JAVA_OPTS: `-Xms${HEAP} -Xmx${HEAP}` };
  delete env.JAVA_HOME;

  const state = { version: VERSION, url: `http://127.0.0.1:${PORT}`, port: PORT };
  let tls = {};
  if (SECURITY) {
    const certificates = makeCertificates(home, asUser, env);
    state.url = `https://127.0.0.1:${PORT}`;
    state.ca = certificates.ca;
    tls = certificates.settings;
    state.username = "tandem";
    state.password = randomBytes(12).toString("hex");
    const users = spawnSync(
      asUser[0] ?? join(home, "bin", "elasticsearch-users"),
      [...asUser.slice(1), ...(asUser.length ? [join(home, "bin", "elasticsearch-users")] : []), "useradd", state.username, "-p", state.password, "-r", "superuser"],
      { env, encoding: "utf8" },
    );
    if (users.status !== 0) fail(`elasticsearch-users useradd failed: ${users.stderr || users.stdout}`);
  }
  const settings = {
    "discovery.type": "single-node",
    "cluster.name": `tandem-test-${PORT}`,
    "http.host": "127.0.0.1",
    "http.port": String(PORT),
    "transport.port": String(PORT + 100),
    "xpack.security.enabled": String(SECURITY),
    "xpack.security.http.ssl.enabled": "false",
    "xpack.security.transport.ssl.enabled": "false",
    ...tls,
    // Small test machines: keep the cluster writable on a nearly full disk.
    "cluster.routing.allocation.disk.threshold_enabled": "false",
  };
  const args = Object.entries(settings).flatMap(([k, v]) => ["-E", `${k}=${v}`]);
  const log = openSync(join(RUN_DIR, "console.log"), "a");
  const command = [...asUser, join(home, "bin", "elasticsearch"), ...args];
  const child = spawn(command[0], command.slice(1), { env, detached: true, stdio: ["ignore", log, log] });
  state.pid = child.pid;
  child.unref();
  writeFileSync(STATE_FILE, JSON.stringify(state, null, 2));

  const deadline = Date.now() + 180_000;
  while (Date.now() < deadline) {
    if (!alive(child.pid)) break;
    if (await health(state)) {
      console.log(describe(state));
      return;
    }
    await new Promise((r) => setTimeout(r, 1000));
  }
  const tail = readFileSync(join(RUN_DIR, "console.log"), "utf8").split("\n").slice(-30).join("\n");
  await stop();
  fail(`Elasticsearch ${VERSION} did not become healthy on port ${PORT}:\n${tail}`);
}

async function stop() {
  const state = readState();
  if (!state || !alive(state.pid)) {
    console.log(`es: nothing running on port ${PORT}`);
    return;
  }
  process.kill(-state.pid, "SIGTERM");
  const deadline = Date.now() + 30_000;
  while (alive(state.pid) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 250));
  if (alive(state.pid)) process.kill(-state.pid, "SIGKILL");
  console.log(`es: stopped Elasticsearch on port ${PORT}`);
}

async function status() {
  const state = readState();
  if (!state || !alive(state.pid)) {
    console.log(`es: nothing running on port ${PORT}`);
    process.exitCode = 3;
    return;
  }
  console.log(`${describe(state)}\nhealth: ${(await health(state)) ?? "not answering"}`);
}

const commands = { start, stop, status };
const command = commands[process.argv[2]];
if (!command) fail("usage: node scripts/elasticsearch.mjs start|stop|status");
await command();
