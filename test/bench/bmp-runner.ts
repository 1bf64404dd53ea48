import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

/** The checkout this file belongs to (compiled, it runs from dist/test/bench). */
export const CHECKOUT = resolve(dirname(fileURLToPath(import.meta.url)), "..", "..", "..");
const SCRIPT_DIR = join(CHECKOUT, "test", "bench", "bmp");
const REQUIREMENTS = join(SCRIPT_DIR, "requirements.txt");
/** A Python virtual environment of this checkout, as `npm run models` keeps its own in .cache. */
export const BMP_VENV = join(CHECKOUT, ".cache", "bmp", "venv");
const MB = 1024 * 1024;

/** One alpha's pass of BMP's search over the queries. */
export interface BmpRun {
  alpha: number;
  ms: number[];
  ids: string[][];
  scores: number[][];
  /** Queries BMP's search failed on (a panic inside BMP), counted as no hits. */
  failed: number;
}

export interface BmpResult {
  buildSeconds: number;
  loadSeconds: number;
  indexBytes: number;
  runs: BmpRun[];
}

/**
 * The Python of the checkout's BMP environment, creating it and installing `bmp` from PyPI on
 * first use (the pinned requirements of test/bench/bmp; installed again when they change).
 * Throws with what failed, and pip's last words, when PyPI cannot be reached.
 */
export function ensureBmp(): string {
  const python = join(BMP_VENV, "bin", "python");
  const marker = join(BMP_VENV, "tandem-bmp-requirements.txt");
  const wanted = readFileSync(REQUIREMENTS, "utf8");
  if (existsSync(python) && existsSync(marker) && readFileSync(marker, "utf8") === wanted) return python;
  mkdirSync(dirname(BMP_VENV), { recursive: true });
  if (!existsSync(python)) {
    const venv = spawnSync("python3", ["-m", "venv", BMP_VENV], { encoding: "utf8" });
    if (venv.status !== 0) throw new Error(`BMP: could not create a Python virtual environment in ${BMP_VENV} (python3 -m venv): ${venv.error?.message ?? venv.stderr.trim()}`);
  }
  const pip = spawnSync(python, ["-m", "pip", "install", "--quiet", "--disable-pip-version-check", "-r", REQUIREMENTS], { encoding: "utf8", timeout: 15 * 60_000, maxBuffer: 16 * MB });
  if (pip.status !== 0) {
    const said = `${pip.stdout}\n${pip.stderr}`.trim().split("\n").slice(-6).join("\n");
    throw new Error(
      `BMP: could not install ${wanted.split("\n").filter((l) => l && !l.startsWith("#")).join(", ")} from PyPI into ${BMP_VENV} ` +
        `(is PyPI reachable from this machine?). Run with --no-bmp to measure Tandem alone. pip said:\n${said || pip.error?.message}`,
    );
  }
  const check = spawnSync(python, ["-c", "import bmp; bmp.Searcher, bmp.ciff2bmp"], { encoding: "utf8" });
  if (check.status !== 0) throw new Error(`BMP: installed, but "import bmp" fails: ${check.stderr.trim()}`);
  writeFileSync(marker, wanted);
  return python;
}

/** Builds BMP's index from `ciff` and times its search of `queries` (JSONL) in a child process, single-threaded. */
export function runBmp(python: string, files: { ciff: string; index: string; queries: string; out: string }, k: number, bsize: number, alphas: number[]): BmpResult {
  const args = [join(SCRIPT_DIR, "bmp_search.py"), "--ciff", files.ciff, "--index", files.index, "--queries", files.queries, "--out", files.out];
  args.push("--k", String(k), "--bsize", String(bsize), "--alphas", alphas.join(","));
  const env = { ...process.env, RAYON_NUM_THREADS: "1", OMP_NUM_THREADS: "1" };
  const r = spawnSync(python, args, { encoding: "utf8", env, stdio: ["ignore", "pipe", "pipe"], maxBuffer: 256 * MB });
  if (r.status !== 0) throw new Error(`BMP: bmp_search.py exited with ${r.status ?? r.signal}: ${r.error?.message ?? r.stderr.trim().split("\n").slice(-10).join("\n")}`);
  const raw = JSON.parse(readFileSync(files.out, "utf8")) as { build_seconds: number; load_seconds: number; index_bytes: number; runs: BmpRun[] };
  return { buildSeconds: raw.build_seconds, loadSeconds: raw.load_seconds, indexBytes: raw.index_bytes, runs: raw.runs };
}
