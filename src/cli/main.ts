import { parseArgs } from "node:util";
import { BackendError, IngestError, StorageError, TandemError } from "../errors.js";
import type { Command } from "./commands/command.js";
import { Interrupted, INTERRUPTED_EXIT_CODE } from "./interruption.js";
import { OutputClosed } from "./line-writer.js";
import { BACKEND_HELP } from "./backend-help.js";
import { UsageError } from "./usage-error.js";
import { isSystemError } from "../store/node-storage.js";

/**
 * The commands, each loaded only when it runs: a process runs one command, and loading every
 * command's modules (evaluation, reports, tuning, progress bars) would slow every start.
 */
const COMMANDS: { name: string; summary: string; load: () => Promise<Command> }[] = [
  { name: "index", summary: "create an index or upsert documents into it", load: async () => (await import("./commands/index-command.js")).indexCommand },
  { name: "delete", summary: "delete documents by id", load: async () => (await import("./commands/delete-command.js")).deleteCommand },
  { name: "search", summary: "run queries and print one JSON line of hits per query", load: async () => (await import("./commands/search-command.js")).searchCommand },
  {
    name: "eval",
    summary: "evaluate queries against relevance judgements (nDCG@10, Recall@100, MRR@10, MAP)",
    load: async () => (await import("./commands/eval-command.js")).evalCommand,
  },
  {
    name: "calibrate",
    summary: "fit a model mapping each hit to P(relevant) on judged queries",
    load: async () => (await import("./commands/calibrate-command.js")).calibrateCommand,
  },
  {
    name: "tune",
    summary: "choose fusion settings on judged queries (k-fold cross-validation, bootstrap intervals)",
    load: async () => (await import("./commands/tune-command.js")).tuneCommand,
  },
  { name: "info", summary: "print counts, dimension and configuration as JSON", load: async () => (await import("./commands/info-command.js")).infoCommand },
];

const MAIN_HELP = `tandem — sparse-dense hybrid search

Usage: tandem <command> [options]     (tandem <command> --help for its options)

Commands:
${COMMANDS.map((c) => `  ${c.name.padEnd(9)} ${c.summary}`).join("\n")}

Every command takes --backend embedded|elasticsearch|opensearch (default embedded) and --index <dir>.
The cluster backends take --es-url URL --es-index NAME instead of --index (ignored if given), with
--es-username U --es-password P, --es-api-key KEY (Elasticsearch only) and --es-ca FILE, or the
same as TANDEM_ES_URL, TANDEM_ES_INDEX, TANDEM_ES_USERNAME, TANDEM_ES_PASSWORD, TANDEM_ES_API_KEY,
TANDEM_ES_CA (and TANDEM_BACKEND). opensearch needs @opensearch-project/opensearch installed.
Exit codes: 0 success, 2 bad input or usage, 1 anything else (130 when SIGINT or SIGTERM stopped it).`;

/**
 * Runs the CLI; returns the exit code. Output goes through `out`/`err` so tests can capture it;
 * `out` throwing OutputClosed ends the command quietly with 0.
 */
export async function runCli(argv: string[], out: (line: string) => void, err: (line: string) => void): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === "--help" || name === "-h" || name === "help") {
    out(MAIN_HELP);
    return name === undefined ? 2 : 0;
  }
  const entry = COMMANDS.find((c) => c.name === name);
  let command: Command | undefined;
  try {
    if (!entry) throw new UsageError(`unknown command "${name}" (commands: ${COMMANDS.map((c) => c.name).join(", ")})`);
    command = await entry.load();
    let parsed;
    try {
      parsed = parseArgs({ args: rest, options: command.options, allowPositionals: true, strict: true });
    } catch (e) {
      throw new UsageError(`${command.name}: ${(e as Error).message.replace(/\. To specify a positional.*$/s, "")}`);
    }
    if (parsed.values.help === true) {
      out(`${command.usage}\n\n${BACKEND_HELP}`);
      return 0;
    }
    const result = await command.run(parsed.values, parsed.positionals, out, err);
    if (result !== undefined) out(JSON.stringify(result));
    return 0;
  } catch (e) {
    // Whoever read stdout has gone (e.g. `tandem search … | head`): nothing more to say.
    if (e instanceof OutputClosed) return 0;
    if (e instanceof Interrupted) {
      err(`tandem: ${e.message}`);
      return INTERRUPTED_EXIT_CODE;
    }
    if (e instanceof BackendError || e instanceof IngestError || e instanceof StorageError) {
      err(`tandem: ${e.message}`);
      return 1;
    }
    if (e instanceof TandemError) {
      err(`tandem: ${e.message}`);
      if (e instanceof UsageError && command) err(`(see: tandem ${command.name} --help)`);
      return 2;
    }
    if (isSystemError(e)) {
      // A file the command reads or writes failed (permissions, a full disk): one line, no stack.
      err(`tandem: ${e.message}`);
      return 1;
    }
    err(`tandem: ${(e as Error)?.stack ?? String(e)}`);
    return 1;
  }
}
