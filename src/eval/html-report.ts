import { MissingPluginError } from "../errors.js";

/** One evaluated run (a leg alone, a fusion method, the configured search) with its per-query nDCG@10. */
export interface ReportRun {
  label: string;
  "ndcg@10": number;
  /** 95% bootstrap confidence interval of the mean nDCG@10. */
  ci: [number, number];
  "recall@100": number;
  "mrr@10": number;
  map: number;
  queries: number;
}

/** The kept set at one threshold. */
export interface ReportThreshold {
  threshold: number;
  precision: number;
  recall: number;
  f1: number;
  hits: number;
}

/** Everything `tandem eval --report` draws. */
export interface ReportData {
  title: string;
  /** When the report was made (ISO 8601). */
  created: string;
  /** What ran: index, queries, qrels, options. */
  setup: Record<string, string>;
  runs: ReportRun[];
  /** Kept set against the threshold, and what the threshold is on (probability or relative score). */
  thresholds: { on: string; points: ReportThreshold[] };
  /** Raw leg scores of the returned hits, by relevance. */
  scores: { leg: string; relevant: boolean; score: number }[];
  /** Calibration figures, when a model ran. */
  calibration?: { ece: number; brier: number; hits: number };
}

interface VegaModule {
  parse(spec: unknown): unknown;
  View: new (runtime: unknown, options: { renderer: "none" }) => { toSVG(): Promise<string>; finalize(): void };
}
interface VegaLiteModule {
  compile(spec: unknown): { spec: unknown };
}

/** Renders a Vega-Lite spec to an SVG string, in process (no browser, no canvas). */
async function svgOf(spec: Record<string, unknown>, vega: VegaModule, vegaLite: VegaLiteModule): Promise<string> {
  const view = new vega.View(vega.parse(vegaLite.compile({ $schema: "https://vega.github.io/schema/vega-lite/v5.json", ...spec }).spec), { renderer: "none" });
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}

const escape = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
const f4 = (x: number) => (Number.isFinite(x) ? x.toFixed(4) : "–");

function table(head: string[], rows: (string | number)[][]): string {
  const cell = (v: string | number, tag: string) => `<${tag}>${escape(typeof v === "number" ? f4(v) : v)}</${tag}>`;
  return `<table><thead><tr>${head.map((h) => cell(h, "th")).join("")}</tr></thead><tbody>${rows.map((r) => `<tr>${r.map((v) => cell(v, "td")).join("")}</tr>`).join("")}</tbody></table>`;
}

/**
 * One self-contained HTML file: the charts are SVG rendered here by Vega-Lite (nDCG@10 per run
 * with confidence intervals; kept-set precision, recall and F1 against the threshold; each leg's
 * score distribution for relevant and non-relevant hits), followed by the tables. No script, no
 * external resource.
 *
 * @throws {@link MissingPluginError} when the `vega` and `vega-lite` packages cannot be loaded.
 */
