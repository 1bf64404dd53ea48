#!/usr/bin/env node
// Starts and stops local Elasticsearch clusters for tests and benchmarks, from the integ-test-zip
// distribution that Elastic publishes on Maven Central (server, transport, x-pack core and
// security; no bundled JDK). Usage: node scripts/elasticsearch.mjs start [--json] | stop | status
//
// Environment: ES_PORT (default: a free port the system picks), ES_VERSION (default 8.19.21),
// ES_SECURITY=on (HTTPS with a CA generated for this run, and basic auth; credentials and CA file
// printed), ES_HEAP (default 512m), ES_JAVA_HOME (default: JDK 17 for 8.x, the newest JDK in
// /usr/lib/jvm for 9.x).
//
// ES_DISTRIBUTION=opensearch starts OpenSearch instead (default version 3.5.0), from the
// integ-test-zip OpenSearch publishes on Maven Central (which has its modules: Painless,
// mapper-extras), with the k-NN plugin of the same version (org.opensearch.plugin:opensearch-knn,
// also from Maven Central; its Lucene engine needs no native library). Security is not offered for it.
//
// Several checkouts share this machine, so every cluster belongs to one checkout: it runs from
// that checkout's .es/<port>/run/ (or, when the service user cannot reach the checkout, from
// <tmp>/tandem-es/<checkout id>/<port>/), its cluster.name names the checkout, and
// .es/<port>/state.json records it for the tests. A port something else listens on is refused;
// a cluster is only treated as ours when its health answer carries our cluster name, and `stop`
// signals only processes started from our run directory. `stop` without ES_PORT stops every
// cluster of this checkout (only those of ES_DISTRIBUTION's distribution when it is set). The downloaded distribution is cached, shared, in ~/.cache/tandem-es
// (written once, atomically, and checked against its SHA-1 on every use).
import { spawn, spawnSync } from "node:child_process";
import { createHash, randomBytes } from "node:crypto";
import { existsSync, mkdirSync, openSync, readdirSync, readFileSync, realpathSync, renameSync, rmSync, statSync, writeFileSync } from "node:fs";
import { request } from "node:https";
import { createServer } from "node:net";
import { homedir, tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const ROOT = realpathSync(resolve(dirname(fileURLToPath(import.meta.url)), ".."));
/** Names this checkout in cluster names and fallback run directories. */
const CHECKOUT_ID = createHash("sha256").update(ROOT).digest("hex").slice(0, 12);
const DISTRIBUTION = process.env.ES_DISTRIBUTION || "elasticsearch";
const OPENSEARCH = DISTRIBUTION === "opensearch";
const VERSION = process.env.ES_VERSION || (OPENSEARCH ? "3.5.0" : "8.19.21");
const REQUESTED_PORT = process.env.ES_PORT === undefined || process.env.ES_PORT === "" ? undefined : Number(process.env.ES_PORT);
const SECURITY = (process.env.ES_SECURITY ?? "off") === "on";
const HEAP = process.env.ES_HEAP ?? "512m";
const CACHE = join(process.env.XDG_CACHE_HOME ?? join(homedir(), ".cache"), "tandem-es");
const STATES = join(ROOT, ".es");
/** Elasticsearch refuses to run as root; when we are root it runs as this system user. */
const SERVICE_USER = "tandem-es";
const MAVEN = "https://repo1.maven.org/maven2";
const ARTIFACT = OPENSEARCH ? `org/opensearch/distribution/integ-test-zip/opensearch` : `org/elasticsearch/distribution/integ-test-zip/elasticsearch`;
/** The k-NN plugin OpenSearch gets: the one built for its version (plugins must match it exactly). */
const KNN_ARTIFACT = "org/opensearch/plugin/opensearch-knn";
/**
 * SHA-1 of distributions whose checksum file Maven Central does not serve (the 9.x integ-test
 * zips, OpenSearch 3.5.0's), recorded from a download over HTTPS, so later downloads are still checked.
 */
const PINNED_SHA1 = { "elasticsearch-9.1.5": "134c0180497ccac0a25f67defb9cdbb1073f3a26", "opensearch-3.5.0": "c7e501f75a9b9b08e82e7fdd500ed3998080a599" };
const PRODUCT = OPENSEARCH ? "OpenSearch" : "Elasticsearch";

function fail(message) {
  console.error(`es: ${message}`);
  process.exit(1);
}

if (DISTRIBUTION !== "elasticsearch" && DISTRIBUTION !== "opensearch") fail(`ES_DISTRIBUTION: expected elasticsearch or opensearch, got "${DISTRIBUTION}"`);
if (OPENSEARCH && SECURITY) fail("ES_SECURITY=on: not offered for OpenSearch (its integ-test-zip has no security plugin)");
if (REQUESTED_PORT !== undefined && !(Number.isInteger(REQUESTED_PORT) && REQUESTED_PORT > 0 && REQUESTED_PORT < 65536)) {
  fail(`ES_PORT: expected a port number, got "${process.env.ES_PORT}"`);
}

const stateDir = (port) => join(STATES, String(port));
const stateFile = (port) => join(stateDir(port), "state.json");
const clusterName = (port) => `tandem-${CHECKOUT_ID}-${port}`;

async function download(url, { optional = false } = {}) {
  const response = await fetch(url);
  if (optional && response.status === 404) return undefined;
  if (!response.ok) fail(`GET ${url}: HTTP ${response.status}`);
  return Buffer.from(await response.arrayBuffer());
}

const sha1 = (bytes) => createHash("sha1").update(bytes).digest("hex");

/**
 * The distribution zip, downloaded once and checked against Maven Central's SHA-1. The cache is
 * shared by every checkout: files appear in it only by rename, so two checkouts downloading at
 * once each write their own temporary file and one complete copy wins; a cached zip that does not
 * match its recorded SHA-1 is downloaded again.
 */
async function distribution() {
  return cached(`${DISTRIBUTION}-${VERSION}.zip`, `${MAVEN}/${ARTIFACT}/${VERSION}/${DISTRIBUTION}-${VERSION}.zip`);
}

/** The k-NN plugin zip for this OpenSearch version, cached like the distribution. */
function knnPlugin() {
  return cached(`opensearch-knn-${VERSION}.0.zip`, `${MAVEN}/${KNN_ARTIFACT}/${VERSION}.0/opensearch-knn-${VERSION}.0.zip`);
}

/** A Maven Central file, downloaded once into the shared cache (see {@link distribution}). */
async function cached(name, url) {
  const zip = join(CACHE, name);
  const checksum = `${zip}.sha1`;
  if (existsSync(zip) && existsSync(checksum) && sha1(readFileSync(zip)) === readFileSync(checksum, "utf8").trim()) return zip;
  mkdirSync(CACHE, { recursive: true });
  console.error(`es: downloading ${url}`);
  const [bytes, published] = await Promise.all([download(url), download(`${url}.sha1`, { optional: true })]);
  // Some checksum files are served empty.
  const expected = published?.toString("utf8").trim().split(/\s+/)[0] || PINNED_SHA1[name.replace(/\.zip$/, "")];
  if (!expected) fail(`${url}: Maven Central serves no ${url}.sha1 and no SHA-1 is pinned for ${name} in ${fileURLToPath(import.meta.url)}`);
  const actual = sha1(bytes);
  if (actual !== expected) fail(`${url}: SHA-1 ${actual} does not match the ${published ? "published" : "pinned"} ${expected}`);
  const unique = `${process.pid}-${randomBytes(4).toString("hex")}`;
  writeFileSync(`${checksum}.${unique}`, expected);
  writeFileSync(`${zip}.${unique}`, bytes);
  // The zip first: a checksum file never vouches for a zip that is not there yet.
  renameSync(`${zip}.${unique}`, zip);
  renameSync(`${checksum}.${unique}`, checksum);
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
  // 8.x runs on 17; 9.x (and OpenSearch 3.x) need 21 or newer.
  const wanted = major >= (OPENSEARCH ? 3 : 9) ? (name) => /(\d+)/.test(name) && Number(name.match(/(\d+)/)[1]) >= 21 : (name) => /-17-/.test(name);
  const found = jvms.filter(wanted).sort((a, b) => Number(b.match(/(\d+)/)?.[1] ?? 0) - Number(a.match(/(\d+)/)?.[1] ?? 0))[0];
  if (found) return join("/usr/lib/jvm", found);
  if (process.env.JAVA_HOME) return process.env.JAVA_HOME;
  fail(`no suitable JDK for ${PRODUCT} ${VERSION} in /usr/lib/jvm; set ES_JAVA_HOME`);
}

/** Prefix that runs a command as the service user when we are root. */
function asServiceUser() {
  if (process.getuid?.() !== 0) return [];
  if (spawnSync("id", [SERVICE_USER]).status !== 0) run("useradd", ["--system", "--no-create-home", "--shell", "/usr/sbin/nologin", SERVICE_USER]);
  return ["setpriv", `--reuid=${SERVICE_USER}`, `--regid=${SERVICE_USER}`, "--init-groups", "--"];
}

/**
 * Where a cluster of this checkout runs: inside the checkout, unless the service user cannot
 * reach it (a checkout under a private home directory), then in a directory of the system's
 * temporary directory that only this checkout uses.
 */
function runDirectory(port, asUser) {
  const inside = join(stateDir(port), "run");
  if (asUser.length === 0) return inside;
  mkdirSync(stateDir(port), { recursive: true });
  // The service user is neither owner nor group: it needs the "others" search bit on every ancestor.
  for (let dir = stateDir(port); ; dir = dirname(dir)) {
    if (!(statSync(dir).mode & 0o001)) return join(tmpdir(), "tandem-es", CHECKOUT_ID, String(port));
    if (dirname(dir) === dir) return inside;
  }
}

function readState(port) {
  const file = stateFile(port);
  return existsSync(file) ? JSON.parse(readFileSync(file, "utf8")) : undefined;
}

/** Every cluster this checkout has a record of. */
function recordedPorts() {
  if (!existsSync(STATES)) return [];
  return readdirSync(STATES)
    .filter((name) => /^\d+$/.test(name) && existsSync(stateFile(name)))
    .map(Number)
    .sort((a, b) => a - b);
}

function alive(pid) {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Whether a process (or its process group) was started from our run directory: the check before any signal. */
function startedByUs(state) {
  if (!state?.pid || !state.runDir) return false;
  const members = readdirSync("/proc").filter((p) => /^\d+$/.test(p));
  return members.some((p) => {
    try {
      if (Number(p) !== state.pid && readFileSync(`/proc/${p}/stat`, "utf8").split(") ")[1]?.split(" ")[2] !== String(state.pid)) return false;
      return readFileSync(`/proc/${p}/cmdline`, "utf8").includes(state.runDir);
    } catch {
      return false;
    }
  });
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

/** The cluster's health answer (`status`, `cluster_name`, …), or undefined when nothing answers. */
async function health(state) {
  const headers = state.username ? { authorization: `Basic ${Buffer.from(`${state.username}:${state.password}`).toString("base64")}` } : {};
  const url = `${state.url}/_cluster/health?wait_for_status=yellow&timeout=1s`;
  try {
    const r = state.ca ? await httpsGet(url, headers, readFileSync(state.ca)) : await fetch(url, { headers, signal: AbortSignal.timeout(5000) });
    return r.ok ? await r.json() : undefined;
  } catch {
    return undefined;
  }
}

/** Our cluster, answering: its process runs from our run directory and it carries our cluster name. */
async function ours(state) {
  if (!state || !alive(state.pid) || !startedByUs(state)) return false;
  return (await health(state))?.cluster_name === state.clusterName;
}

/** Whether nothing listens on 127.0.0.1:port, found by trying to listen there. */
function portFree(port) {
  return new Promise((resolve) => {
    const server = createServer();
    server.once("error", () => resolve(false));
    server.listen({ port, host: "127.0.0.1", exclusive: true }, () => server.close(() => resolve(true)));
  });
}

/** A port the system considers free now (from its ephemeral range, so checkouts rarely meet). */
function freePort() {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen({ port: 0, host: "127.0.0.1", exclusive: true }, () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

/**
 * A CA and a certificate for 127.0.0.1/localhost made with the distribution's certutil, inside
 * the config directory (the only place Elasticsearch may read them from); the CA is copied
 * beside the state file for clients.
 */
function makeCertificates(port, home, asUser, env) {
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
  const ca = join(stateDir(port), "ca.crt");
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
  const lines = [`${state.distribution === "opensearch" ? "OpenSearch" : "Elasticsearch"} ${state.version} at ${state.url} (security ${state.username ? "on" : "off"}, cluster ${state.clusterName})`];
  if (state.username) lines.push(`username: ${state.username}`, `password: ${state.password}`);
  if (state.ca) lines.push(`CA certificate: ${state.ca}`);
  lines.push(`export TANDEM_ES_URL=${state.url}`);
  if (state.username) lines.push(`export TANDEM_ES_USERNAME=${state.username} TANDEM_ES_PASSWORD=${state.password}`);
  if (state.ca) lines.push(`export TANDEM_ES_CA=${state.ca}`);
  return lines.join("\n");
}

/** Prints a started (or already running) cluster: for people, or one JSON line with --json. */
function report(state) {
  console.log(process.argv.includes("--json") ? JSON.stringify(state) : describe(state));
}

async function start() {
  if (REQUESTED_PORT !== undefined) {
    const previous = readState(REQUESTED_PORT);
    if (await ours(previous)) {
      report(previous);
      return;
    }
    // Ours but not answering (still starting, or hung): replace it.
    if (previous && alive(previous.pid) && startedByUs(previous)) await stopCluster(previous);
  }
  const port = REQUESTED_PORT ?? (await freePort());
  if (!(await portFree(port))) {
    fail(`port ${port} is in use by another process, not a cluster of this checkout (${ROOT}); choose another with ES_PORT, or leave ES_PORT unset to get a free one`);
  }
  const transportPort = await freePort();
  const zip = await distribution();
  const java = javaHome();
  const asUser = asServiceUser();
  const runDir = runDirectory(port, asUser);
  rmSync(runDir, { recursive: true, force: true });
  mkdirSync(runDir, { recursive: true, mode: 0o755 });
  mkdirSync(stateDir(port), { recursive: true });
  // Python's zipfile is on every machine that has the project's toolchain; unzip may not be.
  run("python3", ["-m", "zipfile", "-e", zip, runDir]);
  const home = join(runDir, `${DISTRIBUTION}-${VERSION}`);
  run("chmod", ["-R", "u+x", join(home, "bin")]);
  if (asUser.length > 0) run("chown", ["-R", SERVICE_USER, runDir]);
  const javaEnv = OPENSEARCH ? { OPENSEARCH_JAVA_HOME: java, OPENSEARCH_JAVA_OPTS: `-Xms${HEAP} -Xmx${HEAP}` } : { ES_JAVA_HOME: java, ES_JAVA_OPTS: `-Xms${HEAP} -Xmx${HEAP}` };
  const env = { ...process.env, ...javaEnv };
  delete env.JAVA_HOME;
  if (OPENSEARCH) {
    const plugin = await knnPlugin();
    // As ourselves: the service user may not reach the cache; the files are handed over after.
    const r = spawnSync(join(home, "bin", "opensearch-plugin"), ["install", "--batch", `file://${plugin}`], { env, encoding: "utf8" });
    if (r.status !== 0) fail(`opensearch-plugin install ${plugin} failed: ${r.stderr || r.stdout}`);
    if (asUser.length > 0) run("chown", ["-R", SERVICE_USER, runDir]);
  }

  const state = { distribution: DISTRIBUTION, version: VERSION, url: `http://127.0.0.1:${port}`, port, transportPort, clusterName: clusterName(port), checkout: ROOT, runDir };
  let tls = {};
  if (SECURITY) {
    const certificates = makeCertificates(port, home, asUser, env);
    state.url = `https://127.0.0.1:${port}`;
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
    "cluster.name": state.clusterName,
    "http.host": "127.0.0.1",
    "http.port": String(port),
    "transport.host": "127.0.0.1",
    "transport.port": String(transportPort),
    ...(OPENSEARCH
      ? {}
      : { "xpack.security.enabled": String(SECURITY), "xpack.security.http.ssl.enabled": "false", "xpack.security.transport.ssl.enabled": "false" }),
    ...tls,
    // Small test machines: keep the cluster writable on a nearly full disk.
    "cluster.routing.allocation.disk.threshold_enabled": "false",
  };
  const args = Object.entries(settings).flatMap(([k, v]) => ["-E", `${k}=${v}`]);
  const log = openSync(join(runDir, "console.log"), "a");
  const command = [...asUser, join(home, "bin", DISTRIBUTION), ...args];
  const child = spawn(command[0], command.slice(1), { env, detached: true, stdio: ["ignore", log, log] });
  state.pid = child.pid;
  child.unref();
  writeFileSync(stateFile(port), JSON.stringify(state, null, 2));

  const deadline = Date.now() + 180_000;
  while (Date.now() < deadline) {
    if (!alive(child.pid)) break;
    const answer = await health(state);
    if (answer) {
      if (answer.cluster_name !== state.clusterName) {
        await stopCluster(state);
        fail(`port ${port} answers as cluster "${answer.cluster_name}", not ours ("${state.clusterName}"): another process took the port; try again`);
      }
      report(state);
      return;
    }
    await new Promise((r) => setTimeout(r, 1000));
  }
  const tail = readFileSync(join(runDir, "console.log"), "utf8").split("\n").slice(-30).join("\n");
  await stopCluster(state);
  fail(`${PRODUCT} ${VERSION} did not become healthy on port ${port}:\n${tail}`);
}

/**
 * Stops one cluster of ours: signals its process group only after checking it runs from our run
 * directory, then removes the cluster's directories (a port picked automatically is rarely picked
 * again, so they would pile up).
 */
async function stopCluster(state) {
  if (alive(state.pid) && !startedByUs(state)) {
    console.error(`es: process ${state.pid} is not the cluster this checkout started on port ${state.port} (that one has exited and its process id was reused): left alone`);
  } else if (alive(state.pid)) {
    process.kill(-state.pid, "SIGTERM");
    const deadline = Date.now() + 30_000;
    while (alive(state.pid) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 250));
    if (alive(state.pid)) process.kill(-state.pid, "SIGKILL");
    console.error(`es: stopped ${state.distribution === "opensearch" ? "OpenSearch" : "Elasticsearch"} on port ${state.port}`);
  } else {
    console.error(`es: nothing running on port ${state.port}`);
  }
  const ownRunDir = [stateDir(state.port), join(tmpdir(), "tandem-es", CHECKOUT_ID)].some((dir) => state.runDir?.startsWith(dir + "/"));
  if (ownRunDir) rmSync(state.runDir, { recursive: true, force: true });
  rmSync(stateDir(state.port), { recursive: true, force: true });
}

async function stop() {
  const ports = REQUESTED_PORT !== undefined ? [REQUESTED_PORT] : recordedPorts();
  if (ports.length === 0) console.error("es: no cluster of this checkout is recorded");
  // A distribution named explicitly limits a stop of every recorded cluster to its own.
  const only = REQUESTED_PORT === undefined && process.env.ES_DISTRIBUTION ? DISTRIBUTION : undefined;
  for (const port of ports) {
    const state = readState(port);
    if (state && only !== undefined && (state.distribution ?? "elasticsearch") !== only) continue;
    if (state) await stopCluster(state);
    else console.error(`es: no cluster of this checkout on port ${port}`);
  }
}

async function status() {
  const ports = REQUESTED_PORT !== undefined ? [REQUESTED_PORT] : recordedPorts();
  let running = 0;
  for (const port of ports) {
    const state = readState(port);
    if (!state || !alive(state.pid) || !startedByUs(state)) {
      console.log(`es: nothing of this checkout running on port ${port}`);
      continue;
    }
    const answer = await health(state);
    running++;
    const answering = answer?.cluster_name === state.clusterName ? answer.status : answer ? `answering as another cluster (${answer.cluster_name})` : "not answering";
    console.log(`${describe(state)}\nhealth: ${answering}`);
  }
  if (ports.length === 0) console.log("es: no cluster of this checkout is recorded");
  if (running === 0) process.exitCode = 3;
}

const commands = { start, stop, status };
const command = commands[process.argv[2]];
if (!command) fail("usage: node scripts/elasticsearch.mjs start [--json] | stop | status");
await command();
