import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Client as OpenSearchClient } from "@opensearch-project/opensearch";
import { afterAll, beforeAll, expect, it } from "vitest";
import { ElasticsearchIndex, type ElasticsearchOpenOptions, type ElasticsearchStats } from "../../../plugins/elasticsearch/index.js";
import { OpenSearchIndex } from "../../../plugins/opensearch/index.js";
import { HybridIndex, type Document, type Filter, type Metric, type SearchHit, type SearchIndex, type SearchQuery } from "../../../src/index.js";
import { clientFor, describeServers, featureFieldWeight, openSearchServers, testServers, uniqueIndexName, type TestServer } from "../../helpers/elasticsearch.js";
import { expectSameTopK, referenceDense, referenceLeg, referenceTopK } from "../../helpers/brute-force.js";
import { FILTERS, METRICS, generateCorpus } from "../../helpers/generate.js";

// The same documents go into an embedded index and an Elasticsearch (or OpenSearch) index; exact
// queries must give the same hits per leg and fused. Sparse weights are stored as the cluster
// keeps them (FeatureField precision, the same in both) so both engines hold the same numbers;
// what remains is float32 summation order, hence the small tolerances.
const servers = (await testServers()).filter((s) => s.username === undefined);

type ClusterIndex = Omit<SearchIndex, "stats"> & { stats(): Promise<ElasticsearchStats> };

/** One cluster's backend, as the suite drives it. */
interface ClusterBackend {
  open(options: ElasticsearchOpenOptions): Promise<ClusterIndex>;
  drop(index: string): Promise<void>;
  close(): Promise<void>;
  /** The sparse queries the backend offers (`sparseQuery`); OpenSearch has one, rank_feature. */
  sparseQueries: (ElasticsearchOpenOptions["sparseQuery"] | undefined)[];
}

function elasticsearchBackend(server: TestServer): ClusterBackend {
  const client = clientFor(server);
  return {
    open: (options) => ElasticsearchIndex.open(client, options),
    drop: async (index) => void (await client.indices.delete({ index }, { ignore: [404] })),
    close: () => client.close(),
    sparseQueries: ["sparse_vector", "terms"],
  };
}

function openSearchBackend(server: TestServer): ClusterBackend {
  const client = new OpenSearchClient({ node: server.url });
  return {
    // k-NN fields are HNSW (exact queries score by script); the sparse leg is rank_feature.
    open: ({ denseIndexType: _, sparseQuery: __, ...options }) => OpenSearchIndex.open(client, options),
    drop: async (index) => void (await client.indices.delete({ index }, { ignore: [404] })),
    close: () => client.close(),
    sparseQueries: [undefined],
  };
}

const DIMENSION = 16;
const CANDIDATES = 40;
const { docs: generated, queries } = generateCorpus(77, 400, DIMENSION);
const asStored = (d: Document): Document =>
  d.sparse ? { ...d, sparse: Object.fromEntries(Object.entries(d.sparse).map(([t, w], i) => [t, featureFieldWeight(w + ((d.id.length * 7 + i) % 13) / 64)])) } : d;
// Weights are nudged off the generator's quarter steps: equal fused scores at the candidate cut
// could otherwise leave different (equally good) candidate pools in the two engines.
const docs: Document[] = generated.map(asStored);
const original = new Map(docs.map((d) => [d.id, d]));
const FILTER_CASES: (Filter | undefined)[] = [undefined, ...FILTERS];

/** Scores agree to float32 rounding (relative), recovered kNN scores to float32 `_score` precision. */
const within = (a: number, b: number) => Math.abs(a - b) <= 2e-5 * Math.max(1, Math.abs(a), Math.abs(b));

/**
 * Same hits in the same order, except that hits whose scores are equal within tolerance may
 * swap (two engines may round a tie differently); `exact` gives any id's exact score.
 */
function expectSameRanking(actual: SearchHit[], expected: SearchHit[], exact: (id: string) => number | undefined, context: string) {
  expect(actual.length, context).toBe(expected.length);
  actual.forEach((hit, i) => {
    expect(within(hit.score, expected[i]!.score), `${context}: score at ${i + 1}: ${hit.score} vs ${expected[i]!.score}`).toBe(true);
    if (hit.id !== expected[i]!.id) {
      const score = exact(hit.id);
      expect(score !== undefined && within(score, expected[i]!.score), `${context}: ${hit.id} at ${i + 1} instead of ${expected[i]!.id}`).toBe(true);
    }
  });
}

describeServers("Elasticsearch $version: same answers as the embedded engine", servers, (server) => parity(() => elasticsearchBackend(server)));
describeServers("OpenSearch $version: same answers as the embedded engine", await openSearchServers(), (server) => parity(() => openSearchBackend(server)));

