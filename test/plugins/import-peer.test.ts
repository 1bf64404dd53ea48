import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { importPeer } from "../../plugins/import-peer.js";
import { MissingPluginError } from "../../src/index.js";

describe("a plugin's absent optional peer dependency", () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "tandem-peer-"));
    await writeFile(join(dir, "imports-absent.mjs"), 'import "tandem-absent-inner-package";\n');
    await writeFile(join(dir, "throws.mjs"), 'throw new TypeError("broken on load");\n');
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it("is a MissingPluginError naming the peer, who needs it and how to install it", async () => {
    const absent = "tandem-absent-peer-package";
    const loading = importPeer(() => import(absent), absent, "tandem-search/example");
    await expect(loading).rejects.toThrow(MissingPluginError);
    await expect(loading).rejects.toThrow(/^tandem-search\/example: tandem-absent-peer-package is not installed \(npm install tandem-absent-peer-package;/);
    await expect(loading).rejects.toMatchObject({ code: "MISSING_PLUGIN" });
  });

  it("is not claimed for a peer that is installed but fails: its own error passes through", async () => {
    // A peer that is there but misses one of its own dependencies is a broken install, not an absent peer.
    const nested = importPeer(() => import(pathToFileURL(join(dir, "imports-absent.mjs")).href), "tandem-absent-peer-package", "x");
    await expect(nested).rejects.toMatchObject({ code: "ERR_MODULE_NOT_FOUND" });
    await expect(nested).rejects.not.toThrow(MissingPluginError);
    await expect(importPeer(() => import(pathToFileURL(join(dir, "throws.mjs")).href), "tandem-absent-peer-package", "x")).rejects.toThrow(TypeError);
  });

  it("loads the peer when it is installed", async () => {
    const flexsearch = await importPeer(() => import("flexsearch"), "flexsearch", "tandem-search/flexsearch");
    expect(typeof flexsearch.Index).toBe("function");
  });
});
