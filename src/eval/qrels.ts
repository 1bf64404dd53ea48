import { InvalidInputError } from "../errors.js";

/** Relevance judgements: query id → document id → grade (> 0 is relevant). */
export type Qrels = Map<string, Map<string, number>>;

/**
 * Parses qrels in BEIR TSV (`query-id<TAB>corpus-id<TAB>score`, with that header) or TREC
 * (`qid 0 docid rel`, whitespace-separated) form. `source` names the file in errors.
 */
export function parseQrels(text: string, source: string): Qrels {
  const qrels: Qrels = new Map();
  const lines = text.split(/\r?\n/);
  lines.forEach((line, i) => {
    const trimmed = line.trim();
    if (trimmed === "") return;
    const parts = trimmed.split(/\s+/);
    if (i === 0 && parts[0] === "query-id") return;
    let qid: string | undefined;
    let docid: string | undefined;
    let grade: string | undefined;
    if (parts.length === 3) [qid, docid, grade] = parts;
    else if (parts.length === 4) [qid, , docid, grade] = parts;
    else {
      throw new InvalidInputError(`${source}:${i + 1}: expected "query-id corpus-id score" (BEIR) or "qid 0 docid rel" (TREC), got ${parts.length} columns`);
    }
    const rel = Number(grade);
    if (!Number.isFinite(rel) || !Number.isInteger(rel)) throw new InvalidInputError(`${source}:${i + 1}: relevance grade must be an integer, got "${grade}"`);
    let judged = qrels.get(qid!);
    if (!judged) qrels.set(qid!, (judged = new Map<string, number>()));
    judged.set(docid!, rel);
  });
  if (qrels.size === 0) throw new InvalidInputError(`${source}: no judgements found`);
  return qrels;
}
