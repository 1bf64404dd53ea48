import { execFileSync, spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

/**
 * The package as a user gets it: `npm pack` of this checkout (as built by `npm run build`),
 * installed from the tarball into fresh projects with npm's cache (no registry round trip for
 * what the cache holds), once without the optional peer dependencies and once with them.
 */
const ROOT = resolve(import.meta.dirname, "..", "..");
const TSC = join(ROOT, "node_modules", "typescript", "bin", "tsc");
/** Published tarballs are kept small: code and licences only, no data. */
const MAX_PACKED_BYTES = 1_000_000;
const NPM_FLAGS = ["--prefer-offline", "--no-audit", "--no-fund", "--ignore-scripts", "--loglevel=error"];

/** The version of a dependency this checkout has installed, which npm's cache therefore holds. */
const installed = (name: string) => `${name}@${(JSON.parse(readFileSync(join(ROOT, "node_modules", name, "package.json"), "utf8")) as { version: string }).version}`;

function sh(command: string, args: string[], cwd: string): string {
  const r = spawnSync(command, args, { cwd, encoding: "utf8", env: { ...process.env, npm_config_update_notifier: "false" } });
  if (r.status !== 0) throw new Error(`${command} ${args.join(" ")} (in ${cwd}) exited ${r.status}:\n${r.stderr}\n${r.stdout}`);
  return r.stdout;
}

/** A new npm project in `dir` with the tarball and `extra` packages installed. */
function project(dir: string, tarball: string, extra: string[]): string {
  mkdirSync(dir);
  writeFileSync(join(dir, "package.json"), JSON.stringify({ name: "tandem-consumer", private: true, type: "module" }));
  sh("npm", ["install", ...NPM_FLAGS, tarball, ...extra], dir);
  return dir;
}

/** Runs an ES module in the project and returns what it printed as JSON. */
function runModule(dir: string, source: string): unknown {
  writeFileSync(join(dir, "check.mjs"), source);
  return JSON.parse(sh(process.execPath, ["check.mjs"], dir));
}

/** Imports an entry point; reports what it exports or the error code it failed with. */
const IMPORT_ALL = `
const result = {};
for (const entry of ["tandem-search", "tandem-search/backend", "tandem-search/encoders", "tandem-search/flexsearch", "tandem-search/elasticsearch", "tandem-search/opensearch"]) {
  try {
    result[entry] = { exports: Object.keys(await import(entry)).sort() };
  } catch (err) {
    result[entry] = { code: err.code, name: err.name, message: err.message };
  }
}
console.log(JSON.stringify(result));
`;

let work: string;
let tarball: string;
let packed: { size: number; unpackedSize: number; files: { path: string }[] };

beforeAll(async () => {
  if (!existsSync(join(ROOT, "dist", "src", "index.js"))) throw new Error("the package test needs the build: npm run build");
  work = await mkdtemp(join(tmpdir(), "tandem-pack-"));
  // Scripts off: the build is the one under test (npm test builds first), not a second one racing it.
  const report = JSON.parse(execFileSync("npm", ["pack", "--json", "--ignore-scripts", "--pack-destination", work, "--loglevel=error"], { cwd: ROOT, encoding: "utf8" })) as (typeof packed & { filename: string })[];
  packed = report[0]!;
  tarball = join(work, report[0]!.filename);
}, 60_000);
afterAll(async () => {
  if (work) await rm(work, { recursive: true, force: true });
});

describe("the npm package", () => {
  it("holds code and licences only, under 1 MB packed", () => {
    expect(packed.size).toBeLessThan(MAX_PACKED_BYTES);
    const paths = packed.files.map((f) => f.path);
    expect(paths).toEqual(expect.arrayContaining(["LICENSE", "README.md", "package.json", "dist/src/index.js", "dist/src/index.d.ts", "dist/src/cli/bin.js"]));
    const other = paths.filter((p) => !["LICENSE", "README.md", "package.json"].includes(p) && !/^dist\/(src|plugins)\/.+\.(js|d\.ts)$/.test(p));
    expect(other).toEqual([]);
    // Every shipped file is built from a source file that exists: no leftovers of deleted sources.
    const orphans = paths.filter((p) => p.startsWith("dist/") && !existsSync(join(ROOT, p.replace(/^dist\//, "").replace(/(\.d\.ts|\.js)$/, ".ts"))));
    expect(orphans).toEqual([]);
    expect(readFileSync(join(ROOT, "LICENSE"), "utf8")).toMatch(/Apache License\s+Version 2\.0, January 2004/);
  });

  describe("installed without the optional peer dependencies", () => {
    let dir: string;
    beforeAll(() => {
      dir = project(join(work, "embedded-only"), tarball, []);
    }, 120_000);

    it("installs neither Elasticsearch's client nor FlexSearch", () => {
      expect(existsSync(join(dir, "node_modules", "tandem-search", "dist", "src", "index.js"))).toBe(true);
      expect(existsSync(join(dir, "node_modules", "@elastic", "elasticsearch"))).toBe(false);
      expect(existsSync(join(dir, "node_modules", "flexsearch"))).toBe(false);
    });

    it("loads the core and the encoders; a plugin whose peer is absent fails with MISSING_PLUGIN naming it", () => {
      const result = runModule(dir, IMPORT_ALL) as Record<string, { exports?: string[]; code?: string; message?: string }>;
      expect(result["tandem-search"]!.exports).toEqual(expect.arrayContaining(["HybridIndex", "MissingPluginError", "evaluateRun"]));
      // What a backend needs is its own entry point, not the users' API.
      expect(result["tandem-search"]!.exports).not.toContain("runSearch");
      expect(result["tandem-search/backend"]!.exports).toEqual(expect.arrayContaining(["runSearch", "resolveQuery", "validateDocuments", "scoreSparseVectors", "compareIds"]));
      expect(result["tandem-search/encoders"]!.exports).toEqual(expect.arrayContaining(["Bm25Encoder", "TransformersDenseEncoder"]));
      expect(result["tandem-search/flexsearch"]).toMatchObject({ code: "MISSING_PLUGIN", message: expect.stringMatching(/flexsearch is not installed \(npm install flexsearch/) });
      expect(result["tandem-search/elasticsearch"]).toMatchObject({
        code: "MISSING_PLUGIN",
        message: expect.stringMatching(/@elastic\/elasticsearch is not installed \(npm install @elastic\/elasticsearch/),
      });
      // Takes the caller's OpenSearch client and loads none itself (connect loads it when called).
      expect(result["tandem-search/opensearch"]!.exports).toEqual(["OpenSearchIndex", "connect"]);
      const transformers = runModule(
        dir,
        `import { TransformersDenseEncoder } from "tandem-search/encoders";
         const err = await TransformersDenseEncoder.load("some-model").catch((e) => e);
         console.log(JSON.stringify({ code: err.code, message: err.message }));`,
      );
      expect(transformers).toMatchObject({ code: "MISSING_PLUGIN", message: expect.stringMatching(/@huggingface\/transformers is not installed/) });
    });

    it("runs the CLI: an embedded index without the text leg", () => {
      expect(sh("npx", ["--no-install", "tandem", "--help"], dir)).toMatch(/^tandem — sparse-dense hybrid search/);
      writeFileSync(join(dir, "docs.jsonl"), '{"id":"d1","text":"bone fracture","sparse":{"bone":1}}\n{"id":"d2","sparse":{"skin":1}}\n');
      writeFileSync(join(dir, "queries.jsonl"), '{"id":"q1","sparse":{"bone":2}}\n');
      expect(JSON.parse(sh("npx", ["--no-install", "tandem", "index", "docs.jsonl", "--index", "idx"], dir))).toMatchObject({ upserted: 2 });
      const line = JSON.parse(sh("npx", ["--no-install", "tandem", "search", "--index", "idx", "--queries", "queries.jsonl"], dir)) as { hits: { id: string }[] };
      expect(line.hits.map((h) => h.id)).toEqual(["d1"]);
    });

    it("the cluster backends without their client packages: exit 2 naming the package to install", () => {
      for (const [backend, peer] of [["opensearch", "@opensearch-project/opensearch"], ["elasticsearch", "@elastic/elasticsearch"]] as const) {
        const r = spawnSync("npx", ["--no-install", "tandem", "info", "--backend", backend, "--es-url", "http://127.0.0.1:9", "--es-index", "x"], { cwd: dir, encoding: "utf8" });
        expect(r.status, backend).toBe(2);
        expect(r.stderr, backend).toContain(`tandem: --backend ${backend}: tandem-search/${backend}: ${peer} is not installed (npm install ${peer}`);
      }
    });
  });

  describe("installed with its peer dependencies", () => {
    let dir: string;
    beforeAll(() => {
      dir = project(join(work, "full"), tarball, [installed("flexsearch"), installed("@elastic/elasticsearch"), installed("@opensearch-project/opensearch"), installed("@types/node")]);
    }, 120_000);

    it("imports every entry point", () => {
      const result = runModule(dir, IMPORT_ALL) as Record<string, { exports?: string[] }>;
      expect(result["tandem-search/flexsearch"]!.exports).toEqual(["flexSearchTextIndex"]);
      expect(result["tandem-search/elasticsearch"]!.exports).toEqual(expect.arrayContaining(["ElasticsearchIndex", "connect"]));
      for (const entry of Object.values(result)) expect(entry.exports?.length).toBeGreaterThan(0);
    });

    it("type-checks an application against the shipped declarations", () => {
      writeFileSync(
        join(dir, "tsconfig.json"),
        JSON.stringify({ compilerOptions: { target: "ES2022", module: "NodeNext", moduleResolution: "NodeNext", strict: true, noEmit: true, types: ["node"], skipLibCheck: false }, files: ["app.ts"] }),
      );
      writeFileSync(
        join(dir, "app.ts"),
        `import { HybridIndex, MissingPluginError, type SearchHit, type Filter } from "tandem-search";
import { Bm25Encoder } from "tandem-search/encoders";
import { flexSearchTextIndex } from "tandem-search/flexsearch";
import { ElasticsearchIndex, connect } from "tandem-search/elasticsearch";
import { OpenSearchIndex } from "tandem-search/opensearch";
import { Client as OpenSearchClient } from "@opensearch-project/opensearch";

const bm25 = Bm25Encoder.fit(["bone fracture", "skin"]);
const index = await HybridIndex.open("./idx", { metric: "cosine", textIndex: flexSearchTextIndex() });
await index.upsert([{ id: "d1", text: "bone fracture", sparse: bm25.encodeDocumentSync("bone fracture"), dense: [0.1, 0.2] }]);
const filter: Filter = { range: { year: { gte: 2015 } } };
const hits: SearchHit[] = (await index.search({ sparse: bm25.encodeQuerySync("bone"), k: 3, filter, fusion: { method: "rrf" } })).hits;
const score: number = hits[0]?.score ?? 0;
// @ts-expect-error the metric is one of cosine, dot, l2: the declarations must say so
await HybridIndex.open("./other", { metric: "manhattan" });
const es = await ElasticsearchIndex.open(connect({ url: "http://127.0.0.1:9200" }), { index: "docs" });
const os = await OpenSearchIndex.open(new OpenSearchClient({ node: "http://127.0.0.1:9200" }), { index: "docs" });
// @ts-expect-error denseIndexType is an Elasticsearch option
await OpenSearchIndex.open(new OpenSearchClient({ node: "http://127.0.0.1:9200" }), { index: "docs", denseIndexType: "flat" });
export const used = [score, es, os, new MissingPluginError("x").code];
`,
      );
      sh(process.execPath, [TSC, "-p", "tsconfig.json"], dir);
    });

    it("runs the CLI with the text leg", () => {
      expect(sh("npx", ["--no-install", "tandem", "--help"], dir)).toMatch(/^tandem — sparse-dense hybrid search/);
      writeFileSync(join(dir, "docs.jsonl"), '{"id":"d1","text":"bone fracture healing"}\n{"id":"d2","text":"skin care"}\n');
      writeFileSync(join(dir, "queries.jsonl"), '{"id":"q1","text":"fracture"}\n');
      sh("npx", ["--no-install", "tandem", "index", "docs.jsonl", "--index", "idx"], dir);
      const line = JSON.parse(sh("npx", ["--no-install", "tandem", "search", "--index", "idx", "--queries", "queries.jsonl", "--legs", "text"], dir)) as { hits: { id: string }[] };
      expect(line.hits.map((h) => h.id)).toEqual(["d1"]);
    });
  });
});
