import { availableParallelism } from "node:os";
import { Worker } from "node:worker_threads";
import type { BuildThread, BuildThreadFactory } from "../legs/dense/build-threads.js";

/**
 * Graph build threads as Node worker threads running node-build-worker.js (`script`: another
 * build of it, e.g. for tests run from the TypeScript sources). HybridIndex imports this module
 * dynamically, so a bundle for a browser can leave it (and Node's built-ins) out. Workers are
 * unreferenced: they do not keep the process alive. @internal
 */
export function nodeBuildThreads(script: URL = new URL("./node-build-worker.js", import.meta.url)): BuildThreadFactory {
  return {
    available: availableParallelism(),
    start: () =>
      new Promise<BuildThread>((resolve, reject) => {
        const worker = new Worker(script);
        worker.unref();
        const failed = (err: Error) => reject(err);
        const exited = (code: number) => reject(new Error(`the graph build worker exited with code ${code} before it was ready`));
        worker.once("error", failed);
        worker.once("exit", exited);
        worker.once("message", (message: unknown) => {
          worker.off("error", failed);
          worker.off("exit", exited);
          if (message !== "ready") {
            void worker.terminate();
            reject(new Error(`the graph build worker sent ${String(message)} instead of ready`));
            return;
          }
          // A job reports its own failure through the shared control words; this listener only
          // keeps a late error from becoming an uncaught one.
          worker.on("error", () => undefined);
          resolve({
            post: (job) => worker.postMessage(job),
            terminate: async () => {
              await worker.terminate();
            },
          });
        });
      }),
  };
}
