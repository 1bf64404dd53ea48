import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Client } from "@elastic/elasticsearch";
import { afterAll, beforeAll, expect, it } from "vitest";
import { ElasticsearchIndex } from "../../../plugins/elasticsearch/index.js";
import { DEFAULT_FIELDS, newIndexBody } from "../../../plugins/elasticsearch/index-layout.js";
import { HybridIndex, type CompletionPath, type Document, type SearchHit, type SearchQuery } from "../../../src/index.js";
import { clientFor, describeServers, featureFieldWeight, testServers, uniqueIndexName } from "../../helpers/elasticsearch.js";
import { FILTERS, generateCorpus } from "../../helpers/generate.js";

// Score completion on Elasticsearch takes one of two paths: the legs' hits carry the vectors and
// sparse weights the other legs need and completion is computed in the process (one round trip),
// or, when the index cannot return them with the hits (a mapping that leaves them out of
// _source), a second request asks the cluster. Both must give the embedded engine's answers.
const servers = (await testServers()).filter((s) => s.username === undefined);

const DIMENSION = 12;
const CANDIDATES = 30;
const { docs: generated, queries } = generateCorpus(4242, 300, DIMENSION);
// Weights as the cluster stores them, nudged off the generator's quarter steps (see parity.test.ts).
const docs: Document[] = generated.map((d) =>
  d.sparse ? { ...d, sparse: Object.fromEntries(Object.entries(d.sparse).map(([t, w], i) => [t, featureFieldWeight(w + ((d.id.length * 5 + i) % 11) / 64)])) } : d,
);

const within = (a: number, b: number) => Math.abs(a - b) <= 2e-5 * Math.max(1, Math.abs(a), Math.abs(b));

function expectSameHits(actual: SearchHit[], expected: SearchHit[], context: string) {
  expect(actual.map((h) => h.id), context).toEqual(expected.map((h) => h.id));
  actual.forEach((hit, i) => {
    const ref = expected[i]!;
    expect(within(hit.score, ref.score), `${context}: score of ${hit.id}: ${hit.score} vs ${ref.score}`).toBe(true);
    for (const leg of ["sparse", "dense"] as const) {
      expect([hit.legs[leg]?.rank, hit.legs[leg]?.completed], `${context}: ${leg} of ${hit.id}`).toEqual([ref.legs[leg]?.rank, ref.legs[leg]?.completed]);
      const [a, b] = [hit.legs[leg]?.score, ref.legs[leg]?.score];
      expect(a === undefined ? b === undefined : within(a, b!), `${context}: ${leg} score of ${hit.id}: ${a} vs ${b}`).toBe(true);
    }
  });
}

/** Index layouts: Tandem's own, and attached indexes whose `_source` leaves vectors out. */
const LAYOUTS: { label: string; excludes?: string[]; path: CompletionPath }[] = [
  { label: "vectors in _source", path: "hits" },
  { label: "dense left out of _source", excludes: ["dense"], path: "hits" },
  { label: "sparse and dense left out of _source", excludes: ["sparse", "dense"], path: "second-request" },
];

