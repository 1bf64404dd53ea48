/**
 * Lucene stores a document's length in one byte (SmallFloat.intToByte4): exact below 24, then
 * 4 significant bits. BM25 in Lucene (and so Anserini) scores with the decoded length; doing the
 * same reproduces its scores, not just its ranking.
 */
const FREE_VALUES = 24;

function longToInt4(i: number): number {
  const bits = 32 - Math.clz32(i);
  if (bits < 4) return i;
  const shift = bits - 4;
  return ((i >>> shift) & 0x07) | ((shift + 1) << 3);
}

function int4ToLong(i: number): number {
  const bits = i & 0x07;
  const shift = (i >>> 3) - 1;
  return shift === -1 ? bits : (bits | 0x08) * 2 ** shift;
}

/** The length Lucene's BM25 sees for a document of `length` tokens. */
export function luceneQuantizedLength(length: number): number {
  if (length < FREE_VALUES) return length;
  return FREE_VALUES + int4ToLong(longToInt4(length - FREE_VALUES));
}
