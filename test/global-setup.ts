import { execFile } from "node:child_process";
import { join } from "node:path";
import { promisify } from "node:util";
import { recordedServers } from "./helpers/elasticsearch.js";

const run = promisify(execFile);
const SCRIPT = join(import.meta.dirname, "..", "scripts", "elasticsearch.mjs");
/** The clusters the Elasticsearch and OpenSearch tests use: 8.x open and secured, 9.x, OpenSearch 3.x, each on a free port. */
const CLUSTERS: Record<string, string>[] = [{}, { ES_SECURITY: "on" }, { ES_VERSION: "9.1.5" }, { ES_DISTRIBUTION: "opensearch" }];

const MODELS = join(import.meta.dirname, "..", "scripts", "models", "build-models.mjs");

/**
 * Builds the ONNX models of the transformers.js encoder tests when missing (`npm run models`),
 * and starts this checkout's local Elasticsearch clusters when none is running (so `npm test`
 * alone runs every suite), stopping the ones it started. Ports are picked free by the script and
 * recorded under .es/, where the tests find them. TANDEM_TEST_ES=off skips the clusters; their
 * tests then skip, except under CI, where they fail.
 */
export default async function setup(): Promise<(() => Promise<void>) | undefined> {
  await run(process.execPath, [MODELS]).catch((err: Error) => console.error(`models: ${err.message}`));
  if (process.env.TANDEM_TEST_ES === "off" || (await recordedServers()).length > 0) return undefined;
  const es = (args: string[], env: Record<string, string>) => {
    // The script picks a free port when ES_PORT is unset.
    const inherited = { ...process.env };
    delete inherited.ES_PORT;
    return run(process.execPath, [SCRIPT, ...args], { env: { ...inherited, ...env } });
  };
  const started = await Promise.allSettled(CLUSTERS.map((env) => es(["start", "--json"], env)));
  const ports: string[] = [];
  started.forEach((r, i) => {
    if (r.status === "fulfilled") ports.push(String((JSON.parse(r.value.stdout) as { port: number }).port));
    else console.error(`Elasticsearch (${JSON.stringify(CLUSTERS[i])}) did not start: ${(r.reason as Error).message}`);
  });
  return async () => {
    await Promise.all(ports.map((port) => es(["stop"], { ES_PORT: port }).catch(() => undefined)));
  };
}
