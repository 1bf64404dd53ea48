#!/usr/bin/env node
import { lineWriter } from "./line-writer.js";
import { runCli } from "./main.js";

const stderr = lineWriter(process.stderr, () => undefined);
const err = (line: string) => {
  try {
    stderr(line);
  } catch {
    // Nobody reads stderr any more; the exit code still tells.
  }
};
const code = await runCli(process.argv.slice(2), lineWriter(process.stdout, err), err);
// A failed write to stdout other than a closed pipe has set exit code 1 meanwhile.
process.exitCode = Math.max(code, Number(process.exitCode ?? 0));
