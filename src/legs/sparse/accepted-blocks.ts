import { BLOCK_SHIFT } from "./sparse-part.js";
import type { SparseSegment } from "./sparse-segment.js";

/** A position's place within its block. */
const PLACE = (1 << BLOCK_SHIFT) - 1;

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
  // Documents in local order, four at a time where `accept` allows a 32-bit view: a word of four
  // refused documents (most, under a selective filter) is passed over at once; the others are
  // marked without a branch on the filter's outcome. Only the masks (4 bytes per 32 documents,
  // cache-resident) are written out of order.
  let doc = 0;
  if ((accept.byteOffset + base) % 4 === 0) {
    const words = new Uint32Array(accept.buffer, accept.byteOffset + base, docCount >>> 2);
    for (let w = 0; w < words.length; w++) {
      if (words[w] === 0) continue;
      for (let i = w << 2, stop = i + 4; i < stop; i++) {
        const a = accept[base + i]!;
        const position = positionOf[i]!;
        masks[position >>> BLOCK_SHIFT]! |= a << (position & PLACE);
        count += a;
      }
    }
    doc = words.length << 2;
  }
  for (; doc < docCount; doc++) {
    const a = accept[base + doc]!;
    const position = positionOf[doc]!;
    masks[position >>> BLOCK_SHIFT]! |= a << (position & PLACE);
    count += a;
  }
  let nonEmpty = 0;
  for (let b = 0; b < blockCount; b++) if (masks[b] !== 0) nonEmpty++;
  const blocks = new Uint32Array(nonEmpty);
  for (let b = 0, i = 0; b < blockCount; b++) if (masks[b] !== 0) blocks[i++] = b;
  return { masks, blocks, count };
}
