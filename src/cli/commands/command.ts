import type { ParsedValues } from "../options.js";

/**
 * A `tandem` subcommand. `run` returns what to print as JSON on stdout (or nothing); `warn` writes
 * a line on stderr about something that went wrong without failing the command.
 */
export interface Command {
  name: string;
  usage: string;
  options: Record<string, { type: "string" | "boolean"; short?: string }>;
  run(values: ParsedValues, positionals: string[], out: (line: string) => void, warn: (line: string) => void): Promise<unknown>;
}
