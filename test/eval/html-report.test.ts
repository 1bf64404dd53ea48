import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import puppeteer from "puppeteer-core";
import { describe, expect, it } from "vitest";
import { generateCorpus } from "../helpers/generate.js";
import { seededRandom } from "../helpers/random.js";
import { jsonl, tandem } from "../helpers/cli.js";
import { useTempDirs } from "../helpers/temp-dirs.js";

const tempDir = useTempDirs("tandem-report-");

/** Debian's chromium (installed by .ci/run and the README's set-up), or TANDEM_CHROMIUM. */
const CHROMIUM = process.env.TANDEM_CHROMIUM ?? ["/usr/bin/chromium", "/usr/bin/chromium-browser"].find((p) => existsSync(p));

describe("tandem eval --compare --report", () => {
  // Without a browser the check cannot run: skipped on a developer's machine, a failure under CI.
  it.skipIf(CHROMIUM === undefined && process.env.CI !== "true")("writes one self-contained HTML file whose SVG charts render in headless Chromium", async () => {
    expect(CHROMIUM, "no chromium: apt-get install chromium (see .ci/run)").toBeDefined();
    const dir = await tempDir();
    writeFileSync(join(dir, "docs.jsonl"), jsonl(generateCorpus(21, 300, 8).docs));
    const rand = seededRandom(9);
    const queries = Array.from({ length: 30 }, (_, i) => ({ id: `q${i}`, text: "alpha beta", sparse: { [`t${Math.floor(30 * rand())}`]: 1 }, dense: Array.from({ length: 8 }, () => rand() * 2 - 1) }));
    writeFileSync(join(dir, "queries.jsonl"), jsonl(queries));
    expect(tandem(["index", "docs.jsonl", "--index", "idx"], dir).code).toBe(0);
    const rows = ["query-id\tcorpus-id\tscore"];
    for (const line of tandem(["search", "--index", "idx", "--queries", "queries.jsonl", "--k", "5"], dir).stdout.trim().split("\n")) {
      const { query, hits } = JSON.parse(line) as { query: string; hits: { id: string }[] };
      hits.forEach((h, i) => rand() < 0.8 / (1 + i) && rows.push(`${query}\t${h.id}\t1`));
    }
    writeFileSync(join(dir, "qrels.tsv"), rows.join("\n") + "\n");
    expect(tandem(["calibrate", "--index", "idx", "--queries", "queries.jsonl", "--qrels", "qrels.tsv", "--out", "model.json", "--store", "--folds", "3"], dir).code).toBe(0);
    const evaluated = tandem(["eval", "--index", "idx", "--queries", "queries.jsonl", "--qrels", "qrels.tsv", "--compare", "--report", "out.html"], dir);
    expect(evaluated.stderr).toBe("");
    expect(evaluated.code).toBe(0);
    expect(JSON.parse(evaluated.stdout)).toHaveProperty("fusion");

    const html = readFileSync(join(dir, "out.html"), "utf8");
    // Self-contained: no script and nothing fetched from elsewhere.
    expect(html).not.toMatch(/<script|<link|<img|src=|url\(/i);

    const browser = await puppeteer.launch({ executablePath: CHROMIUM!, args: ["--no-sandbox", "--headless=new"] });
    try {
      const page = await browser.newPage();
      const requests: string[] = [];
      page.on("request", (r) => requests.push(r.url()));
      await page.goto(pathToFileURL(join(dir, "out.html")).href);
      const charts = await page.$$eval("figure.chart", (figures) =>
        figures.map((f) => {
          const svg = f.querySelector("svg");
          const box = svg?.getBoundingClientRect();
          // Marks Vega draws: bars, lines and rules are paths; every one must have a size.
          const marks = svg ? [...svg.querySelectorAll("path, rect, line")].filter((m) => {
            const b = m.getBoundingClientRect();
            return b.width > 0 || b.height > 0;
          }).length : 0;
          return { id: f.id, width: box?.width ?? 0, height: box?.height ?? 0, marks, text: svg?.textContent ?? "" };
        }),
      );
      expect(charts.map((c) => c.id)).toEqual(["ndcg", "tradeoff", "distributions"]);
      for (const c of charts) {
        expect(c.width).toBeGreaterThan(100);
        expect(c.height).toBeGreaterThan(50);
        expect(c.marks).toBeGreaterThan(5);
      }
      // The runs of --compare are drawn, and the threshold is the calibrated probability (model stored in the index).
      for (const label of ["as configured", "sparse alone", "dense alone", "text alone", "rrf", "convex", "dbsf"]) expect(charts[0]!.text).toContain(label);
      expect(charts[1]!.text).toContain("probability");
      expect(charts[2]!.text).toContain("sparse");
      expect(charts[2]!.text).toContain("dense");
      expect(requests.every((u) => u.startsWith("file:"))).toBe(true);
    } finally {
      await browser.close();
    }
  }, 120_000);
});