describeServers("Elasticsearch $version: score completion from the hits and from a second request", servers, (server) => {
  let client: Client;
  let dir: string;
  let embedded: HybridIndex;
  const indexes: { es: ElasticsearchIndex; name: string }[] = [];
  let searches = 0;

  beforeAll(async () => {
    client = clientFor(server);
    client.diagnostic.on("request", (err, event) => {
      if (!err && event?.meta.request.params.path.endsWith("/_msearch")) searches++;
    });
    dir = await mkdtemp(join(tmpdir(), "tandem-es-completion-"));
    embedded = await HybridIndex.open(dir, { metric: "cosine" });
    await embedded.upsert(docs);
    for (const layout of LAYOUTS) {
      const name = uniqueIndexName("tandem-completion");
      if (layout.excludes) {
        // Made outside Tandem (as an existing index would be), then attached.
        const body = newIndexBody(DEFAULT_FIELDS, { metric: "cosine", dimension: DIMENSION, denseIndexType: "flat", shards: 1, replicas: 0 }) as { mappings: Record<string, unknown> };
        await client.indices.create({ index: name, ...body, mappings: { ...body.mappings, _source: { excludes: layout.excludes } } });
      }
      const es = await ElasticsearchIndex.open(client, { index: name, metric: "cosine", denseIndexType: "flat", shards: 1, replicas: 0, completeFrom: "hits" });
      expect((await es.upsert(docs)).upserted).toBe(docs.length);
      indexes.push({ es, name });
    }
  });
  afterAll(async () => {
    await embedded.close();
    for (const { es, name } of indexes) {
      await es.close();
      await client.indices.delete({ index: name }, { ignore: [404] });
    }
    await client.close();
    await rm(dir, { recursive: true, force: true });
  });

  it.each(LAYOUTS.map((l, i) => [l.label, i] as const))("%s: the embedded engine's hits, leg scores and completions; explain names the path", async (_, i) => {
    const { es } = indexes[i]!;
    const { path } = LAYOUTS[i]!;
    const fusions: SearchQuery[] = [
      { fusion: { method: "convex", normalize: "zscore" } },
      { fusion: { method: "convex", normalize: "minmax", weights: { sparse: 0.4, dense: 1 } } },
      { fusion: { method: "dbsf" } },
      { fusion: { method: "rrf" }, relevance: { minDense: 0 } },
    ];
    let completed = 0;
    for (const q of queries.slice(0, 6)) {
      for (const options of fusions) {
        for (const filter of [undefined, FILTERS[1], FILTERS[3]]) {
          const query: SearchQuery = { sparse: q.sparse, dense: q.dense, text: q.text, legs: ["sparse", "dense"], k: 10, filter, exact: true, candidates: CANDIDATES, ...options };
          const context = `${JSON.stringify(options)} ${JSON.stringify(filter)}`;
          const before = searches;
          const result = await es.search(query);
          const requests = searches - before;
          const reference = await embedded.search(query);
          expectSameHits(result.hits, reference.hits, context);
          const explained = await es.search({ ...query, explain: true });
          const { completion } = explained;
          expect((await embedded.search({ ...query, explain: true })).completion, context).toBe(completion === "none" ? "none" : "stored");
          if (completion === "none") {
            expect(result.hits.some((h) => h.legs.sparse?.completed || h.legs.dense?.completed), context).toBe(false);
            expect(requests, context).toBe(1);
            continue;
          }
          completed++;
          expect(completion, context).toBe(path);
          // One round trip on the hits path, two when the cluster is asked.
          expect(requests, context).toBe(path === "hits" ? 1 : 2);
        }
      }
    }
    expect(completed).toBeGreaterThan(40);
  });

  it("with the text leg too, its hits carry both vectors: the same answers as a second request", async () => {
    let completed = 0;
    for (const q of queries.slice(0, 8)) {
      for (const filter of [undefined, FILTERS[0]]) {
        const query: SearchQuery = { sparse: q.sparse, dense: q.dense, text: q.text, k: 10, filter, exact: true, candidates: CANDIDATES, explain: true };
        const [fromHits, fromRequest] = [await indexes[0]!.es.search(query), await indexes[2]!.es.search(query)];
        if (fromHits.completion === "none") continue;
        completed++;
        expect([fromHits.completion, fromRequest.completion]).toEqual(["hits", "second-request"]);
        expectSameHits(fromHits.hits, fromRequest.hits, `text ${JSON.stringify(filter)}`);
        expect(fromHits.hits.map((h) => h.legs.text?.rank)).toEqual(fromRequest.hits.map((h) => h.legs.text?.rank));
      }
    }
    expect(completed).toBeGreaterThan(8);
  });

  it("token pruning (prune: true): returned sparse scores are exact, the rescore adds back what pruned tokens contribute", async () => {
    const pruned = await ElasticsearchIndex.open(client, { index: indexes[0]!.name, prune: true, readOnly: true });
    // Heavy head tokens make pruning bite: frequent, and light against the query's heaviest token.
    const frequent = Object.entries(docs.flatMap((d) => Object.keys(d.sparse ?? {})).reduce<Record<string, number>>((n, t) => ((n[t] = (n[t] ?? 0) + 1), n), {}))
      .sort((a, b) => b[1] - a[1])
      .slice(0, 6)
      .map(([t]) => t);
    let hits = 0;
    for (const q of queries.slice(0, 8)) {
      const sparse = { ...q.sparse, ...Object.fromEntries(frequent.map((t) => [t, 0.01])) };
      const query: SearchQuery = { sparse, legs: ["sparse"], k: 20, candidates: CANDIDATES };
      const exact = new Map((await embedded.search({ ...query, k: docs.length, candidates: docs.length })).hits.map((h) => [h.id, h.score]));
      for (const hit of (await pruned.search(query)).hits) {
        hits++;
        expect(within(hit.score, exact.get(hit.id)!), `${hit.id}: ${hit.score} vs exact ${exact.get(hit.id)}`).toBe(true);
      }
    }
    expect(hits).toBeGreaterThan(100);
    await pruned.close();
  });

  it("by default completion is a second request, with the same answers as from the hits", async () => {
    const byRequest = await ElasticsearchIndex.open(client, { index: indexes[0]!.name, readOnly: true });
    let completed = 0;
    for (const q of queries.slice(0, 6)) {
      const query: SearchQuery = { sparse: q.sparse, dense: q.dense, legs: ["sparse", "dense"], k: 10, exact: true, candidates: CANDIDATES, explain: true };
      const [a, b] = [await byRequest.search(query), await indexes[0]!.es.search(query)];
      if (a.completion === "none") continue;
      completed++;
      expect([a.completion, b.completion]).toEqual(["second-request", "hits"]);
      expectSameHits(a.hits, b.hits, "default path");
    }
    expect(completed).toBeGreaterThan(3);
    await byRequest.close();
  });

  it("rrf without per-leg thresholds completes nothing and fetches no vectors", async () => {
    const q = queries[0]!;
    const result = await indexes[0]!.es.search({ sparse: q.sparse, dense: q.dense, k: 10, fusion: { method: "rrf" }, explain: true });
    expect(result.completion).toBe("none");
    expect(result.hits.every((h) => !h.legs.sparse?.completed && !h.legs.dense?.completed)).toBe(true);
  });
});
