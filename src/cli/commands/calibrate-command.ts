import { writeFile } from "node:fs/promises";
import { calibrate, collectCalibrationData } from "../../eval/calibrate.js";
import { parseQrels } from "../../eval/qrels.js";
import { CALIBRATION_ATTACHMENT } from "../../relevance/calibration-model.js";
import { encodeOptions, queryEncoders } from "../text-encoders.js";
import { openIndex } from "../open-index.js";
import { BACKEND_OPTIONS, numberOption, SEARCH_HELP, SEARCH_OPTIONS, searchDefaults } from "../options.js";
import { readQueries } from "../read-queries.js";
import { readText, resolveBeirPath } from "../read-input.js";
import { UsageError } from "../usage-error.js";
import type { Command } from "./command.js";

export const calibrateCommand: Command = {
  name: "calibrate",
  usage: `tandem calibrate --index <dir> --queries <q.jsonl | beir-folder> --qrels <qrels.tsv | beir-folder> --out <model.json> [options]

Runs every judged query with k = --candidates (default 100) under the given fusion options, labels
each hit by the qrels (grade > 0: relevant) and fits a logistic regression from the calibration
features (raw leg scores within the query's own score distribution, leg ranks and agreement, query
size) to P(relevant). Writes the model to --out and prints what it measured on the training
queries with out-of-fold probabilities (--folds folds by query): ECE, Brier score, and the kept
set (precision, recall, F1, hits) at the chosen threshold — the best kept-set F1 losing at most
--max-recall-loss of recall@10 — against the plain top 10. The threshold is recorded in the model
("threshold"); pass it as --min-probability. Relevance options are ignored here.
  --out <model.json>         where to write the model (required)
  --store                    also store the model in the index (attachment "calibration"), where
                             every search that names no model uses it
  --folds N                  folds for the out-of-fold figures and the threshold (default 5)
  --max-recall-loss X        recall@10 the threshold may lose (default 0.05)

${SEARCH_HELP}`,
  options: {
    ...BACKEND_OPTIONS,
    ...SEARCH_OPTIONS,
    queries: { type: "string" },
    qrels: { type: "string" },
    out: { type: "string" },
    store: { type: "boolean" },
    folds: { type: "string" },
    "max-recall-loss": { type: "string" },
  },
  async run(values, positionals) {
    if (positionals.length > 0) throw new UsageError(`calibrate: unexpected argument "${positionals[0]}"`);
    const queriesPath = values.queries as string | undefined;
    const qrelsPath = values.qrels as string | undefined;
    const out = values.out as string | undefined;
    if (!queriesPath || !qrelsPath || !out) throw new UsageError("calibrate: --queries <file>, --qrels <file> and --out <model.json> are required");
    const folds = numberOption(values, "folds", true) ?? 5;
    if (folds < 2 || folds > 100) throw new UsageError(`--folds: expected an integer from 2 to 100, got ${folds}`);
    const maxRecallLoss = numberOption(values, "max-recall-loss") ?? 0.05;
    if (maxRecallLoss < 0 || maxRecallLoss > 1) throw new UsageError(`--max-recall-loss: expected a number from 0 to 1, got ${maxRecallLoss}`);
    const defaults = searchDefaults(values);
    const qrelsFile = await resolveBeirPath(qrelsPath, "qrels");
    const qrels = parseQrels(await readText(qrelsFile), qrelsFile);
    const index = await openIndex(values, { readOnly: values.store !== true });
    try {
      const queries = (await readQueries(queriesPath, defaults, index, await queryEncoders(index, encodeOptions(values)), { quiet: values.quiet === true })).filter((q) => qrels.has(q.id));
      if (queries.length < folds) throw new UsageError(`calibrate: ${queries.length} judged queries, fewer than --folds ${folds}`);
      const data = await collectCalibrationData(index, queries, qrels);
      if (data.examples.labels.every((y) => y === 0)) throw new UsageError(`calibrate: no relevant document of ${qrelsFile} was retrieved, so there is nothing to learn from`);
      const { model, report } = calibrate(data, { folds, maxRecallLoss });
      const json = `${JSON.stringify(model.toJSON(), null, 2)}\n`;
      await writeFile(out, json);
      if (values.store === true) await index.putAttachment(CALIBRATION_ATTACHMENT, new TextEncoder().encode(json));
      return { out, stored: values.store === true, ...report };
    } finally {
      await index.close();
    }
  },
};