export async function renderHtmlReport(data: ReportData): Promise<string> {
  let vega: VegaModule;
  let vegaLite: VegaLiteModule;
  try {
    vega = (await import("vega")) as unknown as VegaModule;
    vegaLite = await import("vega-lite");
  } catch (err) {
    throw new MissingPluginError(`the HTML report needs the packages vega and vega-lite (npm install vega vega-lite): ${(err as Error).message}`, { cause: err });
  }
  const ndcg = await svgOf(
    {
      title: "nDCG@10 per run (95% bootstrap interval)",
      width: 520,
      height: { step: 28 },
      data: { values: data.runs.map((r) => ({ run: r.label, ndcg: r["ndcg@10"], lo: r.ci[0], hi: r.ci[1] })) },
      encoding: { y: { field: "run", type: "nominal", sort: null, title: null } },
      layer: [
        { mark: { type: "bar", color: "#4c78a8" }, encoding: { x: { field: "ndcg", type: "quantitative", title: "nDCG@10", scale: { zero: true } } } },
        { mark: { type: "rule", color: "#222", strokeWidth: 1.5 }, encoding: { x: { field: "lo", type: "quantitative" }, x2: { field: "hi" } } },
        { mark: { type: "text", align: "left", dx: 4, fontSize: 10 }, encoding: { x: { field: "hi", type: "quantitative" }, text: { field: "ndcg", type: "quantitative", format: ".4f" } } },
      ],
    },
    vega,
    vegaLite,
  );
  const curve = data.thresholds.points.flatMap((p) => [
    { threshold: p.threshold, measure: "precision", value: p.precision },
    { threshold: p.threshold, measure: "recall", value: p.recall },
    { threshold: p.threshold, measure: "F1", value: p.f1 },
  ]);
  const tradeoff = await svgOf(
    {
      title: `Kept set against the threshold (${data.thresholds.on})`,
      width: 520,
      height: 260,
      data: { values: curve },
      mark: { type: "line", point: { size: 12 } },
      encoding: {
        x: { field: "threshold", type: "quantitative", title: data.thresholds.on },
        y: { field: "value", type: "quantitative", title: "mean over queries", scale: { domain: [0, 1] } },
        color: { field: "measure", type: "nominal", title: null },
      },
    },
    vega,
    vegaLite,
  );
  // One panel per leg, each binned over its own range (sparse impacts and cosines differ in scale).
  const legs = [...new Set(data.scores.map((s) => s.leg))];
  const distributions = await svgOf(
    {
      title: "Leg scores of returned hits: relevant and non-relevant (share of each group per bin)",
      hconcat: legs.map((leg) => ({
        title: leg,
        width: 280,
        height: 200,
        data: { values: data.scores.filter((s) => s.leg === leg).map((s) => ({ score: s.score, label: s.relevant ? "relevant" : "non-relevant" })) },
        transform: [
          { bin: { maxbins: 40 }, field: "score", as: ["bin_start", "bin_end"] },
          { aggregate: [{ op: "count", as: "count" }], groupby: ["bin_start", "bin_end", "label"] },
          { joinaggregate: [{ op: "sum", field: "count", as: "total" }], groupby: ["label"] },
          { calculate: "datum.count / datum.total", as: "share" },
        ],
        mark: { type: "bar", opacity: 0.6, binSpacing: 0 },
        encoding: {
          x: { field: "bin_start", type: "quantitative", bin: { binned: true }, title: `raw ${leg} score` },
          x2: { field: "bin_end" },
          y: { field: "share", type: "quantitative", stack: null, title: "share of group" },
          color: { field: "label", type: "nominal", title: null, scale: { domain: ["relevant", "non-relevant"], range: ["#e45756", "#4c78a8"] } },
        },
      })),
    },
    vega,
    vegaLite,
  );
  const runs = table(
    ["run", "nDCG@10", "95% CI low", "95% CI high", "Recall@100", "MRR@10", "MAP", "queries"],
    data.runs.map((r) => [r.label, r["ndcg@10"], r.ci[0], r.ci[1], r["recall@100"], r["mrr@10"], r.map, String(r.queries)]),
  );
  const kept = table(
    [data.thresholds.on, "precision", "recall", "F1", "hits kept"],
    data.thresholds.points.filter((_, i, all) => all.length <= 20 || i % Math.ceil(all.length / 20) === 0).map((p) => [p.threshold.toFixed(2), p.precision, p.recall, p.f1, p.hits.toFixed(2)]),
  );
  const calibration = data.calibration
    ? `<h2>Calibration</h2>${table(["ECE (10 bins)", "Brier score", "hits"], [[data.calibration.ece, data.calibration.brier, String(data.calibration.hits)]])}`
    : "";
  const setup = table(["", ""], Object.entries(data.setup).map(([k, v]) => [k, v]));
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${escape(data.title)}</title>
<style>
body{font-family:system-ui,sans-serif;margin:2rem auto;max-width:1000px;color:#222}
h1{font-size:1.4rem}h2{font-size:1.1rem;margin-top:2rem}
table{border-collapse:collapse;margin:.5rem 0;font-size:.85rem}
th,td{border-bottom:1px solid #ddd;padding:.25rem .6rem;text-align:right}th:first-child,td:first-child{text-align:left}
figure{margin:1rem 0}
</style></head><body>
<h1>${escape(data.title)}</h1>
<p>${escape(data.created)}</p>
${setup}
<h2>Ranking quality</h2>
<figure class="chart" id="ndcg">${ndcg}</figure>
${runs}
<h2>Relevance filtering</h2>
<figure class="chart" id="tradeoff">${tradeoff}</figure>
${kept}
${calibration}
<h2>Score distributions</h2>
<figure class="chart" id="distributions">${distributions}</figure>
</body></html>
`;
}
