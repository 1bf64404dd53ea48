import { openIndex } from "../open-index.js";
import { BACKEND_OPTIONS } from "../options.js";
import { UsageError } from "../usage-error.js";
import type { Command } from "./command.js";

export const infoCommand: Command = {
  name: "info",
  usage: `tandem info --index <dir> | --backend elasticsearch|opensearch --es-url URL --es-index NAME`,
  options: BACKEND_OPTIONS,
  async run(values, positionals) {
    if (positionals.length > 0) throw new UsageError(`info: unexpected argument "${positionals[0]}"`);
    const index = await openIndex(values, { readOnly: true });
    try {
      const stats = await index.stats();
      return "backend" in stats ? stats : { backend: "embedded", index: values.index, ...stats };
    } finally {
      await index.close();
    }
  },
};
