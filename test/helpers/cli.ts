import { spawnSync } from "node:child_process";
import { resolve } from "node:path";

/** The built CLI, run as a user runs it: a separate process. */
export const BIN = resolve("dist/src/cli/bin.js");

/** Runs `tandem args…` in `cwd` and returns its exit code and output. */
export function tandem(args: string[], cwd: string, env: Record<string, string> = {}): { code: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [BIN, ...args], { cwd, encoding: "utf8", env: { ...process.env, ...env }, maxBuffer: 64 * 1024 * 1024 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** Rows as JSON Lines. */
export const jsonl = (rows: unknown[]): string => rows.map((r) => JSON.stringify(r)).join("\n") + "\n";
