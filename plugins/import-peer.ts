import { MissingPluginError } from "../src/index.js";

/**
 * Loads a plugin's optional peer dependency. Peers are optional so that an install carries only
 * the backends it uses; when one is absent, the plugin's entry point fails with a
 * MissingPluginError that names the package to install, instead of Node's resolution error.
 * Any other failure (the package is there but broken) is passed on as it is.
 */
export async function importPeer<T>(load: () => Promise<T>, peer: string, neededBy: string): Promise<T> {
  try {
    return await load();
  } catch (err) {
    const { code, message } = err as NodeJS.ErrnoException;
    if (code === "ERR_MODULE_NOT_FOUND" && message.includes(`'${peer}'`)) {
      throw new MissingPluginError(`${neededBy}: ${peer} is not installed (npm install ${peer}; it is an optional peer dependency of tandem-search)`, { cause: err });
    }
    throw err;
  }
}
