import type { TopKHeap } from "../../../top-k-heap.js";
import { gallop } from "../gallop.js";
import { BLOCK_SHIFT, MAX_LEVEL, pairPosting } from "../sparse-part.js";
import type { SparseQuery } from "../sparse-query.js";
import type { SparseSegment } from "../sparse-segment.js";

/**
 * Relative margin on block bounds: a bound is a sum of products of rounded factors taken in
 * another order than the exact score, so it may round below it by a few ulps; a block is skipped
 * only when bound × (1 + margin) falls short of the threshold, which keeps the result exact.
 */
const BOUND_MARGIN = 1e-6;
/** Blocks are ordered by their bound into this many buckets (a counting sort, not a full sort). */
const BUCKETS = 1024;
/**
 * Blocks with the best bounds are scored first, at most this many and at least `PROBE_MIN` once
 * the heap is full, so that a threshold exists before postings are linked: a block that cannot
 * beat it is never linked. At a million documents it leaves about 5% of the blocks to link;
 * scoring 16 rather than 8 or 4 first measured 6–12% faster there, 32 of 128 no faster.
 */
const PROBE_BLOCKS = 64;
const PROBE_MIN = 16;

/** Blocks whose bounds are summed together: 4,096 float64s, 32 KiB, what a first-level data cache holds. */
const BOUND_TILE = 4096;

/**
 * A query term whose (term, block) pairs cover at least this share of the segment's blocks has
 * its bounds summed from a dense row of block maxima (`SparseSegment.blockMaxRow`, a byte per
 * block) rather than scattered from its pairs. At a million SPLADE-like documents, shares of 0.2,
 * 0.35, 0.5 and 0.7 measured alike (p50 within noise, 0.70–0.76 of bounding from pairs alone
 * and linking every block's list), and 0.5 keeps the rows smallest: 768 tokens, 0.19 bytes a
 * posting if all are queried (0.2: 0.69).
 */
const HEAD_SHARE = 0.5;

/**
 * A term with at most this many pairs per linked block is linked by a walk over all its pairs,
 * else by galloping from one linked block to the next (1, 4 and 16 measured alike at 1M).
 */
const WALK_RATIO = 4;

/** `BlockMaxScratch.scored`: 1 marks a block scored before linking, this one a block to link. */
const LINK = 2;

/** How far a block-max search may cut corners. @internal */
export interface BlockMaxApproximation {
  /** Blocks whose bound × alpha does not exceed the threshold are skipped; 1: exact. */
  alpha: number;
  /** Per query term (query order), 1 when its weight counts toward block bounds; absent: all. */
  boundTerms?: Uint8Array;
}

/** Per-query buffers reused across queries, so a search allocates nothing per block or posting. @internal */
export class BlockMaxScratch {
  upper = new Float64Array(0);
  /** Blocks a query term occurs in whose bound is 0 (only when some terms do not count toward bounds). */
  unbounded = new Uint8Array(0);
  /** Per block: 1 once scored before linking, `LINK` when it is to be linked; 0 between queries. */
  scored = new Uint8Array(0);
  /** Per linked block, its places holding accepted documents (`acceptedPlaces`). */
  accepted = new Uint32Array(0);
  /** Per linked block, its number among the linked blocks (valid while `scored` says `LINK`). */
  linkSlot = new Uint32Array(0);
  /** The linked blocks, ascending. */
  linked = new Uint32Array(0);
  /** Numbers of linked blocks, by decreasing bound bucket. */
  sorted = new Uint32Array(0);
  /**
   * Linked block k's postings of query term i: its first posting at k × terms + i, and their
   * count (0: the term is not in the block) — a block's entries side by side, in query order.
   */
  entryPosting = new Uint32Array(0);
  entryCount = new Uint8Array(0);
  readonly probeBlocks: Uint32Array;
  readonly probeBounds: Float64Array;
  readonly probeMin: number;
  readonly bucketStarts = new Uint32Array(BUCKETS + 1);
  readonly bucketMax = new Float64Array(BUCKETS);
  readonly accumulators = new Float64Array(1 << BLOCK_SHIFT);

  readonly boundTile: number;
  readonly headShare: number;
  readonly walkRatio: number;
  /** Per query term, its dense row of block maxima when it is bounded from one. */
  rows: (Uint8Array | undefined)[] = [];

