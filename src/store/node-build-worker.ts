/**
 * A Node worker thread that takes part in dense graph builds (node-build-threads.ts starts it):
 * each message is a job over shared memory; the job itself reports when it is done.
 * @internal
 */
import { parentPort } from "node:worker_threads";
import { runGraphBuildJob, type GraphBuildJob } from "../legs/dense/parallel-graph-build.js";

const port = parentPort;
if (port) {
  port.on("message", (job: GraphBuildJob) => {
    runGraphBuildJob(job);
  });
  port.postMessage("ready");
}
