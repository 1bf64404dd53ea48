/**
 * A writer that keeps changing an index while readers open it (run from dist/ after
 * `npm run build`): node store-churn-writer.js <dir>
 * Round r upserts churnDocs(r) in one commit (which retires every previous version, so each
 * commit is followed by a compaction that removes the old segments and graph), then stores the
 * attachment "round" = r; every third round it closes (saving the graph, removing the old one)
 * and reopens. Prints `round <r>` after each round; stops after the round in which stdin closes.
 */
import { HybridIndex } from "../../../src/index.js";
import { churnDocs } from "./churn-docs.js";

const dir = process.argv[2]!;
let stop = false;
process.stdin.on("end", () => (stop = true));
process.stdin.resume();

try {
  let index = await HybridIndex.open(dir, { metric: "dot" });
  for (let round = 1; !stop; round++) {
    await index.upsert(churnDocs(round));
    await index.putAttachment("round", new TextEncoder().encode(String(round)));
    if (round % 3 === 0) {
      await index.close();
      index = await HybridIndex.open(dir, { metric: "dot" });
    }
    process.stdout.write(`round ${round}\n`);
  }
  await index.close();
} catch (err) {
  process.stdout.write(`error ${(err as Error).name} ${(err as Error).message}\n`);
  process.exitCode = 1;
}
process.stdin.destroy();
