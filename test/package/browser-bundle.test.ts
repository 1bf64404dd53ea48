import { build, type Plugin } from "esbuild";
import { builtinModules } from "node:module";
import { describe, expect, it } from "vitest";

/** Every way to name a Node built-in: `node:fs`, `fs`, `fs/promises`. */
const NODE_BUILTIN = new RegExp(`^(node:.*|(${builtinModules.map((m) => m.replace(/[/\\-]/g, "\\$&")).join("|")})(/.*)?)$`);
/**
 * The modules left out of the bundle, stated here on purpose: the Node storage, which
 * HybridIndex.open imports (dynamically) only when given a directory path, and the Node graph
 * build threads, imported (dynamically) for a large batch of dense vectors, a build staying on one
 * thread where the import fails.
 */
const NODE_STORAGE = /\/store\/node-(storage|build-threads)\.js$/;
/** Node's globals: not imports, so found by renaming every free reference to them. */
const NODE_GLOBALS = ["process", "Buffer", "global", "require", "module", "__dirname", "__filename", "setImmediate"];

describe("the core runs in browsers", () => {
  it("src/index.ts bundles for the browser platform without any Node built-in or global; only the Node storage is left out, imported dynamically; the bundle runs an index in memory", async () => {
    const builtins: string[] = [];
    const leftOut: { path: string; importer: string; kind: string }[] = [];
    const watch: Plugin = {
      name: "watch-node-imports",
      setup(bundle) {
        bundle.onResolve({ filter: NODE_STORAGE }, (args) => {
          leftOut.push({ path: args.path, importer: args.importer.replace(/^.*\/src\//, "src/"), kind: args.kind });
          return { path: args.path, external: true };
        });
        // Recorded, and kept out of the bundle so that every one is reported, not only the first.
        bundle.onResolve({ filter: NODE_BUILTIN }, (args) => {
          builtins.push(`${args.importer.replace(/^.*\/(src|node_modules)\//, "$1/")} imports ${args.path}`);
          return { path: args.path, external: true };
        });
      },
    };
    const result = await build({
      entryPoints: ["src/index.ts"],
      bundle: true,
      platform: "browser",
      format: "esm",
      write: false,
      logLevel: "silent",
      plugins: [watch],
      define: Object.fromEntries(NODE_GLOBALS.map((name) => [name, `NODE_GLOBAL_${name}`])),
    });
    expect(result.errors).toEqual([]);
    expect(builtins).toEqual([]);
    expect(leftOut).toEqual([
      { path: "../store/node-storage.js", importer: "src/engine/hybrid-index.ts", kind: "dynamic-import" },
      { path: "../store/node-build-threads.js", importer: "src/engine/graph-build-threads.ts", kind: "dynamic-import" },
    ]);
    const code = result.outputFiles[0]!.text;
    expect(code.match(/NODE_GLOBAL_\w+/g) ?? []).toEqual([]);

    // The bundle works on its own: an index in memory, written, searched and reopened.
    const bundled = (await import(`data:text/javascript;base64,${Buffer.from(code).toString("base64")}`)) as typeof import("../../src/index.js");
    const storage = new bundled.MemoryStorage();
    const index = await bundled.HybridIndex.open(storage, { metric: "dot" });
    await index.upsert([
      { id: "a", sparse: { x: 1 }, dense: [1, 0] },
      { id: "b", sparse: { x: 2, y: 1 }, dense: [0, 1] },
    ]);
    await index.close();
    const reopened = await bundled.HybridIndex.open(storage, { readOnly: true });
    expect((await reopened.search({ sparse: { x: 1 }, dense: [1, 0], k: 2, fusion: { method: "rrf" } })).hits.map((h) => h.id)).toEqual(["a", "b"]);
    await reopened.close();
  });
});
