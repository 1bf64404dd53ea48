import { elapsed } from "../elapsed.js";
import type { SearchIndex } from "../../engine/search-index.js";
import type { DenseQuantization, Metric } from "../../types.js";
import { checkDocumentsFile } from "../check-documents-file.js";
import { DocumentEncoding, encodeOptions } from "../text-encoders.js";
import { openIndex } from "../open-index.js";
import { BACKEND_OPTIONS, numberOption, type ParsedValues } from "../options.js";
import { startProgress, type ProgressOptions } from "../progress.js";
import { Interrupted, Interruption } from "../interruption.js";
import { fromBeirRecord, resolveBeirPath, streamJsonl } from "../read-input.js";
import { UsageError } from "../usage-error.js";
import type { Command } from "./command.js";

/** Documents per upsert (one atomic commit each) unless --batch-size says otherwise. */
const DEFAULT_BATCH_SIZE = 10_000;

export const indexCommand: Command = {
  name: "index",
  usage: `tandem index <docs.jsonl | beir-folder> --index <dir> [--metric cosine|dot|l2]

Reads one document per line ({"id","text","sparse","dense","fields"}; BEIR's "_id"/"title" too).
The whole file is checked first, as a stream: a bad line rejects the whole file and nothing is
stored. Then the documents are upserted in batches, one atomic commit each, reading the file
again (memory stays bounded whatever its size). A failure while storing (a full disk, a vector
from an encoder the index refuses) leaves the earlier batches stored, and the message says how
many documents they hold. Ctrl-C (SIGINT) or SIGTERM stops after the commit in progress and says
what is stored (exit 130); a second one stops at once.
  --metric cosine|dot|l2   dense metric of a new index (default cosine)
  --batch-size N           documents per commit (default ${DEFAULT_BATCH_SIZE.toLocaleString("en")})
  --encode-sparse bm25     give documents without "sparse" BM25 weights from their text (fitted on
                           the first file indexed this way, then stored with the index and reused)
  --encode-sparse <dir>    ...or SPLADE weights from a masked-LM model directory (transformers.js)
  --encode-dense <dir>     give documents without "dense" a sentence embedding from a model directory
  --m N                    HNSW links per node of a new index (default 16)
  --ef-construction N      HNSW build candidate list size of a new index (default 200)
  --quantization none|int8 dense vectors of a new index in memory as float32 (default) or int8
                           codes (a quarter of the memory; the ef best are rescored exactly)
  --quiet                  no progress bars (shown on stderr only when stderr is a terminal:
                           megabytes checked, then documents indexed, per second, elapsed, ETA)`,
  options: {
    ...BACKEND_OPTIONS,
    metric: { type: "string" },
    m: { type: "string" },
    "ef-construction": { type: "string" },
    quantization: { type: "string" },
    "encode-sparse": { type: "string" },
    "encode-dense": { type: "string" },
    "batch-size": { type: "string" },
    quiet: { type: "boolean" },
  },
  async run(values: ParsedValues, positionals: string[], _out, warn) {
    const [input, ...extra] = positionals;
    if (!input) throw new UsageError("index: missing <docs.jsonl>");
    if (extra.length > 0) throw new UsageError(`index: unexpected argument "${extra[0]}"`);
    const metric = values.metric as string | undefined;
    if (metric !== undefined && !["cosine", "dot", "l2"].includes(metric)) throw new UsageError(`--metric: expected cosine, dot or l2, got "${metric}"`);
    const quantization = values.quantization as string | undefined;
    if (quantization !== undefined && !["none", "int8"].includes(quantization)) throw new UsageError(`--quantization: expected none or int8, got "${quantization}"`);
    const batchSize = numberOption(values, "batch-size", true) ?? DEFAULT_BATCH_SIZE;
    if (batchSize < 1) throw new UsageError(`--batch-size: expected a positive integer, got "${values["batch-size"] as string}"`);
    const encode = encodeOptions(values);
    const progress: ProgressOptions = { quiet: values.quiet === true };
    const started = performance.now();
    const path = await resolveBeirPath(input, "corpus");
    const encoding = await DocumentEncoding.start(encode);
    // Checked before the index is opened, so a bad file leaves no trace. Dense vectors are checked
    // as for a new index; an index with its own dimension or metric gets them checked again below.
    const assumed = (metric ?? "cosine") as Metric;
    let check = await checkDocumentsFile(path, null, assumed, progress, encoding && ((doc) => encoding.fitText(doc)));
    const hnsw = { M: numberOption(values, "m", true), efConstruction: numberOption(values, "ef-construction", true) };
    const index = await openIndex(values, { readOnly: false, metric: metric as Metric | undefined, hnsw, quantization: quantization as DenseQuantization | undefined, warn });
    try {
      const config = await index.stats();
      if (check.dense && (config.dimension !== null || config.metric !== assumed)) check = await checkDocumentsFile(path, config.dimension, config.metric, progress);
      await encoding?.ready(index);
      const upserted = await upsertInBatches(index, path, batchSize, check.documents, encoding, progress, warn);
      const stats = await index.stats();
      return { upserted, documents: stats.documents, dimension: stats.dimension, metric: stats.metric, took_ms: elapsed(started) };
    } finally {
      await index.close();
    }
  },
};

