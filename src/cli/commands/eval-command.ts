import type { SearchIndex } from "../../engine/search-index.js";
import { evaluateRun, type EvaluationSummary } from "../../eval/evaluate-run.js";
import { keptSetMetrics } from "../../eval/kept-set.js";
import { calibrationError } from "../../relevance/calibration-error.js";
import { writeFile } from "node:fs/promises";
import { renderHtmlReport, type ReportRun } from "../../eval/html-report.js";
import { legScores, reportRun, thresholdPoints } from "../../eval/report-data.js";
import { parseQrels, type Qrels } from "../../eval/qrels.js";
import type { FusionMethod, LegName, RelevanceOptions, SearchHit, SearchQuery } from "../../types.js";
import { encodeOptions, queryEncoders } from "../text-encoders.js";
import { describeTarget, openIndex } from "../open-index.js";
import { BACKEND_OPTIONS, checkPageWindow, SEARCH_HELP, SEARCH_OPTIONS, searchDefaults } from "../options.js";
import { readQueries, type QueryLine } from "../read-queries.js";
import { readText, resolveBeirPath } from "../read-input.js";
import { UsageError } from "../usage-error.js";
import type { Command } from "./command.js";

/** Hits per query an evaluation retrieves: enough for recall@100. */
const EVAL_DEPTH = 100;

export const evalCommand: Command = {
  name: "eval",
  usage: `tandem eval --index <dir> --queries <q.jsonl | beir-folder> --qrels <qrels.tsv | beir-folder> [options]

Runs the queries that have judgements (retrieving at least 100 hits each) and prints one JSON
object: {"ndcg@10","recall@100","mrr@10","map","queries","ties"}. Metrics follow trec_eval; a
judged query with no hits scores 0. Hits of equal score are ranked as the search returns them, by
id ascending ("ties"); trec_eval would re-sort them by document id descending, which can move
nDCG@10 by about 0.001. With relevance filtering (--min-score, --min-sparse, --min-dense,
--relative, --autocut, --max-hits, --min-probability), every metric is computed on the hits kept,
and "kept" adds their set precision, recall and F1 and the mean number kept per query. With a
calibration model (--calibration, or one stored in the index), "calibration" adds the expected
calibration error (10 equal-width bins) and Brier score of the returned hits' probabilities.
  --compare                  add "legs" (each leg alone) and "fusion" (rrf, convex, dbsf)
  --report <out.html>        also write one self-contained HTML file with SVG charts and tables:
                             nDCG@10 per run with 95% bootstrap intervals (each leg and method with
                             --compare), kept-set precision, recall and F1 against the threshold
                             (the calibrated probability when a model runs, else the relative
                             score), and each leg's score distribution for relevant and
                             non-relevant hits

${SEARCH_HELP}`,
  options: { ...BACKEND_OPTIONS, ...SEARCH_OPTIONS, queries: { type: "string" }, qrels: { type: "string" }, compare: { type: "boolean" }, report: { type: "string" } },
  async run(values, positionals) {
    if (positionals.length > 0) throw new UsageError(`eval: unexpected argument "${positionals[0]}"`);
    const queriesPath = values.queries as string | undefined;
    const qrelsPath = values.qrels as string | undefined;
    if (!queriesPath || !qrelsPath) throw new UsageError("eval: --queries <file> and --qrels <file> are required");
    const defaults = searchDefaults(values);
    const qrelsFile = await resolveBeirPath(qrelsPath, "qrels");
    const qrels = parseQrels(await readText(qrelsFile), qrelsFile);
    defaults.k = Math.max(defaults.k ?? 10, EVAL_DEPTH);
    checkPageWindow(defaults.from ?? 0, defaults.k, defaults.candidates, `eval (recall@100, --k ${defaults.k}${defaults.from ? `, --from ${defaults.from}` : ""})`);
    const encode = encodeOptions(values);
    const index = await openIndex(values, { readOnly: true });
    try {
      const queries = (await readQueries(queriesPath, defaults, index, await queryEncoders(index, encode), { quiet: values.quiet === true })).filter((q) => qrels.has(q.id));
      const probabilities: number[] = [];
      const labels: number[] = [];
      const reportPath = typeof values.report === "string" ? values.report : undefined;
      const hitsOf = new Map<string, SearchHit[]>();
      const reportRuns: ReportRun[] = [];
      const run = await runQueries(index, queries, {}, (qid, hits) => {
        if (reportPath !== undefined) hitsOf.set(qid, hits);
        const judged = qrels.get(qid);
        for (const h of hits) {
          if (h.probability === undefined) continue;
          probabilities.push(h.probability);
          labels.push((judged?.get(h.id) ?? 0) > 0 ? 1 : 0);
        }
      });
      const summary: Record<string, unknown> = { ...score(run, qrels), ties: "id ascending" };
      if (filtersRelevance(defaults.relevance)) summary.kept = keptSetMetrics(run, judgedIn(run, qrels));
      if (probabilities.length > 0) {
        const { ece, brier, hits, relevant } = calibrationError(probabilities, labels);
        summary.calibration = { ece, brier, hits, relevant };
      }
      if (reportPath !== undefined) reportRuns.push(reportRun("as configured", run, qrels));
      if (values.compare === true) {
        const legs: Partial<Record<LegName, EvaluationSummary>> = {};
        for (const leg of ["sparse", "dense", "text"] as LegName[]) {
          const runnable = queries.filter((q) => legHasData(q.query, leg));
          if (runnable.length === 0) continue;
          const legRun = await runQueries(index, runnable, { legs: [leg] });
          legs[leg] = score(legRun, qrels);
          if (reportPath !== undefined) reportRuns.push(reportRun(`${leg} alone`, legRun, qrels));
        }
        const fusion: Partial<Record<FusionMethod, EvaluationSummary>> = {};
        for (const method of ["rrf", "convex", "dbsf"] as FusionMethod[]) {
          const methodRun = await runQueries(index, queries, { fusion: { ...defaults.fusion, method } });
          fusion[method] = score(methodRun, qrels);
          if (reportPath !== undefined) reportRuns.push(reportRun(method, methodRun, qrels));
        }
        summary.legs = legs;
        summary.fusion = fusion;
      }
      if (reportPath !== undefined) {
        const html = await renderHtmlReport({
          title: "Tandem evaluation",
          created: new Date().toISOString(),
          setup: { index: describeTarget(values), queries: queriesPath, qrels: qrelsFile, "judged queries": String(queries.length) },
          runs: reportRuns,
          thresholds: thresholdPoints(hitsOf, judgedIn(run, qrels)),
          scores: legScores(hitsOf, qrels),
          ...(summary.calibration ? { calibration: summary.calibration as { ece: number; brier: number; hits: number } } : {}),
        });
        await writeFile(reportPath, html);
      }
      return summary;
    } finally {
      await index.close();
    }
  },
};

