import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, expect, it } from "vitest";
import { clientFor, describeServers, featureFieldWeight, testServers, uniqueIndexName } from "../helpers/elasticsearch.js";
import { FILTERS, generateCorpus } from "../helpers/generate.js";
import { expectTuneParity, tandem, jsonl } from "../helpers/cli.js";

const servers = await testServers();
const open = servers.find((s) => s.username === undefined);
const secured = servers.find((s) => s.username !== undefined);

const lines = (stdout: string) => stdout.trim().split("\n").map((l) => JSON.parse(l));

// Sparse weights as Elasticsearch stores them, so both backends hold the same numbers.
const { docs, queries } = generateCorpus(4242, 300, 8);
for (const d of docs) if (d.sparse) d.sparse = Object.fromEntries(Object.entries(d.sparse).map(([t, w], i) => [t, featureFieldWeight(w + i / 128)]));

describeServers("tandem CLI: the same command lines on both backends (CONTRACT.md)", open && secured ? [open] : [], () => {
  let work: string;
  const index = uniqueIndexName("tandem-cli");
  const securedIndex = uniqueIndexName("tandem-cli-secured");
  const es = ["--backend", "elasticsearch", "--es-url", open!.url, "--es-index", index];

  beforeAll(async () => {
    work = await mkdtemp(join(tmpdir(), "tandem-cli-es-"));
    await writeFile(join(work, "docs.jsonl"), jsonl(docs));
    await writeFile(join(work, "queries.jsonl"), jsonl(queries.map((q, i) => ({ id: `q${i}`, sparse: q.sparse, dense: q.dense }))));
  });
  afterAll(async () => {
    const client = clientFor(open!);
    await client.indices.delete({ index }, { ignore: [404] });
    await client.close();
    const admin = clientFor(secured!);
    await admin.indices.delete({ index: securedIndex }, { ignore: [404] });
    await admin.close();
    await rm(work, { recursive: true, force: true });
  });

  it("index, exact search per leg and fused, delete and info agree with the embedded backend", async () => {
    for (const backend of [["--index", "idx"], es]) {
      const r = tandem(["index", "docs.jsonl", "--metric", "l2", ...backend], work);
      expect(r.stderr).toBe("");
      expect(JSON.parse(r.stdout)).toMatchObject({ upserted: 300, documents: 300, dimension: 8, metric: "l2" });
    }
    const compare = (extra: string[]) => {
      const embedded = tandem(["search", "--queries", "queries.jsonl", "--exact", "--k", "8", "--index", "idx", ...extra], work);
      const remote = tandem(["search", "--queries", "queries.jsonl", "--exact", "--k", "8", ...es, "--index", "ignored", ...extra], work);
      expect(remote.stderr).toBe("");
      expect(remote.code).toBe(0);
      const a = lines(embedded.stdout);
      const b = lines(remote.stdout);
      expect(b).toHaveLength(a.length);
      b.forEach((line, i) => {
        expect(line.query).toBe(a[i].query);
        expect(line.hits.map((h: { id: string }) => h.id), `${extra.join(" ")} ${line.query}`).toEqual(a[i].hits.map((h: { id: string }) => h.id));
        line.hits.forEach((h: { score: number }, j: number) => expect(h.score).toBeCloseTo(a[i].hits[j].score, 4));
      });
    };
    compare(["--legs", "sparse"]);
    compare(["--legs", "dense"]);
    compare(["--fusion", "rrf"]);
    compare(["--fusion", "convex", "--normalize", "zscore", "--filter", JSON.stringify(FILTERS[1])]);

    // tune retrieves each query's pool from the cluster and picks the same configuration; eval
    // --report names the cluster index.
    const qrels = queries.flatMap((_, i) => [0, 1, 2, 3, 4].map((k) => `q${i}\t${docs[(i * 37 + k * 61) % docs.length]!.id}\t${1 + (k % 2)}`));
    await writeFile(join(work, "qrels.tsv"), `query-id\tcorpus-id\tscore\n${qrels.join("\n")}\n`);
    expectTuneParity(work, "queries.jsonl", "qrels.tsv", es, `elasticsearch ${open!.url} index ${index}`);

    await writeFile(join(work, "ids.txt"), "d1\nd5\nnot-there\n");
    for (const backend of [["--index", "idx"], es]) {
      const r = tandem(["delete", "--ids", "ids.txt", ...backend], work);
      expect(JSON.parse(r.stdout)).toMatchObject({ requested: 3, deleted: 2, documents: 298 });
    }
    compare(["--fusion", "convex", "--normalize", "minmax"]);
    const info = JSON.parse(tandem(["info", ...es], work).stdout);
    expect(info).toMatchObject({ backend: "elasticsearch", index, documents: 298, dimension: 8, metric: "l2", server: { version: open!.version } });
  }, 300_000);

  it("credentials from the environment; wrong ones exit 1 with the server's refusal, bad input exits 2", async () => {
    const env = { TANDEM_ES_URL: secured!.url, TANDEM_ES_INDEX: securedIndex, TANDEM_ES_USERNAME: secured!.username!, TANDEM_ES_PASSWORD: secured!.password!, TANDEM_ES_CA: secured!.ca! };
    const ok = tandem(["index", "docs.jsonl", "--backend", "elasticsearch"], work, env);
    expect(ok.stderr).toBe("");
    expect(JSON.parse(ok.stdout)).toMatchObject({ upserted: 300 });
    const flags = ["--es-url", secured!.url, "--es-index", securedIndex, "--es-username", secured!.username!, "--es-password", secured!.password!, "--es-ca", secured!.ca!];
    expect(JSON.parse(tandem(["info", "--backend", "elasticsearch", ...flags], work).stdout)).toMatchObject({ documents: 300 });
    const denied = tandem(["info", "--backend", "elasticsearch"], work, { ...env, TANDEM_ES_PASSWORD: "wrong" });
    expect(denied.code).toBe(1);
    expect(denied.stderr).toMatch(/^tandem: cannot reach Elasticsearch: HTTP 401: security_exception/);
    expect(denied.stderr).not.toMatch(/\n\s+at /);

    await writeFile(join(work, "bad.jsonl"), jsonl([{ id: "ok", sparse: { a: 1 } }, { id: "bad", dense: [1, 2] }]));
    const bad = tandem(["index", "bad.jsonl", ...es], work);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/bad\.jsonl:2: .*dimension/);
    expect(JSON.parse(tandem(["info", ...es], work).stdout).documents).toBe(298);
    const missing = tandem(["info", "--backend", "elasticsearch", "--es-url", open!.url], work);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/--es-index/);
  });
});