/**
 * Streams the (checked) file into the index, `batchSize` documents per upsert. A failure after
 * some batches names how many documents they stored.
 */
async function upsertInBatches(
  index: SearchIndex,
  path: string,
  batchSize: number,
  total: number,
  encoding: DocumentEncoding | undefined,
  options: ProgressOptions,
  warn: (line: string) => void,
): Promise<number> {
  const progress = startProgress(encoding ? `indexing, encoding ${encoding.legs}` : "indexing", total, "documents", options);
  let docs: Record<string, unknown>[] = [];
  let wheres: string[] = [];
  let upserted = 0;
  let committed = 0;
  let lastCommitted = "";
  let batches = 0;
  const interruption = new Interruption((signal) => {
    progress.stop();
    warn(`tandem: interrupted again (${signal}): stopping now. ${storedSoFar(committed, lastCommitted, batches)}, and the commit in progress, if it completed`);
  });
  const flush = async () => {
    try {
      if (encoding) await encoding.encode(docs, (count) => progress.advance(count));
      upserted += (await index.upsert(docs as never, { where: (i) => wheres[i]! })).upserted;
      await encoding?.saveModel();
    } catch (err) {
      if (committed > 0) addCommitted(err, committed, lastCommitted, batches);
      throw err;
    }
    if (!encoding) progress.advance(docs.length);
    committed += docs.length;
    lastCommitted = wheres[wheres.length - 1] ?? lastCommitted;
    batches++;
    docs = [];
    wheres = [];
  };
  try {
    for await (const record of streamJsonl(path)) {
      docs.push(fromBeirRecord(record.value));
      wheres.push(record.where);
      if (docs.length >= batchSize) {
        await flush();
        interruption.check();
      }
    }
    // An empty file still opens (and so creates) the index, as an upsert of nothing.
    if (docs.length > 0 || batches === 0) await flush();
  } catch (err) {
    // E.g. the file changed between the check and this pass.
    if (committed > 0) addCommitted(err, committed, lastCommitted, batches);
    else if (err instanceof Interrupted) err.message += " before the first commit: nothing was stored";
    throw err;
  } finally {
    interruption.dispose();
    progress.stop();
  }
  return upserted;
}

const NOTED = Symbol("committed noted");

/** Says in the error's message what earlier batches stored: the documents stay, so a rerun of the file upserts them again. */
function addCommitted(err: unknown, committed: number, lastWhere: string, batches: number): void {
  if (!(err instanceof Error) || (err as { [NOTED]?: boolean })[NOTED]) return;
  err.message += ` (${storedSoFar(committed, lastWhere, batches)} and remain; running the same file again upserts them again)`;
  (err as { [NOTED]?: boolean })[NOTED] = true;
}

function storedSoFar(committed: number, lastWhere: string, batches: number): string {
  return `${committed.toLocaleString("en")} documents, through ${lastWhere}, were stored by ${batches} earlier ${batches === 1 ? "commit" : "commits"}`;
}
