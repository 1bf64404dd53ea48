import { execFile } from "node:child_process";
import { join } from "node:path";
import { promisify } from "node:util";
import { testServers } from "./helpers/elasticsearch.js";

const run = promisify(execFile);
const SCRIPT = join(import.meta.dirname, "..", "scripts", "elasticsearch.mjs");
/** The clusters the Elasticsearch tests use: 8.x open and secured, and 9.x. */
const CLUSTERS = [
  { ES_PORT: "9200" },
  { ES_PORT: "9201", ES_SECURITY: "on" },
  { ES_PORT: "9202", ES_VERSION: "9.1.5" },
];

const MODELS = join(import.meta.dirname, "..", "scripts", "models", "build-models.mjs");

/**
 * Builds the ONNX models of the transformers.js encoder tests when missing (`npm run models`),
 * and starts the local Elasticsearch clusters when none is running (so `npm test` alone runs every
 * suite), stopping the ones it started. TANDEM_TEST_ES=off skips the clusters; their tests then
 * skip, except under CI, where they fail.
 */
export default async function setup(): Promise<(() => Promise<void>) | undefined> {
  await run(process.execPath, [MODELS]).catch((err: Error) => console.error(`models: ${err.message}`));
  if (process.env.TANDEM_TEST_ES === "off" || testServers().length > 0) return undefined;
  const es = (command: string, env: Record<string, string>) => run(process.execPath, [SCRIPT, command], { env: { ...process.env, ...env } });
  const started = await Promise.allSettled(CLUSTERS.map((env) => es("start", env)));
  started.forEach((r, i) => {
    if (r.status === "rejected") console.error(`Elasticsearch on port ${CLUSTERS[i]!.ES_PORT} did not start: ${(r.reason as Error).message}`);
  });
  return async () => {
    await Promise.all(CLUSTERS.map((env) => es("stop", env).catch(() => undefined)));
  };
}
