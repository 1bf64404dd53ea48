import { describe, expect, it } from "vitest";
import { parseBenchArgs } from "./bench-args.js";

describe("npm run bench's command line", () => {
  it("a flag without a value before the suite name does not take the name as its value", () => {
    for (const flag of ["--keep", "--sparse-only", "--graph-level", "--int8-only", "--sweep", "--no-bmp", "--json"]) {
      const args = parseBenchArgs([flag, "storage", "--sizes", "1000"]);
      expect(args.suites, flag).toEqual(["storage"]);
      expect(args.flag(flag.slice(2) as "keep")).toBe(true);
      expect(args.option("sizes", "100000")).toBe("1000");
    }
  });

  it("values, fallbacks and presence as before: a flag's value is the word after it", () => {
    const args = parseBenchArgs(["dense", "--candidates", "200", "--rounds", "3", "--graph-level"]);
    expect(args.suites).toEqual(["dense"]);
    expect(args.option("rounds", "5")).toBe("3");
    expect(args.option("dim", "384")).toBe("384");
    expect(args.given("candidates")).toBe(true);
    expect(args.given("max-terms")).toBe(false);
    expect(args.flag("graph-level")).toBe(true);
    expect(args.flag("keep")).toBe(false);
    expect(parseBenchArgs([]).suites).toEqual([]);
    expect(parseBenchArgs(["--dir=/tmp/x", "storage", "sparse"]).suites).toEqual(["storage", "sparse"]);
  });

  it("refuses an unknown flag, a missing value and an unknown suite, naming them", () => {
    expect(() => parseBenchArgs(["storage", "--szes", "10"])).toThrow(/--szes/);
    expect(() => parseBenchArgs(["storage", "--sizes"])).toThrow(/--sizes/);
    expect(() => parseBenchArgs(["strage"])).toThrow(/unknown suite "strage"/);
  });
});
