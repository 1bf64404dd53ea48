import { BLOCK_SHIFT } from "./sparse-part.js";
import type { SparseSegment } from "./sparse-segment.js";

/**
 * Where a segment's accepted documents lie among its blocks: per block a bit per place (bit d:
 * the document at place d is accepted), and the blocks holding one. Derived once per accepted set
 * (see AcceptedSlots.derive), so a filter repeated over queries costs nothing after the first.
 * @internal
 */
export interface AcceptedBlocks {
  /** Per block, its places holding an accepted document. */
  masks: Uint32Array;
  /** The blocks whose mask is not 0, ascending. */
  blocks: Uint32Array;
  /** Accepted documents in the segment. */
  count: number;
}

/** The accepted blocks of `segment`, whose documents are slots `base`… of `accept`. */
export function acceptedBlocks(segment: SparseSegment, base: number, accept: Uint8Array): AcceptedBlocks {
  const { blockCount, docCount, positionOf } = segment;
  const masks = new Uint32Array(blockCount);
  let count = 0;
  // Documents in local order: `accept` is read in order and only the masks (4 bytes per 32
  // documents, cache-resident) are written out of order; no branch on the filter's outcome.
  for (let doc = 0; doc < docCount; doc++) {
    const a = accept[base + doc]!;
    const position = positionOf[doc]!;
    masks[position >>> BLOCK_SHIFT]! |= a << (position & 31);
    count += a;
  }
  let nonEmpty = 0;
  for (let b = 0; b < blockCount; b++) if (masks[b] !== 0) nonEmpty++;
  const blocks = new Uint32Array(nonEmpty);
  for (let b = 0, i = 0; b < blockCount; b++) if (masks[b] !== 0) blocks[i++] = b;
  return { masks, blocks, count };
}
