import { TopKHeap } from "../../top-k-heap.js";
import type { SparseAlgorithm, SparsePruning, SparseTokenContribution, SparseVector } from "../../types.js";
import { AcceptedSlots } from "../accepted-slots.js";
import { SlotRanges } from "../slot-ranges.js";
import { acceptedBlocks } from "./accepted-blocks.js";
import { AcceptedScanScratch, acceptedScanSearch } from "./algorithms/accepted-scan.js";
import { BlockMaxScratch, blockMaxSearch } from "./algorithms/blockmax.js";
import { exhaustiveSearch, TermAtATimeScratch } from "./algorithms/exhaustive.js";
import { maxScoreSearch } from "./algorithms/maxscore.js";
import { pruneQueryTerms } from "./prune-query-terms.js";
import type { RetrievalScores } from "../retrieval-scores.js";
import type { SparsePart } from "./sparse-part.js";
import type { SparseQuery } from "./sparse-query.js";
import { SparseSegment } from "./sparse-segment.js";

/**
 * Below this many documents a segment is searched exhaustively under `"auto"`: there, bounding
 * every block costs about what pruning saves. Measured on the SPLADE-like corpus
 * (test/bench/sparse-algorithms-probe.ts, top 10): p50 equal at 8,000 and 16,000 documents,
 * block-max 1.6× faster at 32,000, 1.3× slower at 4,000.
 */
export const AUTO_BLOCKMAX_MIN_DOCS = 8192;

/**
 * At or below this share of a segment's documents accepted (a selective filter, or most documents
 * deleted), `"auto"` scores the accepted documents alone (algorithms/accepted-scan.ts): there
 * block-max search's k-th score stays low and lets most blocks holding an accepted document
 * through, to be scored whole, while the scan's cost follows the accepted documents. Measured at
 * a million SPLADE-like documents (test/bench/sparse-filter-probe.ts `crossover`, top 10, accepted
 * documents spread independently of the document order, load average 6–8): p50 scan / block-max
 * 0.45 at 0.5% accepted, 0.48 at 1.1%, 0.61 at 2%, 0.82 at 3.5%, 0.89 at 5%, 1.32 at 7.5%, 1.41
 * at 10%.
 */
export const AUTO_ACCEPTED_SCAN_MAX_SHARE = 0.05;

/**
 * What `"auto"` runs on a segment of `docCount` documents, `accepted` of them accepted: the scan
 * of the accepted documents alone at or below {@link AUTO_ACCEPTED_SCAN_MAX_SHARE} of them, else
 * exhaustive scoring below {@link AUTO_BLOCKMAX_MIN_DOCS} documents, else block-max search.
 * @internal
 */
export function autoAlgorithm(docCount: number, accepted: number): "accepted" | "exhaustive" | "blockmax" {
  if (accepted <= AUTO_ACCEPTED_SCAN_MAX_SHARE * docCount) return "accepted";
  return docCount < AUTO_BLOCKMAX_MIN_DOCS ? "exhaustive" : "blockmax";
}

interface Entry {
  base: number;
  docCount: number;
  segment: SparseSegment;
}

/**
 * The sparse leg: per segment its postings (sparse-segment.ts), searched segment by segment into
 * one top-k heap. Its query algorithms live in algorithms/, one per file. @internal
 */
export class SparseLeg {
  private readonly ranges = new SlotRanges<Entry>();
  private readonly scratch = new TermAtATimeScratch();
  private readonly blockScratch = new BlockMaxScratch();
  private readonly acceptedScratch = new AcceptedScanScratch();
  private readonly compiledQueries = new WeakMap<SparseVector, Map<SparseSegment, SparseQuery>>();

  /** Appends a segment's sparse part, its documents at slots `base`… */
  add(base: number, docCount: number, part: SparsePart): void {
    this.ranges.items.push({ base, docCount, segment: new SparseSegment(part) });
  }

  /** Replaces segments `start`…`end − 1` by their merge (same slots) — or every segment, from `start` 0, after a compaction. */
  replace(start: number, end: number, base: number, docCount: number, part: SparsePart): void {
    this.ranges.items.splice(start, end - start, { base, docCount, segment: new SparseSegment(part) });
  }

  /** Distinct tokens over the segments. */
  vocabularySize(): number {
    const items = this.ranges.items;
    if (items.length === 1) return items[0]!.segment.tokens.length;
    const tokens = new Set<string>();
    for (const { segment } of items) for (const token of segment.tokens) tokens.add(token);
    return tokens.size;
  }

