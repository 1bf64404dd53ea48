import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Client } from "@opensearch-project/opensearch";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { describeServers, featureFieldWeight, openSearchServers, testServers, uniqueIndexName } from "../helpers/elasticsearch.js";
import { FILTERS, generateCorpus } from "../helpers/generate.js";
import { expectTuneParity, tandem, jsonl } from "../helpers/cli.js";

const servers = await openSearchServers();
const elasticsearch = (await testServers()).find((s) => s.username === undefined);

const lines = (stdout: string) => stdout.trim().split("\n").map((l) => JSON.parse(l));

/** A port nothing listens on: bound, then released. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

describe("tandem --backend opensearch: usage, before any cluster is reached", () => {
  let work: string;
  beforeAll(async () => {
    work = await mkdtemp(join(tmpdir(), "tandem-cli-os-usage-"));
  });
  afterAll(async () => {
    await rm(work, { recursive: true, force: true });
  });

  it("every command's --help names the opensearch backend and the connection flags", () => {
    for (const command of ["index", "delete", "search", "eval", "calibrate", "tune", "info"]) {
      const r = tandem([command, "--help"], work);
      expect(r.code, command).toBe(0);
      expect(r.stdout, command).toContain("--backend embedded|elasticsearch|opensearch");
      for (const flag of ["--es-url", "--es-index", "--es-username", "--es-password", "--es-ca"]) expect(r.stdout, `${command} ${flag}`).toContain(flag);
    }
    expect(tandem(["--help"], work).stdout).toContain("--backend embedded|elasticsearch|opensearch");
  });

  it("a missing URL or index, an API key (OpenSearch has none) and an unknown backend exit 2 naming the flag", async () => {
    const port = await closedPort();
    const noIndex = tandem(["info", "--backend", "opensearch", "--es-url", `http://127.0.0.1:${port}`], work, { TANDEM_ES_INDEX: "" });
    expect(noIndex.code).toBe(2);
    expect(noIndex.stderr).toMatch(/--es-index \(or TANDEM_ES_INDEX\) is required with --backend opensearch/);
    const noUrl = tandem(["info", "--backend", "opensearch", "--es-index", "x"], work, { TANDEM_ES_URL: "" });
    expect(noUrl.code).toBe(2);
    expect(noUrl.stderr).toMatch(/--es-url \(or TANDEM_ES_URL\) is required with --backend opensearch/);
    const apiKey = tandem(["info", "--backend", "opensearch", "--es-url", `http://127.0.0.1:${port}`, "--es-index", "x", "--es-api-key", "a2V5"], work);
    expect(apiKey.code).toBe(2);
    expect(apiKey.stderr).toMatch(/--es-api-key .*OpenSearch has no API keys/);
    const fromEnv = tandem(["info"], work, { TANDEM_BACKEND: "opensearch", TANDEM_ES_URL: `http://127.0.0.1:${port}`, TANDEM_ES_INDEX: "x", TANDEM_ES_API_KEY: "a2V5" });
    expect(fromEnv.code).toBe(2);
    expect(fromEnv.stderr).toMatch(/OpenSearch has no API keys/);
    const half = tandem(["info", "--backend", "opensearch", "--es-url", `http://127.0.0.1:${port}`, "--es-index", "x", "--es-username", "u"], work);
    expect(half.code).toBe(2);
    expect(half.stderr).toMatch(/a username needs a password/);
    const notUrl = tandem(["info", "--backend", "opensearch", "--es-url", "not a url", "--es-index", "x"], work);
    expect(notUrl.code).toBe(2);
    expect(notUrl.stderr).toMatch(/OpenSearch URL: "not a url" is not a URL/);
    const unknown = tandem(["info", "--backend", "solr"], work);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(/--backend: expected embedded, elasticsearch or opensearch, got "solr"/);
  });

  it("a cluster that cannot be reached exits 1, named as OpenSearch, without a stack trace", async () => {
    const r = tandem(["info", "--backend", "opensearch", "--es-url", `http://127.0.0.1:${await closedPort()}`, "--es-index", "x"], work);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^tandem: cannot reach OpenSearch: ConnectionError/);
    expect(r.stderr).not.toMatch(/\n\s+at /);
  });
});

// Sparse weights as OpenSearch stores them (FeatureFields), so both backends hold the same numbers.
const { docs, queries } = generateCorpus(4343, 300, 8);
for (const d of docs) if (d.sparse) d.sparse = Object.fromEntries(Object.entries(d.sparse).map(([t, w], i) => [t, featureFieldWeight(w + i / 128)]));

describeServers("tandem CLI on OpenSearch $version: a BEIR folder indexed, searched, evaluated and calibrated as on the embedded backend", servers, (server) => {
  let work: string;
  const index = uniqueIndexName("tandem-cli-os");
  const os = ["--backend", "opensearch", "--es-url", server.url, "--es-index", index];

  beforeAll(async () => {
    work = await mkdtemp(join(tmpdir(), "tandem-cli-os-"));
    // A BEIR folder: corpus rows with _id/title/text (and the vectors and fields beside them), queries, qrels.
    const beir = join(work, "beir");
    await mkdir(join(beir, "qrels"), { recursive: true });
    await writeFile(
      join(beir, "corpus.jsonl"),
      jsonl(docs.map(({ id, text, ...rest }, i) => ({ _id: id, ...(text !== undefined ? { title: i % 2 === 0 ? `title ${i}` : "", text } : {}), ...rest }))),
    );
    await writeFile(join(beir, "queries.jsonl"), jsonl(queries.map((q, i) => ({ _id: `q${i}`, sparse: q.sparse, dense: q.dense }))));
    const qrels = queries.flatMap((_, i) => [0, 1, 2, 3, 4].map((k) => `q${i}\td${(i * 37 + k * 61) % docs.length}\t${1 + (k % 2)}`));
    await writeFile(join(beir, "qrels", "test.tsv"), `query-id\tcorpus-id\tscore\n${qrels.join("\n")}\n`);
  });
  afterAll(async () => {
    const client = new Client({ node: server.url });
    await client.indices.delete({ index: [index, `${index}-tandem-attachments`] }, { ignore: [404] });
    await client.close();
    await rm(work, { recursive: true, force: true });
  });

  it("index, exact search per leg and fused, eval, calibrate, delete and info agree with the embedded backend", async () => {
    for (const backend of [["--index", "idx"], os]) {
      const r = tandem(["index", "beir", "--metric", "l2", "--m", "8", ...backend], work);
      expect(r.stderr).toBe("");
      expect(JSON.parse(r.stdout)).toMatchObject({ upserted: 300, documents: 300, dimension: 8, metric: "l2" });
    }
    const compare = (extra: string[]) => {
      const embedded = tandem(["search", "--queries", "beir", "--exact", "--k", "8", "--index", "idx", ...extra], work);
      const remote = tandem(["search", "--queries", "beir", "--exact", "--k", "8", ...os, "--index", "ignored", ...extra], work);
      expect(remote.stderr).toBe("");
      expect(remote.code).toBe(0);
      const a = lines(embedded.stdout);
      const b = lines(remote.stdout);
      expect(b).toHaveLength(queries.length);
      b.forEach((line, i) => {
        expect(line.query).toBe(a[i].query);
        expect(line.hits.length, `${extra.join(" ")} ${line.query}`).toBeGreaterThan(0);
        expect(line.hits.map((h: { id: string }) => h.id), `${extra.join(" ")} ${line.query}`).toEqual(a[i].hits.map((h: { id: string }) => h.id));
        line.hits.forEach((h: { score: number }, j: number) => expect(h.score).toBeCloseTo(a[i].hits[j].score, 4));
      });
    };
    compare(["--legs", "sparse"]);
    compare(["--legs", "dense"]);
    compare(["--fusion", "rrf"]);
    compare(["--fusion", "convex", "--normalize", "zscore", "--filter", JSON.stringify(FILTERS[1])]);

    const evaluate = (backend: string[]) => {
      const r = tandem(["eval", "--queries", "beir", "--qrels", "beir", "--exact", "--fusion", "convex", ...backend], work);
      expect(r.stderr).toBe("");
      expect(r.stdout.trim().split("\n")).toHaveLength(1);
      return JSON.parse(r.stdout) as Record<string, number>;
    };
    const [embeddedEval, remoteEval] = [evaluate(["--index", "idx"]), evaluate(os)];
    expect(remoteEval.queries).toBe(queries.length);
    expect(embeddedEval["ndcg@10"]).toBeGreaterThan(0);
    for (const metric of ["ndcg@10", "recall@100", "mrr@10", "map"]) expect(remoteEval[metric], metric).toBeCloseTo(embeddedEval[metric]!, 9);

    // tune retrieves each query's pool from the cluster and picks the same configuration; eval
    // --report names the cluster index.
    expectTuneParity(work, "beir", "beir", os, `opensearch ${server.url} index ${index}`);

    // Calibration stored in the cluster (the attachments index) is used by later searches there.
    const calibrate = (backend: string[], out: string) => tandem(["calibrate", "--queries", "beir", "--qrels", "beir", "--exact", "--folds", "4", "--out", out, "--store", ...backend], work);
    const fitted = [calibrate(["--index", "idx"], "embedded.json"), calibrate(os, "remote.json")].map((r) => {
      expect(r.stderr).toBe("");
      expect(r.code).toBe(0);
      return JSON.parse(r.stdout) as { ece: number; brier: number };
    });
    expect(fitted[1]!.brier).toBeCloseTo(fitted[0]!.brier, 4);
    const probabilities = (backend: string[]) =>
      lines(tandem(["search", "--queries", "beir", "--exact", "--k", "5", ...backend], work).stdout).flatMap((l) => l.hits.map((h: { probability: number }) => h.probability));
    const [p, q] = [probabilities(["--index", "idx"]), probabilities(os)];
    expect(q.every((x) => typeof x === "number")).toBe(true);
    q.forEach((x, i) => expect(x).toBeCloseTo(p[i], 4));

    await writeFile(join(work, "ids.txt"), "d1\nd5\nnot-there\n");
    for (const backend of [["--index", "idx"], os]) {
      const r = tandem(["delete", "--ids", "ids.txt", ...backend], work);
      expect(JSON.parse(r.stdout)).toMatchObject({ requested: 3, deleted: 2, documents: 298 });
    }
    compare(["--fusion", "convex", "--normalize", "minmax", "--no-calibration"]);
    const info = JSON.parse(tandem(["info", ...os], work).stdout);
    expect(info).toMatchObject({ backend: "opensearch", index, documents: 298, dimension: 8, metric: "l2", server: { distribution: "opensearch", version: server.version, knnPlugin: true } });
  }, 300_000);

  it("the same flags from the environment; bad input exits 2 and loses nothing stored", async () => {
    const env = { TANDEM_BACKEND: "opensearch", TANDEM_ES_URL: server.url, TANDEM_ES_INDEX: index };
    expect(JSON.parse(tandem(["info"], work, env).stdout)).toMatchObject({ backend: "opensearch", documents: 298 });
    await writeFile(join(work, "bad.jsonl"), jsonl([{ id: "ok", sparse: { a: 1 } }, { id: "bad", dense: [1, 2] }]));
    const bad = tandem(["index", "bad.jsonl", ...os], work);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/bad\.jsonl:2: .*dimension/);
    expect(JSON.parse(tandem(["info", ...os], work).stdout).documents).toBe(298);
  });

  it.runIf(elasticsearch !== undefined)("an Elasticsearch cluster named as OpenSearch is refused, exit 1, saying what it is", () => {
    const r = tandem(["info", "--backend", "opensearch", "--es-url", elasticsearch!.url, "--es-index", index], work);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^tandem: the cluster is Elasticsearch \d+\.\d+\.\d+/);
  });
});
