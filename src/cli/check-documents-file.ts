import { describeValue } from "../describe-value.js";
import { validateDocument } from "../engine/validate-document.js";
import { InvalidDocumentError } from "../errors.js";
import type { Metric } from "../types.js";
import { startProgress, type ProgressOptions } from "./progress.js";
import { fileSize, fromBeirRecord, streamJsonl } from "./read-input.js";

/** What checking a documents file found. */
export interface DocumentsFileCheck {
  /** Documents in the file. */
  documents: number;
  /** Whether any document has a dense vector (checked against the dimension and metric given). */
  dense: boolean;
}

const MB = 1_000_000;

/**
 * Checks every document of a JSONL file as an upsert of the whole file would (JSON, each
 * document's rules, ids unique within the file, one dense dimension), reading it as a stream: what
 * it holds is one line and the ids seen (for the duplicate check). `dimension` and `metric` are
 * the index's (null: the first vector fixes it). `each` sees every valid document, in order.
 * Progress (megabytes read) goes to a bar on a terminal.
 */
export async function checkDocumentsFile(
  path: string,
  dimension: number | null,
  metric: Metric,
  progress: ProgressOptions,
  each?: (doc: Record<string, unknown>) => void,
): Promise<DocumentsFileCheck> {
  const total = Math.ceil((await fileSize(path)) / MB);
  const bar = startProgress("checking", total, "MB", progress);
  const firstLine = new Map<string, number>();
  let shown = 0;
  let documents = 0;
  let dense = false;
  try {
    for await (const record of streamJsonl(path, (bytes) => {
      const mb = Math.floor(bytes / MB);
      if (mb > shown) {
        bar.advance(mb - shown);
        shown = mb;
      }
    })) {
      const doc = fromBeirRecord(record.value);
      const valid = validateDocument(doc, record.where, dimension, metric);
      const first = firstLine.get(valid.id);
      if (first !== undefined) throw new InvalidDocumentError(`${record.where}: duplicate id ${describeValue(valid.id)} (first at ${path}:${first})`);
      firstLine.set(valid.id, record.line);
      if (valid.dense) {
        dimension = valid.dense.length;
        dense = true;
      }
      documents++;
      each?.(doc);
    }
    if (total > shown) bar.advance(total - shown);
  } finally {
    bar.stop();
  }
  return { documents, dense };
}
