import { InvalidOptionError } from "../errors.js";

/** A command-line mistake: exit code 2, message on stderr. */
export class UsageError extends InvalidOptionError {}
