import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { runCli } from "../../src/cli/main.js";

const COMMANDS_DIR = join("src", "cli", "commands");
/** Relative modules a file imports statically (type-only imports load nothing and are left out). */
const staticImports = (file: string) =>
  [...readFileSync(file, "utf8").matchAll(/^import\s+(?!type\s)[^;]*?from\s+"(\.{1,2}\/[^"]+)"/gms)].map((m) => m[1]!);

describe("tandem loads only the command it runs (fault kind: every start paying for every command's modules)", () => {
  it("the command table imports no command module statically, and lists every one", async () => {
    const main = join("src", "cli", "main.ts");
    expect(staticImports(main).filter((spec) => spec.startsWith("./commands/"))).toEqual([]);
    const files = readdirSync(COMMANDS_DIR).filter((name) => name.endsWith("-command.ts"));
    const text = readFileSync(main, "utf8");
    for (const file of files) expect(text, file).toContain(`import("./commands/${file.replace(/\.ts$/, ".js")}")`);
    const out: string[] = [];
    expect(await runCli(["--help"], (line) => out.push(line), () => undefined)).toBe(0);
    for (const file of files) expect(out.join("\n")).toContain(`  ${file.replace(/-command\.ts$/, "")}`);
  });

  it("no command module imports another (search would load indexing's progress bars, eval its reports)", () => {
    for (const file of readdirSync(COMMANDS_DIR)) {
      const others = staticImports(join(COMMANDS_DIR, file)).filter((spec) => /^\.\/.+-command\.js$/.test(spec));
      expect(others, file).toEqual([]);
    }
  });
});
