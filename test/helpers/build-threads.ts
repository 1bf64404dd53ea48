import { resolve } from "node:path";
import { pathToFileURL } from "node:url";
import type { BuildThreadFactory } from "../../src/legs/dense/build-threads.js";
import { nodeBuildThreads } from "../../src/store/node-build-threads.js";

/**
 * The graph build worker as built by `npm run build`: Node's worker threads run JavaScript, so
 * tests run from the TypeScript sources start the built one (the jobs they send are plain data).
 */
export const BUILT_WORKER = pathToFileURL(resolve("dist/src/store/node-build-worker.js"));

/** Node build threads running `script`, counting the jobs they are sent (`jobs.count`). */
export function nodeBuildThreadsOf(script: URL, jobs: { count: number } = { count: 0 }): BuildThreadFactory {
  const factory = nodeBuildThreads(script);
  return {
    available: factory.available,
    start: async () => {
      const thread = await factory.start();
      return {
        post: (job) => {
          jobs.count++;
          thread.post(job);
        },
        terminate: () => thread.terminate(),
      };
    },
  };
}
