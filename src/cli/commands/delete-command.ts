import { openIndex } from "../open-index.js";
import { BACKEND_OPTIONS } from "../options.js";
import { readText } from "../read-input.js";
import { UsageError } from "../usage-error.js";
import type { Command } from "./command.js";

export const deleteCommand: Command = {
  name: "delete",
  usage: `tandem delete --index <dir> --ids <file-with-one-id-per-line>

Deletes the listed documents in one atomic commit; ids not in the index are ignored.`,
  options: { ...BACKEND_OPTIONS, ids: { type: "string" } },
  async run(values, positionals, _out, warn) {
    if (positionals.length > 0) throw new UsageError(`delete: unexpected argument "${positionals[0]}"`);
    const file = values.ids as string | undefined;
    if (!file) throw new UsageError("delete: --ids <file> is required");
    const ids = (await readText(file)).split(/\r?\n/).map((s) => s.trim()).filter(Boolean);
    const index = await openIndex(values, { readOnly: false, warn });
    try {
      const { deleted } = await index.delete(ids);
      return { requested: ids.length, deleted, documents: (await index.stats()).documents };
    } finally {
      await index.close();
    }
  },
};
