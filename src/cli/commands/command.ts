import type { ParsedValues } from "../options.js";

/** A `tandem` subcommand. `run` returns what to print as JSON on stdout (or nothing). */
export interface Command {
  name: string;
  summary: string;
  usage: string;
  options: Record<string, { type: "string" | "boolean"; short?: string }>;
  run(values: ParsedValues, positionals: string[], out: (line: string) => void): Promise<unknown>;
}
