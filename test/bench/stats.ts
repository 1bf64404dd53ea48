/** Latency percentiles and QPS from per-query milliseconds. */
export function latencySummary(ms: number[]): { p50: number; p95: number; p99: number; qps: number } {
  const sorted = [...ms].sort((a, b) => a - b);
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
  const total = ms.reduce((s, x) => s + x, 0);
  return { p50: at(0.5), p95: at(0.95), p99: at(0.99), qps: (1000 * ms.length) / total };
}

export function fmt(n: number, digits = 2): string {
  return n.toFixed(digits);
}

export function table(rows: (string | number)[][]): string {
  const cells = rows.map((r) => r.map(String));
  const widths = cells[0]!.map((_, c) => Math.max(...cells.map((r) => r[c]!.length)));
  return cells.map((r) => r.map((v, c) => v.padStart(widths[c]!)).join("  ")).join("\n");
}

/** A GitHub-flavoured Markdown table (first row is the header), so figures paste into the README as printed. */
export function markdownTable(rows: (string | number)[][], align: ("left" | "right")[] = []): string {
  const cells = rows.map((r) => r.map(String));
  const widths = cells[0]!.map((_, c) => Math.max(3, ...cells.map((r) => r[c]!.length)));
  const right = (c: number) => align[c] === "right";
  const line = (r: string[]) => `| ${r.map((v, c) => (right(c) ? v.padStart(widths[c]!) : v.padEnd(widths[c]!))).join(" | ")} |`;
  const rule = `|${widths.map((w, c) => (right(c) ? `${"-".repeat(w + 1)}:` : "-".repeat(w + 2))).join("|")}|`;
  return [line(cells[0]!), rule, ...cells.slice(1).map(line)].join("\n");
}
