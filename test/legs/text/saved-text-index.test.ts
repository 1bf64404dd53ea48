import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { flexSearchTextIndex } from "../../../plugins/flexsearch/index.js";
import { HybridIndex, type Document, type SearchQuery, type Storage, type TextIndex, type TextIndexFactory } from "../../../src/index.js";
import { generateCorpus } from "../../helpers/generate.js";
import { seededRandom } from "../../helpers/random.js";
import { useStorages } from "../../helpers/storages.js";

const storages = useStorages("tandem-saved-text-");
const WORDS = ["bone", "bones", "vitamin", "calcium", "fracture", "density", "cell", "marrow"];
const sorted = (xs: number[]) => [...xs].sort((a, b) => a - b);

/**
 * The FlexSearch leg, counting the texts added to indexes made after `counting.on` is set; with
 * `saves` false it lacks save and load, so it always builds from the stored texts (the reference).
 */
function legFactory(saves: boolean): { factory: TextIndexFactory; added: { on: boolean; count: number } } {
  const base = flexSearchTextIndex();
  const added = { on: false, count: 0 };
  const factory = (): TextIndex => {
    const index = base();
    const wrapped: TextIndex = {
      add: (key, text) => {
        if (added.on) added.count++;
        index.add(key, text);
      },
      remove: (key) => index.remove(key),
      search: (text, limit) => index.search(text, limit),
      searchGroups: (text, limit) => index.searchGroups!(text, limit),
    };
    return saves ? Object.assign(wrapped, { format: index.format, save: () => index.save!(), load: (bytes: Uint8Array, keys: Int32Array) => index.load!(bytes, keys) }) : wrapped;
  };
  return { factory, added };
}

/** Up to `count` documents (ids drawn with repeats across batches, unique within one), most with a text. */
function documents(seed: number, count: number, prefix = "d"): Document[] {
  const rand = seededRandom(seed);
  const drawn = Array.from({ length: count }, (_, i) => {
    const doc: Document = { id: `${prefix}${Math.floor(rand() * count * 2)}`, sparse: { [`t${i % 5}`]: 1 } };
    if (rand() < 0.85) doc.text = Array.from({ length: 1 + Math.floor(rand() * 8) }, () => WORDS[Math.floor(rand() * WORDS.length)]).join(" ");
    return doc;
  });
  return [...new Map(drawn.map((d) => [d.id, d])).values()];
}

const QUERIES = ["bone", "vitamin calcium", "fracture bone marrow", "cell density bones", "absent", "marrow"];

/** The text leg's answers to every query, with and without a filter. */
async function textAnswers(index: HybridIndex): Promise<unknown[]> {
  const out: unknown[] = [];
  for (const text of QUERIES) {
    const query: SearchQuery = { text, legs: ["text"], k: 500, candidates: 500 };
    out.push((await index.search(query)).hits.map((h) => [h.id, h.legs]));
    out.push((await index.search({ ...query, k: 7, candidates: 7 })).hits.map((h) => h.id));
  }
  return out;
}

/** Opens `where` read-only with the saving leg and with the rebuilding one; both must answer as the writer did. */
async function expectSameAfterReopen(where: string | Storage, expected: unknown[], loadsEverything: boolean): Promise<void> {
  const saving = legFactory(true);
  const reader = await HybridIndex.open(where, { readOnly: true, textIndex: saving.factory });
  saving.added.on = true;
  expect(await textAnswers(reader)).toEqual(expected);
  // Loaded from the segments' saved indexes: no stored text was indexed again.
  if (loadsEverything) expect(saving.added.count).toBe(0);
  else expect(saving.added.count).toBeGreaterThan(0);
  await reader.close();
  const rebuilding = legFactory(false);
  const rebuilt = await HybridIndex.open(where, { readOnly: true, textIndex: rebuilding.factory });
  expect(await textAnswers(rebuilt)).toEqual(expected);
  await rebuilt.close();
}

describe("the FlexSearch text index saves and loads (fault kind: a loaded text index answering unlike the one built from the texts)", () => {
  it("loading saved keys under new numbers, some left out, answers as adding those texts under those numbers", () => {
    fc.assert(
      fc.property(
        fc.array(fc.option(fc.array(fc.constantFrom(...WORDS), { minLength: 1, maxLength: 10 }).map((w) => w.join(" ")), { nil: undefined }), { maxLength: 40 }),
        fc.integer({ min: 0, max: 1000 }),
        fc.array(fc.constantFrom(...WORDS, "absent"), { minLength: 1, maxLength: 4 }).map((w) => w.join(" ")),
        fc.integer({ min: 1, max: 50 }),
        (texts, seed, query, limit) => {
          const saved = flexSearchTextIndex()();
          texts.forEach((t, i) => t !== undefined && saved.add(i, t));
          const rand = seededRandom(seed);
          const keys = Int32Array.from(texts, (_, i) => (rand() < 0.3 ? -1 : 1000 + 3 * i));
          const loaded = flexSearchTextIndex()();
          loaded.load!(saved.save!(), keys);
          const built = flexSearchTextIndex()();
          texts.forEach((t, i) => t !== undefined && keys[i]! >= 0 && built.add(keys[i]!, t));
          expect(loaded.searchGroups!(query, limit).map(sorted)).toEqual(built.searchGroups!(query, limit).map(sorted));
          // Removes after a load work as after adds.
          const gone = keys.find((k) => k >= 0);
          if (gone !== undefined) {
            loaded.remove(gone);
            built.remove(gone);
            expect(loaded.searchGroups!(query, limit).map(sorted)).toEqual(built.searchGroups!(query, limit).map(sorted));
          }
        },
      ),
      { seed: 808, numRuns: 200 },
    );
  });

  it("names its format by its options, so bytes of other options are not loaded", () => {
    expect(flexSearchTextIndex()().format).not.toBe(flexSearchTextIndex({ tokenize: "forward" })().format);
    expect(flexSearchTextIndex()().format).toBe(flexSearchTextIndex({ tokenize: "strict", encoder: "LatinBalance" })().format);
  });
});