function legHasData(q: SearchQuery, leg: LegName): boolean {
  if (q.legs && !q.legs.includes(leg)) return false;
  if (leg === "sparse") return q.sparse !== undefined && q.sparse !== null;
  if (leg === "dense") return q.dense !== undefined && q.dense !== null;
  return typeof q.text === "string" && q.text.trim() !== "";
}

/** Runs every query with `override` applied and scores the run. */
export async function evaluate(index: SearchIndex, queries: QueryLine[], qrels: Qrels, override: Partial<SearchQuery>): Promise<EvaluationSummary> {
  return score(await runQueries(index, queries, override), qrels);
}

async function runQueries(
  index: SearchIndex,
  queries: QueryLine[],
  override: Partial<SearchQuery>,
  onHits?: (qid: string, hits: SearchHit[]) => void,
): Promise<Map<string, string[]>> {
  const run = new Map<string, string[]>();
  for (const q of queries) {
    const result = await index.search({ ...q.query, ...override });
    run.set(q.id, result.hits.map((h) => h.id));
    onHits?.(q.id, result.hits);
  }
  return run;
}

/** The judgements of the queries that ran. */
const judgedIn = (run: Map<string, string[]>, qrels: Qrels): Qrels => new Map([...qrels].filter(([qid]) => run.has(qid)));

const score = (run: Map<string, string[]>, qrels: Qrels): EvaluationSummary => evaluateRun(run, judgedIn(run, qrels));

/** Whether any rule can drop hits, so the kept set differs from the plain top k. */
function filtersRelevance(r: RelevanceOptions | undefined): boolean {
  if (!r) return false;
  return [r.minScore, r.minSparse, r.minDense, r.minProbability, r.relative, r.autocut, r.maxHits].some((v) => v !== undefined);
}
