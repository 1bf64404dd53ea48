import { open, type FileHandle } from "node:fs/promises";

/** One run of consecutive documents read back from a {@link ForwardFile}. */
export interface ForwardChunk {
  /** Position of the first document. */
  start: number;
  count: number;
  /** Document i's postings are at offsets[i]..offsets[i+1]. */
  offsets: Uint32Array;
  tokens: Uint16Array;
  weights: Float32Array;
}

/**
 * Sparse document vectors (token ids and weights) spilled to disk in document order as they are
 * indexed, with each token's document frequency and the largest weight: what writing an inverted
 * file (CIFF) term by term needs, in bounded memory whatever the number of documents. Token ids
 * are 16-bit (BMP's limit too). Layout per appended run: count and postings (two uint32), then
 * offsets (uint32 × count+1), tokens (uint16, padded to 4 bytes), weights (float32), little-endian.
 */
export class ForwardFile {
  readonly df: Uint32Array;
  documents = 0;
  postings = 0;
  maxWeight = 0;
  private handle: FileHandle | undefined;

  private constructor(readonly path: string, handle: FileHandle, readonly vocabulary: number) {
    this.handle = handle;
    this.df = new Uint32Array(vocabulary);
  }

  static async create(path: string, vocabulary: number): Promise<ForwardFile> {
    if (vocabulary > 65_536) throw new Error(`a forward file holds 16-bit token ids; vocabulary of ${vocabulary} is too large`);
    return new ForwardFile(path, await open(path, "w"), vocabulary);
  }

  /** Appends `offsets.length - 1` documents (offsets from 0, as a SpladeBatch has them). */
  async append(offsets: Uint32Array, tokens: Uint16Array, weights: Float32Array): Promise<void> {
    if (!this.handle) throw new Error("forward file already finished");
    const count = offsets.length - 1;
    const postings = offsets[count]! - offsets[0]!;
    const from = offsets[0]!;
    const own = new Uint32Array(count + 1);
    for (let i = 0; i <= count; i++) own[i] = offsets[i]! - from;
    const t = tokens.subarray(from, from + postings);
    const w = weights.subarray(from, from + postings);
    for (let j = 0; j < postings; j++) {
      this.df[t[j]!]!++;
      if (w[j]! > this.maxWeight) this.maxWeight = w[j]!;
    }
    const header = new Uint32Array([count, postings]);
    const padding = new Uint8Array((postings * 2) % 4);
    for (const part of [header, own, t, padding, w]) await this.handle.write(new Uint8Array(part.buffer, part.byteOffset, part.byteLength));
    this.documents += count;
    this.postings += postings;
  }

  async finish(): Promise<void> {
    await this.handle?.close();
    this.handle = undefined;
  }

  /** Reads the documents back in order, one appended run at a time. */
  async *chunks(): AsyncGenerator<ForwardChunk> {
    const handle = await open(this.path, "r");
    try {
      let position = 0;
      let start = 0;
      const head = new Uint32Array(2);
      const headBytes = new Uint8Array(head.buffer);
      for (;;) {
        const { bytesRead } = await handle.read(headBytes, 0, 8, position);
        if (bytesRead === 0) return;
        if (bytesRead < 8) throw new Error(`${this.path}: truncated at byte ${position}`);
        const [count, postings] = [head[0]!, head[1]!];
        const tokenBytes = postings * 2 + ((postings * 2) % 4);
        const size = 4 * (count + 1) + tokenBytes + 4 * postings;
        const body = new ArrayBuffer(size);
        const read = await handle.read(new Uint8Array(body), 0, size, position + 8);
        if (read.bytesRead < size) throw new Error(`${this.path}: truncated at byte ${position + 8 + read.bytesRead}`);
        const offsets = new Uint32Array(body, 0, count + 1);
        const tokens = new Uint16Array(body, 4 * (count + 1), postings);
        const weights = new Float32Array(body, 4 * (count + 1) + tokenBytes, postings);
        yield { start, count, offsets, tokens, weights };
        start += count;
        position += 8 + size;
      }
    } finally {
      await handle.close();
    }
  }
}
