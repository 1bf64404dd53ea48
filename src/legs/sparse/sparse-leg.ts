import { TopKHeap } from "../../top-k-heap.js";
import type { SparseAlgorithm, SparsePruning, SparseTokenContribution, SparseVector } from "../../types.js";
import { SlotRanges } from "../slot-ranges.js";
import { BlockMaxScratch, blockMaxSearch } from "./algorithms/blockmax.js";
import { exhaustiveSearch, TermAtATimeScratch } from "./algorithms/exhaustive.js";
import { maxScoreSearch } from "./algorithms/maxscore.js";
import { pruneQueryTerms } from "./prune-query-terms.js";
import type { SparsePart } from "./sparse-part.js";
import { SparseSegment } from "./sparse-segment.js";

/**
 * Below this many documents a segment is searched exhaustively under `"auto"`: there, bounding
 * every block costs about what pruning saves. Measured on the SPLADE-like corpus
 * (test/bench/sparse-algorithms-probe.ts, top 10): p50 equal at 8,000 and 16,000 documents,
 * block-max 1.6× faster at 32,000, 1.3× slower at 4,000.
 */
export const AUTO_BLOCKMAX_MIN_DOCS = 8192;

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
   * `algorithm` (`auto`: per segment by its size). With `pruning` (block-max search only) the
   * slots may miss some of the exact top k; `exact` says whether they provably do not. Scores are
   * exact either way.
   */
  retrieve(
    query: SparseVector,
    k: number,
    accept: Uint8Array,
    tieBreak: (a: number, b: number) => number,
    algorithm: SparseAlgorithm = "auto",
    pruning?: SparsePruning,
  ): { slots: number[]; scores: number[]; exact: boolean } {
    const heap = new TopKHeap(k, tieBreak);
    const alpha = pruning?.alpha ?? 1;
    const bound = pruning ? pruneQueryTerms(query, pruning) : undefined;
    for (const { base, docCount, segment } of this.ranges.items) {
      const q = segment.compileQuery(query);
      if (q.termIds.length === 0) continue;
      const use = algorithm === "auto" ? (docCount < AUTO_BLOCKMAX_MIN_DOCS ? "exhaustive" : "blockmax") : algorithm;
      if (use === "exhaustive") exhaustiveSearch(segment, docCount, base, q, accept, heap, this.scratch);
      else if (use === "maxscore") maxScoreSearch(segment, base, q, accept, heap);
      else {
        const boundTerms = bound && Uint8Array.from(q.termIds, (t) => (bound.has(segment.tokens[t]!) ? 1 : 0));
        blockMaxSearch(segment, base, q, accept, heap, this.blockScratch, alpha < 1 || boundTerms ? { alpha, boundTerms } : undefined);
      }
    }
    return { ...heap.drain(), exact: alpha === 1 && bound === undefined };
  }

  /** Exact scores of `slots` (undefined entries skipped; undefined where a document shares no token). */
  score(query: SparseVector, slots: readonly (number | undefined)[]): (number | undefined)[] {
    const compiled = new Map<Entry, ReturnType<SparseSegment["compileQuery"]>>();
    return slots.map((slot) => {
      if (slot === undefined) return undefined;
      const entry = this.ranges.at(slot);
      let q = compiled.get(entry);
      if (!q) compiled.set(entry, (q = entry.segment.compileQuery(query)));
      return entry.segment.score(q, slot - entry.base);
    });
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