function parity(connect: () => ClusterBackend) {
  let backend: ClusterBackend;
  let dir: string;
  const pairs = new Map<Metric, { embedded: HybridIndex; es: ClusterIndex; name: string }>();

  beforeAll(async () => {
    backend = connect();
    dir = await mkdtemp(join(tmpdir(), "tandem-es-parity-"));
    for (const metric of METRICS) {
      const name = uniqueIndexName(`tandem-parity-${metric}`);
      const embedded = await HybridIndex.open(join(dir, metric), { metric });
      const es = await backend.open({ index: name, metric, denseIndexType: "flat", shards: 1, replicas: 0 });
      await embedded.upsert(docs);
      expect((await es.upsert(docs)).upserted).toBe(docs.length);
      pairs.set(metric, { embedded, es, name });
    }
  });
  afterAll(async () => {
    for (const { embedded, es, name } of pairs.values()) {
      await embedded.close();
      await es.close();
      await backend.drop(name);
    }
    await backend.close();
    await rm(dir, { recursive: true, force: true });
  });

  const both = async (metric: Metric, query: SearchQuery) => {
    const { embedded, es } = pairs.get(metric)!;
    const full = { ...query, exact: true, candidates: CANDIDATES };
    return { embedded: (await embedded.search(full)).hits, es: (await es.search(full)).hits };
  };

  /** Exact per-leg score of any document, from the embedded engine's completion path. */
  const exactLeg = (metric: Metric, query: SearchQuery, leg: "sparse" | "dense") => {
    const scores = new Map<string, number>();
    return async (hits: SearchHit[]) => {
      const all = await pairs.get(metric)!.embedded.search({ ...query, legs: [leg], k: docs.length, candidates: docs.length, exact: true });
      for (const h of all.hits) scores.set(h.id, h.score);
      return (id: string) => scores.get(id) ?? (hits.find((h) => h.id === id) ? undefined : undefined);
    };
  };

  it("sparse leg (each sparse query the backend has): same top-k and scores, with and without filters", async () => {
    for (const sparseQuery of backend.sparseQueries) await sparseParity(sparseQuery);
  });

  async function sparseParity(sparseQuery: ElasticsearchOpenOptions["sparseQuery"] | undefined) {
    const { name } = pairs.get("cosine")!;
    const es = await backend.open({ index: name, sparseQuery, readOnly: true });
    for (const q of queries.slice(0, 8)) {
      for (const filter of FILTER_CASES) {
        const query: SearchQuery = { sparse: q.sparse, legs: ["sparse"], k: 20, filter, exact: true, candidates: CANDIDATES };
        const embedded = (await pairs.get("cosine")!.embedded.search(query)).hits;
        const exact = await exactLeg("cosine", query, "sparse")(embedded);
        expectSameRanking((await es.search(query)).hits, embedded, exact, `sparse (${sparseQuery ?? "default"}) ${JSON.stringify(filter)}`);
      }
    }
    await es.close();
  }

  it.each(METRICS)("dense leg (%s): same top-k and raw similarities, with and without filters", async (metric) => {
    for (const q of queries.slice(0, 6)) {
      for (const filter of FILTER_CASES) {
        const query: SearchQuery = { dense: q.dense, legs: ["dense"], k: 20, filter };
        const { embedded, es } = await both(metric, query);
        expect(embedded.length).toBeGreaterThan(0);
        const exact = await exactLeg(metric, query, "dense")(embedded);
        expectSameRanking(es, embedded, exact, `dense ${metric} ${JSON.stringify(filter)}`);
      }
    }
  });

  it("fused results: rrf, convex zscore with score completion, dbsf; relevance filtering", async () => {
    const fusions: SearchQuery[] = [
      { fusion: { method: "rrf" } },
      { fusion: { method: "convex", normalize: "zscore" } },
      { fusion: { method: "convex", normalize: "minmax", weights: { sparse: 0.3, dense: 0.7 } } },
      { fusion: { method: "dbsf" } },
      { fusion: { method: "convex" }, relevance: { minSparse: 1, relative: 0.5 } },
    ];
    for (const q of queries.slice(0, 6)) {
      for (const options of fusions) {
        for (const filter of [undefined, FILTERS[1], FILTERS[3]]) {
          const query: SearchQuery = { sparse: q.sparse, dense: q.dense, k: 10, filter, ...options };
          const { embedded, es } = await both("cosine", query);
          expectSameRanking(es, embedded, () => undefined, `fused ${JSON.stringify(options)} ${JSON.stringify(filter)}`);
          for (const [i, hit] of es.entries()) {
            const ref = embedded[i]!;
            if (hit.id !== ref.id) continue;
            for (const leg of ["sparse", "dense"] as const) {
              expect(hit.legs[leg]?.rank, `${leg} rank of ${hit.id}`).toBe(ref.legs[leg]?.rank);
              expect(hit.legs[leg]?.completed, `${leg} completion of ${hit.id}`).toBe(ref.legs[leg]?.completed);
              if (ref.legs[leg]?.score !== undefined) expect(within(hit.legs[leg]!.score!, ref.legs[leg].score)).toBe(true);
            }
          }
        }
      }
    }
  });

  it("explain ids: the same status, leg ranks, exact scores and fused rank for any id, retrieved or not", async () => {
    const ids = [...docs.slice(0, 40).map((d) => d.id), "no-such-id"];
    for (const q of queries.slice(0, 3)) {
      for (const filter of [undefined, FILTERS[1]]) {
        const query: SearchQuery = { sparse: q.sparse, dense: q.dense, k: 10, filter, relevance: { relative: 0.6 }, explain: { ids } };
        const { embedded, es } = pairs.get("cosine")!;
        const full = { ...query, exact: true, candidates: CANDIDATES };
        const [a, b] = [(await es.search(full)).explainIds!, (await embedded.search(full)).explainIds!];
        expect(a.map((e) => e.id)).toEqual(ids);
        a.forEach((x, i) => {
          const y = b[i]!;
          const context = `${x.id} ${JSON.stringify(filter)}`;
          expect([x.exists, x.matchesFilter, x.status, x.fusedRank, x.dropped?.rule], context).toEqual([y.exists, y.matchesFilter, y.status, y.fusedRank, y.dropped?.rule]);
          expect(x.score === undefined ? y.score === undefined : within(x.score, y.score!), `${context}: fused ${x.score} vs ${y.score}`).toBe(true);
          for (const leg of ["sparse", "dense"] as const) {
            const [l, m] = [x.legs[leg], y.legs[leg]];
            expect([l?.retrieved, l?.rank], `${context} ${leg}`).toEqual([m?.retrieved, m?.rank]);
            expect(l?.score === undefined ? m?.score === undefined : within(l.score, m!.score!), `${context} ${leg}: ${l?.score} vs ${m?.score}`).toBe(true);
          }
        });
      }
    }
  });

  it("after upserts (some replacing, some dropping a leg) and deletes", async () => {
    const { embedded, es } = pairs.get("cosine")!;
    const replaced = docs.slice(0, 40).map((d, i): Document => (i % 2 === 0 ? { ...d, sparse: undefined } : { ...d, dense: undefined, fields: { year: 1990, lang: "fr" } }));
    const fresh = generateCorpus(5, 30, DIMENSION, "new").docs.map(asStored);
    const deleted = docs.slice(100, 140).map((d) => d.id);
    for (const index of [embedded, es]) {
      await index.upsert([...replaced, ...fresh]);
      expect((await index.delete([...deleted, "no-such-id"])).deleted).toBe(deleted.length);
    }
    expect((await es.stats()).documents).toBe((await embedded.stats()).documents);
    for (const q of queries.slice(8, 14)) {
      for (const filter of [undefined, { term: { lang: "fr" } }, FILTERS[0]]) {
        for (const legs of [["sparse"], ["dense"]] as const) {
          const query: SearchQuery = { sparse: q.sparse, dense: q.dense, legs: [...legs], k: 15, filter };
          const res = await both("cosine", query);
          const exact = await exactLeg("cosine", query, legs[0])(res.embedded);
          expectSameRanking(res.es, res.embedded, exact, `${legs[0]} after writes ${JSON.stringify(filter)}`);
          for (const hit of res.es) expect(deleted).not.toContain(hit.id);
        }
      }
    }
    const doc = await es.get(replaced[1]!.id);
    expect(doc).toMatchObject({ id: replaced[1]!.id, fields: { year: 1990, lang: "fr" } });
    expect(doc?.dense).toBeUndefined();
    expect(await es.get(deleted[0]!)).toBeUndefined();
  });

  it("HNSW-indexed field: exact queries equal the embedded exact answers; default ones reach recall@10 ≥ 0.95", async () => {
    const name = uniqueIndexName("tandem-parity-hnsw");
    const es = await backend.open({ index: name, metric: "cosine", shards: 1, replicas: 0, hnsw: { M: 8, efConstruction: 50 } });
    try {
      await es.upsert(docs);
      expect((await es.stats()).denseIndexType).toBe("hnsw");
      let found = 0;
      let wanted = 0;
      for (const q of queries) {
        for (const filter of [undefined, FILTERS[0], FILTERS[5]]) {
          const query: SearchQuery = { dense: q.dense, legs: ["dense"], k: 10, filter, candidates: 10 };
          const all = referenceLeg(original, (d) => referenceDense("cosine", q.dense, d.dense), filter);
          expectSameTopK((await es.search({ ...query, exact: true })).hits, all, 10);
          const reference = referenceTopK(all, 10);
          const approximate = new Set((await es.search(query)).hits.map((h) => h.id));
          found += reference.filter((h) => approximate.has(h.id)).length;
          wanted += reference.length;
        }
      }
      expect(found / wanted).toBeGreaterThanOrEqual(0.95);
    } finally {
      await es.close();
      await backend.drop(name);
    }
  });

  it("get returns what was stored", async () => {
    const { es } = pairs.get("l2")!;
    const original = docs.find((d) => d.sparse && d.dense && d.text)!;
    const stored = await es.get(original.id);
    expect(stored?.text).toBe(original.text);
    expect(stored?.sparse).toEqual(original.sparse);
    expect(stored?.fields).toEqual(original.fields);
    stored!.dense!.forEach((x, i) => expect(x).toBeCloseTo(Math.fround(original.dense![i] as number), 6));
  });
}
