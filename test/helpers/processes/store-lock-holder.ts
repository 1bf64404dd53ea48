/**
 * Opens an index for writing, says `holding`, and waits to be killed: what a crashed writer
 * leaves behind (run from dist/ after `npm run build`): node store-lock-holder.js <dir>
 */
import { HybridIndex } from "../../../src/index.js";

const index = await HybridIndex.open(process.argv[2]!, { metric: "dot" });
process.stdout.write("holding\n");
setInterval(() => index, 60_000);
