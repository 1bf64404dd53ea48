import type { Command } from "./command.js";
import { BACKEND_OPTIONS } from "../options.js";

export const demoCommand: Command = {
  name: "demo",
  summary: "index SciFact and show explained hybrid results and an evaluation table",
  usage: `tandem demo [--index <dir>]`,
  options: BACKEND_OPTIONS,
  async run() {
    return undefined;
  },
};