describe.each(storages)("the text leg after reopening ($name storage) answers as the one rebuilt from the stored texts", (kind) => {
  it("after many commits, merges, replacements and deletions", async () => {
    const where = await kind.fresh();
    const writer = await HybridIndex.open(where, { textIndex: legFactory(true).factory });
    // 24 commits: enough for the merge policy to merge runs of segments. The writer's own text
    // index is made after the third, so later segments come into it from their saved indexes and
    // replaced documents leave it.
    for (let batch = 0; batch < 24; batch++) {
      await writer.upsert(documents(batch, 12));
      if (batch === 2) await textAnswers(writer);
    }
    await writer.delete(["d1", "d2", "d3", "d5", "d8"]);
    await writer.upsert(documents(99, 6));
    const expected = await textAnswers(writer);
    expect((await writer.stats()).segments).toBeLessThan(24);
    await writer.close();
    await expectSameAfterReopen(where, expected, true);
  });

  it("after a compaction renumbers the slots", async () => {
    const where = await kind.fresh();
    const writer = await HybridIndex.open(where, { textIndex: legFactory(true).factory });
    const docs = Array.from({ length: 4 }, (_, batch) => documents(batch + 40, 30, `b${batch}-`)).flat();
    for (let batch = 0; batch < 4; batch++) await writer.upsert(docs.slice(batch * 30, batch * 30 + 30));
    const before = (await writer.stats()).segments;
    // Past the deleted share that compacts every segment into one.
    await writer.delete([...new Set(docs.map((d) => d.id))].filter((_, i) => i % 2 === 0));
    expect((await writer.stats()).segments).toBeLessThanOrEqual(Math.max(1, before - 1));
    const expected = await textAnswers(writer);
    await writer.close();
    await expectSameAfterReopen(where, expected, true);
  });

  it("from segments written without a saved text index (an older format, or a writer without the text leg), built from their texts", async () => {
    const where = await kind.fresh();
    const plain = await HybridIndex.open(where);
    await plain.upsert(documents(7, 40));
    await plain.close();
    const writer = await HybridIndex.open(where, { textIndex: legFactory(true).factory });
    await writer.upsert(documents(8, 40, "e"));
    await writer.delete(["d3", "e4"]);
    const expected = await textAnswers(writer);
    await writer.close();
    // The first segment has no saved index: its texts are added; the others are loaded.
    await expectSameAfterReopen(where, expected, false);
  });
});

describe("the FlexSearch leg with save: false", () => {
  it("stores no text index with segments (readers index the texts), and still loads what other writers saved", async () => {
    const where = await storages[1]!.fresh();
    const notSaving = await HybridIndex.open(where, { textIndex: flexSearchTextIndex({ save: false }) });
    for (let batch = 0; batch < 12; batch++) await notSaving.upsert(documents(batch, 10));
    const expected = await textAnswers(notSaving);
    await notSaving.close();
    await expectSameAfterReopen(where, expected, false);
    const saving = await HybridIndex.open(where, { textIndex: flexSearchTextIndex() });
    await saving.upsert(documents(50, 10, "s"));
    const later = await textAnswers(saving);
    await saving.close();
    const reader = await HybridIndex.open(where, { readOnly: true, textIndex: flexSearchTextIndex({ save: false }) });
    expect(await textAnswers(reader)).toEqual(later);
    await reader.close();
  });
});

describe("the FlexSearch leg ranks a document by its own text (fault kind: FlexSearch's encoder cache making a document's terms depend on the words encoded before it)", () => {
  it("a document's groups are the same whether other texts were indexed before it or not", () => {
    const { docs, queries } = generateCorpus(424242, 300, 8);
    const all = flexSearchTextIndex()();
    docs.forEach((d, i) => d.text !== undefined && all.add(i, d.text));
    for (let i = 0; i < 15; i++) all.remove(i);
    const later = flexSearchTextIndex()();
    docs.forEach((d, i) => i >= 15 && d.text !== undefined && later.add(i, d.text));
    for (const q of queries) if (q.text) expect(later.searchGroups!(q.text, 300).map(sorted), q.text).toEqual(all.searchGroups!(q.text, 300).map(sorted));
  });
});
