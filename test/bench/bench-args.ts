import { parseArgs, type ParseArgsConfig } from "node:util";

const OPTIONS = {
  sizes: { type: "string" },
  dim: { type: "string" },
  queries: { type: "string" },
  rounds: { type: "string" },
  candidates: { type: "string" },
  M: { type: "string" },
  "ef-construction": { type: "string" },
  "graph-level": { type: "boolean" },
  kernel: { type: "string" },
  orders: { type: "string" },
  "int8-only": { type: "boolean" },
  "es-url": { type: "string" },
  docs: { type: "string" },
  sweep: { type: "boolean" },
  "sweep-docs": { type: "string" },
  efs: { type: "string" },
  keep: { type: "boolean" },
  "dense-size": { type: "string" },
  seed: { type: "string" },
  dir: { type: "string" },
  "sparse-only": { type: "boolean" },
  "text-size": { type: "string" },
  corpora: { type: "string" },
  alpha: { type: "string" },
  "term-mass": { type: "string" },
  "max-terms": { type: "string" },
  "impact-bits": { type: "string" },
  "no-bmp": { type: "boolean" },
  json: { type: "boolean" },
  size: { type: "string" },
  out: { type: "string" },
  "queries-out": { type: "string" },
  with: { type: "string" },
  collection: { type: "string" },
  collections: { type: "string" },
  splits: { type: "string" },
} as const satisfies ParseArgsConfig["options"];

/** A flag of `npm run bench`. */
export type BenchOption = keyof typeof OPTIONS;

export const SUITES = ["dense", "elasticsearch", "elasticsearch-scale", "opensearch-knn", "fusion", "storage", "sparse", "corpus", "calibration", "overhead", "tune"];

/** The suites and flags of an `npm run bench` command line. */
export interface BenchArgs {
  suites: string[];
  /** A string flag's value, or `fallback` when it is not given (or given empty). */
  option: (name: BenchOption, fallback: string) => string;
  /** Whether a flag was given. */
  given: (name: BenchOption) => boolean;
  /** Whether a boolean flag was given. */
  flag: (name: BenchOption) => boolean;
}

/**
 * Parses the benchmark's command line with `node:util` parseArgs: every flag is declared, so a
 * flag without a value (`--keep`) never takes the suite name after it as its value. An unknown
 * flag, a missing value or an unknown suite throws, naming it.
 */
export function parseBenchArgs(argv: readonly string[]): BenchArgs {
  const { values, positionals } = parseArgs({ args: [...argv], options: OPTIONS, allowPositionals: true, strict: true });
  for (const suite of positionals) {
    if (!SUITES.includes(suite)) throw new Error(`unknown suite "${suite}" (suites: ${SUITES.join(", ")})`);
  }
  const v = values as Partial<Record<BenchOption, string | boolean>>;
  return {
    suites: positionals,
    option: (name, fallback) => {
      const value = v[name];
      return typeof value === "string" && value !== "" ? value : fallback;
    },
    given: (name) => v[name] !== undefined,
    flag: (name) => v[name] === true,
  };
}
