import { stemmer } from "stemmer";

/** Lucene's default English stop words (EnglishAnalyzer), as Anserini's BM25 uses. */
export const ENGLISH_STOP_WORDS: ReadonlySet<string> = new Set(
  "a an and are as at be but by for if in into is it no not of on or such that the their then there these they this to was will with".split(" "),
);

/**
 * A word: letters and digits, joined across an apostrophe or period between letters ("don't",
 * "e.g") and across a comma or period between digits ("1,000", "2.5"), approximating Unicode
 * word segmentation as Lucene's StandardTokenizer does.
 */
const WORD = /[\p{L}\p{M}\p{N}_]+(?:(?:['’.](?=\p{L})|[.,](?=\p{N}))[\p{L}\p{M}\p{N}_]+)*/gu;

/**
 * English analysis after Lucene's EnglishAnalyzer: words, possessive "'s" removed, lower-cased,
 * stop words dropped, Porter-stemmed. Each analyzer memoizes its stems (stemming dominates the
 * cost and natural-language vocabularies are small).
 */
export function createEnglishAnalyzer(): (text: string) => string[] {
  const stems = new Map<string, string>();
  return (text) => {
    const out: string[] = [];
    for (const match of text.matchAll(WORD)) {
      let word = match[0];
      if (/['’][sS]$/.test(word)) word = word.slice(0, -2);
      word = word.toLowerCase();
      if (word === "" || ENGLISH_STOP_WORDS.has(word)) continue;
      let stem = stems.get(word);
      if (stem === undefined) stems.set(word, (stem = stemmer(word)));
      out.push(stem);
    }
    return out;
  };
}