  /**
   * `probeBlocks`, `probeMin`: how many of the best-bounded blocks are scored before postings
   * are linked (defaults 64 and 16); `boundTile`: blocks bounded together (default 4,096);
   * `headShare`: the share of a segment's blocks from which a term is bounded from its dense row
   * (default 0.5; 0: every term); `walkRatio`: up to how many of a term's pairs per linked block it
   * is linked by a walk over all its pairs rather than galloping (default 4). Tests shrink them to
   * reach every path on small segments.
   */
  constructor(probeBlocks = PROBE_BLOCKS, probeMin = PROBE_MIN, boundTile = BOUND_TILE, headShare = HEAD_SHARE, walkRatio = WALK_RATIO) {
    this.walkRatio = walkRatio;
    this.probeBlocks = new Uint32Array(probeBlocks);
    this.probeBounds = new Float64Array(probeBlocks);
    this.probeMin = probeMin;
    this.boundTile = boundTile;
    this.headShare = headShare;
  }

  private termCursors = new Uint32Array(64);
  private termCoefficients = new Float64Array(64);

  /** A cursor per query term, into its (term, block) pairs. */
  cursors(terms: number): Uint32Array {
    if (this.termCursors.length < terms) this.termCursors = new Uint32Array(terms);
    return this.termCursors;
  }

  private termsAtHead = new Uint32Array(64);

  /** Room for the query terms bounded from dense rows. */
  headTerms(terms: number): Uint32Array {
    if (this.termsAtHead.length < terms) this.termsAtHead = new Uint32Array(terms);
    return this.termsAtHead;
  }

  /** Per query term, the factor turning its quantized levels into weights: q × max / 255. */
  coefficients(terms: number): Float64Array {
    if (this.termCoefficients.length < terms) this.termCoefficients = new Float64Array(terms);
    return this.termCoefficients;
  }

  reserve(blocks: number): void {
    if (this.upper.length < blocks) {
      this.upper = new Float64Array(blocks);
      this.unbounded = new Uint8Array(blocks);
      this.scored = new Uint8Array(blocks);
      this.accepted = new Uint32Array(blocks);
      this.linkSlot = new Uint32Array(blocks);
      this.linked = new Uint32Array(blocks);
      this.sorted = new Uint32Array(blocks);
    }
  }

  /** Room for `entries` (linked blocks × query terms) entries, their counts zeroed. */
  reserveEntries(entries: number): void {
    if (this.entryCount.length < entries) {
      const size = Math.max(entries, this.entryCount.length * 2);
      this.entryPosting = new Uint32Array(size);
      this.entryCount = new Uint8Array(size);
    } else {
      this.entryCount.fill(0, 0, entries);
    }
  }
}

/**
 * Adds one query term's contributions `qw × weight` for postings `p…end` of a block to the
 * block's accumulators; `seen` has bit d set for each place d already holding a sum. Returns the
 * new `seen`.
 */
function accumulate(acc: Float64Array, seen: number, qw: number, postingDocs: Uint8Array, postingWeights: Float32Array, p: number, end: number): number {
  for (; p < end; p++) {
    const d = postingDocs[p]!;
    const bit = 1 << d;
    if ((seen & bit) === 0) {
      seen |= bit;
      acc[d] = qw * postingWeights[p]!;
    } else {
      acc[d]! += qw * postingWeights[p]!;
    }
  }
  return seen;
}

/** Whether a scaled bound lets a block in: above the threshold, or equal to it when `inclusive`. */
function beats(scaled: number, threshold: number, inclusive: boolean): boolean {
  return scaled > threshold || (inclusive && scaled === threshold);
}

/**
 * Which of block `b`'s places hold an accepted document: bit d for place d. Read before a block
 * is scored, so a block a filter or deletions empty is skipped unscored — under a selective
 * filter most blocks are.
 */
function acceptedPlaces(b: number, docOrder: Uint32Array, base: number, accept: Uint8Array): number {
  const first = b << BLOCK_SHIFT;
  const end = Math.min(docOrder.length, first + (1 << BLOCK_SHIFT));
  let mask = 0;
  for (let position = first; position < end; position++) if (accept[base + docOrder[position]!] === 1) mask |= 1 << (position - first);
  return mask;
}

