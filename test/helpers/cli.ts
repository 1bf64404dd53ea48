import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { expect } from "vitest";

/** The built CLI, run as a user runs it: a separate process. */
export const BIN = resolve("dist/src/cli/bin.js");

/** Runs `tandem args…` in `cwd` and returns its exit code and output. */
export function tandem(args: string[], cwd: string, env: Record<string, string> = {}): { code: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [BIN, ...args], { cwd, encoding: "utf8", env: { ...process.env, ...env }, maxBuffer: 64 * 1024 * 1024 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** Rows as JSON Lines. */
export const jsonl = (rows: unknown[]): string => rows.map((r) => JSON.stringify(r)).join("\n") + "\n";

/**
 * Tunes on the embedded index `idx` and on a cluster index (`cluster`: its backend flags), expects
 * both to choose the same fusion at the same nDCG@10, then evaluates the cluster's chosen
 * configuration with `--report` and expects its nDCG@10 again and the report to name `target`.
 */
export function expectTuneParity(work: string, queries: string, qrels: string, cluster: string[], target: string): void {
  const tune = (backend: string[], out: string) => {
    const r = tandem(["tune", "--queries", queries, "--qrels", qrels, "--exact", "--folds", "3", "--candidates-grid", "100", "--out", out, ...backend], work);
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    return JSON.parse(r.stdout) as { chosen: { ndcg10: number; fusion: unknown } };
  };
  const [embedded, remote] = [tune(["--index", "idx"], "embedded-config.json"), tune(cluster, "remote-config.json")];
  expect(remote.chosen.fusion).toEqual(embedded.chosen.fusion);
  expect(remote.chosen.ndcg10).toBeCloseTo(embedded.chosen.ndcg10, 9);
  const evaluated = tandem(["eval", "--queries", queries, "--qrels", qrels, "--exact", "--config", "remote-config.json", "--report", "report.html", ...cluster], work);
  expect(evaluated.stderr).toBe("");
  expect((JSON.parse(evaluated.stdout) as Record<string, number>)["ndcg@10"]).toBeCloseTo(remote.chosen.ndcg10, 9);
  expect(readFileSync(join(work, "report.html"), "utf8")).toContain(target);
}
