import { readdirSync, readFileSync, statSync } from "node:fs";
import { dirname, join, normalize, relative, sep } from "node:path";
import { describe, expect, it } from "vitest";

/**
 * The dependency direction of DESIGN.md, checked on every import of every source file:
 * base modules (types, errors, shared helpers at the top of src/) ← filter, legs/* ← fusion,
 * relevance ← engine ← eval ← cli; store serves the legs and the engine (it reads and writes the
 * parts the legs and filter own) and imports neither engine nor anything above it. Legs never
 * import each other. src/ never imports plugins/; plugins use src/ only through the two entry
 * points, tandem-search (src/index.ts) and tandem-search/backend (src/backend.ts).
 */
function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return sourceFiles(path);
    return name.endsWith(".ts") && !name.endsWith(".d.ts") ? [path] : [];
  });
}

/** Relative module specifiers a file imports (static, re-exports and dynamic imports), resolved to repository paths. */
function imports(file: string): string[] {
  const text = readFileSync(file, "utf8");
  const found = [...text.matchAll(/(?:from|import)\s*\(?\s*"(\.{1,2}\/[^"]+)"/g)].map((m) => m[1]!);
  return found.map((spec) => normalize(join(dirname(file), spec)).replace(/\.js$/, ".ts"));
}

/** The layer of a file under src/: its folder (legs/<leg> for a leg), or "base" for the top-level modules. */
function layer(file: string): string {
  const parts = relative("src", file).split(sep);
  if (parts.length === 1) return parts[0] === "index.ts" || parts[0] === "backend.ts" ? "entry" : "base";
  if (parts[0] === "legs") return parts.length === 2 ? "legs" : `legs/${parts[1]}`;
  return parts[0]!;
}

/** What each layer may import, besides itself. */
const ALLOWED: Record<string, (target: string) => boolean> = {
  base: () => false,
  filter: (t) => t === "base",
  legs: (t) => t === "base",
  "legs/sparse": (t) => t === "base" || t === "legs",
  "legs/dense": (t) => t === "base" || t === "legs",
  "legs/text": (t) => t === "base" || t === "legs",
  store: (t) => t === "base" || t === "filter" || t.startsWith("legs"),
  fusion: (t) => t === "base" || t === "filter" || t.startsWith("legs"),
  relevance: (t) => ["base", "filter", "fusion"].includes(t) || t.startsWith("legs"),
  engine: (t) => !["eval", "cli", "entry"].includes(t),
  eval: (t) => !["cli", "entry"].includes(t),
  cli: (t) => t !== "entry",
  entry: () => true,
};

describe("dependency direction between folders", () => {
  it("every import in src/ goes down the layers, legs never import each other, and src/ never imports plugins/", () => {
    const violations: string[] = [];
    for (const file of sourceFiles("src")) {
      const from = layer(file);
      for (const target of imports(file)) {
        if (!target.startsWith(`src${sep}`)) {
          violations.push(`${file} imports ${target} (outside src/)`);
          continue;
        }
        const to = layer(target);
        if (to !== from && !ALLOWED[from]!(to)) violations.push(`${file} (${from}) imports ${target} (${to})`);
      }
    }
    expect(violations).toEqual([]);
  });

  it("plugins use src/ only through its entry points", () => {
    const violations: string[] = [];
    for (const file of sourceFiles("plugins")) {
      for (const target of imports(file)) {
        if (target.startsWith(`src${sep}`) && target !== join("src", "index.ts") && target !== join("src", "backend.ts")) violations.push(`${file} imports ${target}`);
      }
    }
    expect(violations).toEqual([]);
  });

  it("catches a violation (the checks read real imports)", () => {
    // The engine is known to import the legs and the store: the scan must see those imports.
    const engine = imports(join("src", "engine", "embedded-engine.ts")).map(layer);
    expect(engine).toEqual(expect.arrayContaining(["legs/sparse", "legs/dense", "legs/text", "store"]));
    expect(ALLOWED["legs/sparse"]!("legs/dense")).toBe(false);
    expect(ALLOWED.store!("engine")).toBe(false);
  });
});