  /**
   * The best `k` accepted slots by exact Σ q·d, best first (ties by `tieBreak`), found by
   * `algorithm` (`auto`: per segment by its size and the share of it accepted). With `pruning`
   * (block-max search only) the slots may miss some of the exact top k; `exact` says whether they
   * provably do not. Scores are exact either way. With `seen`, segments searched exhaustively or by
   * the accepted-only scan record every accepted document's score there, and mark it complete
   * when every segment was.
   */
  retrieve(
    query: SparseVector,
    k: number,
    accepted: AcceptedSlots | Uint8Array,
    tieBreak: (a: number, b: number) => number,
    algorithm: SparseAlgorithm = "auto",
    pruning?: SparsePruning,
    seen?: RetrievalScores,
  ): { slots: number[]; scores: number[]; exact: boolean } {
    const heap = new TopKHeap(k, tieBreak);
    const alpha = pruning?.alpha ?? 1;
    const bound = pruning ? pruneQueryTerms(query, pruning) : undefined;
    const set = accepted instanceof AcceptedSlots ? accepted : AcceptedSlots.of(accepted);
    const accept = set.bytes;
    const items = this.ranges.items;
    const slots = items.length === 0 ? 0 : items[items.length - 1]!.base + items[items.length - 1]!.docCount;
    // Every slot accepted (no filter, no deletion): nothing to derive.
    const everything = set.count >= slots;
    let everySegmentSeen = true;
    for (const { base, docCount, segment } of items) {
      const q = this.compiled(segment, query);
      if (q.termIds.length === 0) continue;
      const blocks = everything ? undefined : set.derive(segment, () => acceptedBlocks(segment, base, accept));
      if (blocks?.count === 0) continue;
      const acceptedDocs = blocks ? blocks.count : docCount;
      const use = algorithm === "auto" ? autoAlgorithm(docCount, acceptedDocs) : algorithm;
      if (use === "exhaustive") exhaustiveSearch(segment, docCount, base, q, accept, heap, this.scratch, seen);
      else if (use === "maxscore") {
        everySegmentSeen = false;
        maxScoreSearch(segment, base, q, accept, heap);
      } else if (use === "accepted") acceptedScanSearch(segment, base, q, blocks!, heap, this.acceptedScratch, seen);
      else {
        everySegmentSeen = false;
        const boundTerms = bound && Uint8Array.from(q.termIds, (t) => (bound.has(segment.tokens[t]!) ? 1 : 0));
        blockMaxSearch(segment, base, q, accept, heap, this.blockScratch, alpha < 1 || boundTerms ? { alpha, boundTerms } : undefined, blocks?.masks);
      }
    }
    // A segment no query term occurs in holds no score, seen or not.
    if (seen && everySegmentSeen) seen.markComplete();
    return { ...heap.drain(), exact: alpha === 1 && bound === undefined };
  }

  /**
   * Exact scores of `slots` (negative entries skipped; undefined there and where a document shares
   * no token), scored segment by segment in one batch each.
   */
  score(query: SparseVector, slots: ArrayLike<number>): (number | undefined)[] {
    const n = slots.length;
    const out: (number | undefined)[] = new Array<number | undefined>(n).fill(undefined);
    const items = this.ranges.items;
    // Each slot's segment, and how many slots fall in each.
    const segmentOf = new Int32Array(n).fill(-1);
    const counts = new Int32Array(items.length);
    for (let i = 0; i < n; i++) {
      const slot = slots[i]!;
      if (!(slot >= 0)) continue;
      const s = items.length === 1 ? 0 : this.ranges.indexAt(slot);
      segmentOf[i] = s;
      counts[s]!++;
    }
    for (let s = 0; s < items.length; s++) {
      const count = counts[s]!;
      if (count === 0) continue;
      const { base, segment } = items[s]!;
      const docs = new Int32Array(count);
      const from = new Int32Array(count);
      for (let i = 0, c = 0; i < n; i++) {
        if (segmentOf[i] !== s) continue;
        docs[c] = slots[i]! - base;
        from[c++] = i;
      }
      const scores = new Float64Array(count);
      segment.scoreMany(this.compiled(segment, query), docs, scores);
      for (let c = 0; c < count; c++) if (!Number.isNaN(scores[c]!)) out[from[c]!] = scores[c]!;
    }
    return out;
  }

  /**
   * The query compiled against a segment, kept for the query object's life: a search's retrieval
   * and score completion compile it once. The engine's query vectors are its own copies, never
   * changed after validation.
   */
  private compiled(segment: SparseSegment, query: SparseVector): SparseQuery {
    let bySegment = this.compiledQueries.get(query);
    if (!bySegment) this.compiledQueries.set(query, (bySegment = new Map<SparseSegment, SparseQuery>()));
    let q = bySegment.get(segment);
    if (!q) bySegment.set(segment, (q = segment.compileQuery(query)));
    return q;
  }

  contributions(query: SparseVector, slot: number): SparseTokenContribution[] {
    const { base, segment } = this.ranges.at(slot);
    return segment.contributions(segment.compileQuery(query), slot - base);
  }

  vector(slot: number): SparseVector | undefined {
    const { base, segment } = this.ranges.at(slot);
    return segment.vector(slot - base);
  }
}
