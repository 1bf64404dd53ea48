import { parseArgs } from "node:util";
import { BackendError, IngestError, StorageError, TandemError } from "../errors.js";
import type { Command } from "./commands/command.js";
import { calibrateCommand } from "./commands/calibrate-command.js";
import { deleteCommand } from "./commands/delete-command.js";
import { evalCommand } from "./commands/eval-command.js";
import { indexCommand } from "./commands/index-command.js";
import { infoCommand } from "./commands/info-command.js";
import { searchCommand } from "./commands/search-command.js";
import { tuneCommand } from "./commands/tune-command.js";
import { Interrupted, INTERRUPTED_EXIT_CODE } from "./interruption.js";
import { OutputClosed } from "./line-writer.js";
import { UsageError } from "./usage-error.js";
import { isSystemError } from "../store/node-storage.js";

const COMMANDS: Command[] = [indexCommand, deleteCommand, searchCommand, evalCommand, calibrateCommand, tuneCommand, infoCommand];

const MAIN_HELP = `tandem — sparse-dense hybrid search

Usage: tandem <command> [options]     (tandem <command> --help for its options)

Commands:
${COMMANDS.map((c) => `  ${c.name.padEnd(9)} ${c.summary}`).join("\n")}

Every command takes --backend embedded|elasticsearch (default embedded) and --index <dir>.
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
  const command = COMMANDS.find((c) => c.name === name);
  try {
    if (!command) throw new UsageError(`unknown command "${name}" (commands: ${COMMANDS.map((c) => c.name).join(", ")})`);
    let parsed;
    try {
      parsed = parseArgs({ args: rest, options: command.options, allowPositionals: true, strict: true });
    } catch (e) {
      throw new UsageError(`${command.name}: ${(e as Error).message.replace(/\. To specify a positional.*$/s, "")}`);
    }
    if (parsed.values.help === true) {
      out(command.usage);
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