/** Offers the block's summed documents at the places in `seen` to the heap, as float32 scores. */
function offer(heap: TopKHeap, acc: Float64Array, seen: number, first: number, docOrder: Uint32Array, base: number): void {
  while (seen !== 0) {
    const d = 31 - Math.clz32(seen);
    seen ^= 1 << d;
    heap.push(Math.fround(acc[d]!), base + docOrder[first | d]!);
  }
}

/**
 * Top-k of one segment by block-max pruning (BMP: Mallia, Suel & Tonellotto, "Faster Learned
 * Sparse Retrieval with Block-Max Pruning", SIGIR 2024). A pass over the query terms gives every
 * block its upper bound Σ q_t × blockmax_t,b (the stored 8-bit maxima, rounded up): head terms
 * add their dense rows of maxima, the others their (term, block) pairs. The blocks with the best
 * bounds are scored first (their postings found by binary search), which sets a threshold; every
 * block that can still beat it is then linked to its postings of each query term (per term a
 * walk or a gallop through its pairs, ascending); those blocks are then visited in decreasing bound order, each
 * scored exactly — contributions summed in the query's term order, as `exhaustiveSearch` sums
 * them, then rounded to float32, so scores are bit-identical — until the next bound cannot beat
 * the heap's threshold. A bound equal to the threshold is still visited: a document scoring
 * exactly the threshold may enter by tie-break. With `approximation` (alpha < 1, or only some
 * terms counting toward bounds) blocks are cut earlier; the scores of what is returned stay exact.
 * `heap` is shared by every segment, so a threshold reached in one prunes the next.
 * `accept[slot]` must be 1 for a slot to be returned; `acceptedMasks`, when given, holds each
 * block's accepted places (accepted-blocks.ts), so no block without one is scored first either.
 * @internal
 */
