/**
 * A writer process for the concurrent-writer tests (run from dist/ after `npm run build`):
 *   node store-writer.js <dir> <writer> <rounds> <seed>
 * Each round takes the write lock (retrying while another writer holds it), upserts one
 * document and closes. While it holds the lock it owns `<dir>.holder` (created exclusively), so
 * two holders at once are seen. Prints `ack <id>` once an upsert has resolved, `overlap` when
 * another holder was inside, `error <name> <message>` on any other failure.
 */
import { open, unlink } from "node:fs/promises";
import { HybridIndex, IndexLockedError } from "../../../src/index.js";
import { seededRandom } from "../random.js";

const [dir, writer, rounds, seed] = process.argv.slice(2);
const rand = seededRandom(Number(seed));
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const say = (line: string) => process.stdout.write(line + "\n");

async function openWriter(): Promise<HybridIndex> {
  for (;;) {
    try {
      return await HybridIndex.open(dir!, { metric: "dot" });
    } catch (err) {
      if (!(err instanceof IndexLockedError)) throw err;
      await sleep(1 + Math.floor(rand() * 4));
    }
  }
}

try {
  for (let round = 0; round < Number(rounds); round++) {
    const index = await openWriter();
    const marker = await open(`${dir}.holder`, "wx").catch((err: NodeJS.ErrnoException) => {
      if (err.code === "EEXIST") return null;
      throw err;
    });
    if (!marker) say("overlap");
    const id = `w${writer}-r${round}`;
    await index.upsert([{ id, sparse: { [`w${writer}`]: 1, [`r${round}`]: 1 }, dense: [Number(writer), round, 1, rand()] }]);
    say(`ack ${id}`);
    if (marker) {
      await marker.close();
      await unlink(`${dir}.holder`);
    }
    await index.close();
  }
} catch (err) {
  say(`error ${(err as Error).name} ${(err as Error).message.replace(/\n/g, " ")}`);
  process.exitCode = 1;
}
