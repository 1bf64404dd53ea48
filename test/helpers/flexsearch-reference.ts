import { Charset, Encoder, Index } from "flexsearch";

export type Tokenize = "strict" | "forward" | "reverse" | "full";
export type EncoderPreset = "Default" | "Exact" | "LatinBalance" | "LatinAdvanced" | "LatinExtra" | "LatinSoundex";

/**
 * FlexSearch itself, through its public API, as the reference for the text leg: its own ranking
 * of every match (`suggest` on), and — where the encoder maps each query term to itself, so a
 * term can be searched alone — each match's relevance key from the single-term raw results
 * (`resolve: false`, ids per relevance slot): [terms of the query matched, worst slot among them].
 */
export class FlexSearchReference {
  private readonly index: Index;
  private readonly encoder: Encoder;

  constructor(
    texts: readonly (string | undefined)[],
    tokenize: Tokenize = "strict",
    preset: EncoderPreset = "LatinBalance",
  ) {
    // Cache off, as the leg: with it, a document's terms depend on the words encoded just before.
    this.encoder = new Encoder({ ...Charset[preset], cache: false });
    this.index = new Index({ tokenize, encoder: this.encoder });
    texts.forEach((t, i) => t !== undefined && this.index.add(i, t));
  }

  /** Every match of `query`, in FlexSearch's order. */
  order(query: string): number[] {
    return this.index.search(query, { limit: 1e9, suggest: true }) as number[];
  }

  /** Relevance keys of every match, or undefined when a query term does not encode to itself. */
  keys(query: string): Map<number, [number, number]> | undefined {
    const terms = [...new Set(this.encoder.encode(query))];
    const keys = new Map<number, [number, number]>();
    for (const term of terms) {
      const again = this.encoder.encode(term);
      if (again.length !== 1 || again[0] !== term) return undefined;
      const slots = this.index.search(term, { resolve: false }).result as (number[] | undefined)[];
      slots.forEach((ids, slot) => {
        for (const id of ids ?? []) {
          const key = keys.get(id) ?? [0, 0];
          keys.set(id, [key[0] + 1, Math.max(key[1], slot)]);
        }
      });
    }
    return keys;
  }
}

/** Orders relevance keys: more terms matched first, then the better worst slot. */
export function compareKeys(a: [number, number], b: [number, number]): number {
  return b[0] - a[0] || a[1] - b[1];
}