export function blockMaxSearch(
  segment: SparseSegment,
  base: number,
  query: SparseQuery,
  accept: Uint8Array,
  heap: TopKHeap,
  scratch: BlockMaxScratch,
  approximation?: BlockMaxApproximation,
  acceptedMasks?: Uint32Array,
): void {
  const n = query.termIds.length;
  if (n === 0 || heap.k === 0) return;
  const part = segment.part;
  const { termBlockStarts, blockIds, blockCounts, blockMaxima, postingDocs, postingWeights } = part;
  const docOrder = segment.docOrder;
  const blockCount = segment.blockCount;
  const termIds = query.termIds;
  const weights = query.weights;
  scratch.reserve(blockCount);
  const { upper, unbounded, scored, accepted, linkSlot, linked, sorted, probeBlocks, probeBounds, bucketStarts, bucketMax } = scratch;
  const acc = scratch.accumulators;
  const alpha = approximation?.alpha ?? 1;
  const boundTerms = approximation?.boundTerms;
  const exact = alpha === 1;
  let threshold = heap.threshold;
  // A block is visited while bound × factor beats the threshold (or meets it, when exact). Inlined
  // below: a closure over the changing threshold cost more than the comparisons it makes.
  const factor = exact ? 1 + BOUND_MARGIN : alpha;

  // Bounds. A block no query term occurs in keeps 0 and is never a candidate. Summed a tile of
  // blocks at a time, every term in turn, so the tile's bounds stay in the first-level cache: a
  // head term (its pairs cover `headShare` of the blocks or more) adds its dense row over the
  // tile, branch-free; any other term scatters its pairs in the tile. Absent blocks add 0.
  upper.fill(0, 0, blockCount);
  let someUnbounded = false;
  const cursor = scratch.cursors(n);
  const rows = scratch.rows;
  const coefficients = scratch.coefficients(n);
  const headTerms = scratch.headTerms(n);
  let headCount = 0;
  const headPairs = scratch.headShare * blockCount;
  for (let i = 0; i < n; i++) {
    const term = termIds[i]!;
    cursor[i] = termBlockStarts[term]!;
    coefficients[i] = weights[i]! * (segment.termMaxWeights[term]! / MAX_LEVEL);
    const counted = !(boundTerms && boundTerms[i] === 0);
    if (!counted) someUnbounded = true;
    rows[i] = counted && termBlockStarts[term + 1]! - termBlockStarts[term]! >= headPairs ? segment.blockMaxRow(term) : undefined;
    if (rows[i] !== undefined) headTerms[headCount++] = i;
  }
  const tile = scratch.boundTile;
  for (let tileStart = 0; tileStart < blockCount; tileStart += tile) {
    const tileEnd = Math.min(blockCount, tileStart + tile);
    // Head rows four at a time: a bound is loaded and stored once per four terms.
    let h = 0;
    for (; h + 4 <= headCount; h += 4) {
      const r0 = rows[headTerms[h]!]!;
      const r1 = rows[headTerms[h + 1]!]!;
      const r2 = rows[headTerms[h + 2]!]!;
      const r3 = rows[headTerms[h + 3]!]!;
      const c0 = coefficients[headTerms[h]!]!;
      const c1 = coefficients[headTerms[h + 1]!]!;
      const c2 = coefficients[headTerms[h + 2]!]!;
      const c3 = coefficients[headTerms[h + 3]!]!;
      for (let b = tileStart; b < tileEnd; b++) upper[b]! += c0 * r0[b]! + c1 * r1[b]! + c2 * r2[b]! + c3 * r3[b]!;
    }
    for (; h < headCount; h++) {
      const row = rows[headTerms[h]!]!;
      const coefficient = coefficients[headTerms[h]!]!;
      for (let b = tileStart; b < tileEnd; b++) upper[b]! += coefficient * row[b]!;
    }
    for (let i = 0; i < n; i++) {
      if (rows[i] !== undefined) continue;
      const coefficient = coefficients[i]!;
      const to = termBlockStarts[termIds[i]! + 1]!;
      let j = cursor[i]!;
      if (boundTerms && boundTerms[i] === 0) {
        for (; j < to && blockIds[j]! < tileEnd; j++) unbounded[blockIds[j]!] = 1;
      } else {
        for (; j < to && blockIds[j]! < tileEnd; j++) upper[blockIds[j]!]! += coefficient * blockMaxima[j]!;
      }
      cursor[i] = j;
    }
  }

  // The best-bounded blocks, best first (ties: the lower block), scored through binary searches.
  const limit = probeBlocks.length;
  let probes = 0;
  for (let b = 0; b < blockCount && limit > 0; b++) {
    const bound = upper[b]!;
    if (bound === 0 && (!someUnbounded || unbounded[b] === 0)) continue;
    if (acceptedMasks && acceptedMasks[b] === 0) continue;
    if (probes === limit && bound <= probeBounds[limit - 1]!) continue;
    let at = probes < limit ? probes++ : limit - 1;
    while (at > 0 && bound > probeBounds[at - 1]!) {
      probeBounds[at] = probeBounds[at - 1]!;
      probeBlocks[at] = probeBlocks[at - 1]!;
      at--;
    }
    probeBounds[at] = bound;
    probeBlocks[at] = b;
  }
  let probed = 0;
  let finished = false;
  for (; probed < probes; probed++) {
    if (!beats(probeBounds[probed]! * factor, threshold, exact)) {
      // Every block left is bounded by this one's bound: none can enter.
      finished = true;
      break;
    }
    if (probed >= scratch.probeMin && threshold > -Infinity) break;
    const b = probeBlocks[probed]!;
    scored[b] = 1;
    const places = acceptedMasks ? acceptedMasks[b]! : acceptedPlaces(b, docOrder, base, accept);
    if (places === 0) continue;
    let seen = 0;
    for (let i = 0; i < n; i++) {
      const row = rows[i];
      if (row !== undefined && row[b] === 0) continue;
      const j = segment.pairIndex(termIds[i]!, b);
      if (j < 0) continue;
      const p = pairPosting(part, j);
      seen = accumulate(acc, seen, weights[i]!, postingDocs, postingWeights, p, p + blockCounts[j]!);
    }
    offer(heap, acc, seen & places, b << BLOCK_SHIFT, docOrder, base);
    threshold = heap.threshold;
  }
  if (probed === probes && probes < limit) finished = true;

  // Links from each block that can still beat the threshold to its postings of each query term.
  let linkedCount = 0;
  let maxUpper = 0;
  if (!finished) {
    // The blocks to link, marked first: the pass over the pairs then reads one byte per block.
    for (let b = 0; b < blockCount; b++) {
      const bound = upper[b]!;
      const candidate = scored[b] === 0 && (bound > 0 || (someUnbounded && unbounded[b] === 1)) && beats(bound * factor, threshold, exact);
      if (!candidate) continue;
      const places = acceptedMasks ? acceptedMasks[b]! : acceptedPlaces(b, docOrder, base, accept);
      if (places !== 0) {
        scored[b] = LINK;
        accepted[b] = places;
        linkSlot[b] = linkedCount;
        linked[linkedCount++] = b;
        if (bound > maxUpper) maxUpper = bound;
      }
    }
    // Per term, its pairs in the linked blocks: a walk over all its pairs when they are few
    // beside the linked blocks, else a gallop through them from one linked block (ascending) to
    // the next, skipping at once the blocks a head term's row says it is absent from.
    scratch.reserveEntries(linkedCount * n);
    const { entryPosting, entryCount } = scratch;
    for (let i = 0; i < n; i++) {
      const term = termIds[i]!;
      const start = termBlockStarts[term]!;
      const end = termBlockStarts[term + 1]!;
      if (end - start <= linkedCount * scratch.walkRatio) {
        let p = pairPosting(part, start);
        for (let j = start; j < end; j++) {
          const count = blockCounts[j]!;
          const b = blockIds[j]!;
          if (scored[b] === LINK) {
            const x = linkSlot[b]! * n + i;
            entryPosting[x] = p;
            entryCount[x] = count;
          }
          p += count;
        }
        continue;
      }
      const row = rows[i];
      let j = start;
      for (let k = 0; k < linkedCount; k++) {
        const b = linked[k]!;
        if (row !== undefined && row[b] === 0) continue;
        if (blockIds[j]! < b) {
          j = gallop(blockIds, j, end, b);
          if (j === end) break;
        }
        if (blockIds[j] !== b) continue;
        entryPosting[k * n + i] = pairPosting(part, j);
        entryCount[k * n + i] = blockCounts[j]!;
      }
    }
  }

  // Linked blocks into buckets by bound, highest bucket first (a counting sort); each bucket's largest bound kept.
  const scale = maxUpper > 0 ? BUCKETS / maxUpper : 0;
  bucketStarts.fill(0);
  bucketMax.fill(0);
  const bucketOf = (bound: number) => BUCKETS - 1 - Math.min(BUCKETS - 1, Math.floor(bound * scale));
  for (let k = 0; k < linkedCount; k++) {
    const bound = upper[linked[k]!]!;
    const bucket = bucketOf(bound);
    bucketStarts[bucket + 1]!++;
    if (bound > bucketMax[bucket]!) bucketMax[bucket] = bound;
  }
  for (let k = 0; k < BUCKETS; k++) bucketStarts[k + 1]! += bucketStarts[k]!;
  for (let k = 0; k < linkedCount; k++) sorted[bucketStarts[bucketOf(upper[linked[k]!]!)]!++] = k;
  for (let k = BUCKETS; k > 0; k--) bucketStarts[k] = bucketStarts[k - 1]!;
  bucketStarts[0] = 0;

  for (let bucket = 0; bucket < BUCKETS && linkedCount > 0; bucket++) {
    const from = bucketStarts[bucket]!;
    const to = bucketStarts[bucket + 1]!;
    if (from === to) continue;
    if (!beats(bucketMax[bucket]! * factor, threshold, exact)) break;
    for (let s = from; s < to; s++) {
      const k = sorted[s]!;
      const b = linked[k]!;
      if (!beats(upper[b]! * factor, threshold, exact)) continue;
      // Exact scores of the block's documents, by their place in the block, terms in query order.
      const { entryPosting, entryCount } = scratch;
      let seen = 0;
      for (let i = 0, x = k * n; i < n; i++, x++) {
        const count = entryCount[x]!;
        if (count === 0) continue;
        const p = entryPosting[x]!;
        seen = accumulate(acc, seen, weights[i]!, postingDocs, postingWeights, p, p + count);
      }
      offer(heap, acc, seen & accepted[b]!, b << BLOCK_SHIFT, docOrder, base);
      threshold = heap.threshold;
    }
  }
  for (let k = 0; k < linkedCount; k++) scored[linked[k]!] = 0;
  for (let k = 0; k < probed; k++) scored[probeBlocks[k]!] = 0;
  if (someUnbounded) unbounded.fill(0, 0, blockCount);
  // Rows belong to the segment: not kept past its search.
  rows.fill(undefined, 0, n);
}
