/** The signals that ask a command to stop: Ctrl-C on a terminal, and `kill`'s default. */
const SIGNALS = ["SIGINT", "SIGTERM"] as const;

/** Exit code after a stop asked for by a signal: 128 + SIGINT's number, as shells report it. */
export const INTERRUPTED_EXIT_CODE = 130;

/** A command stopped by SIGINT or SIGTERM between two commits; its message says what was stored. */
export class Interrupted extends Error {
  constructor(signal: string) {
    super(`interrupted (${signal})`);
    this.name = "Interrupted";
  }
}

/**
 * Watches for SIGINT and SIGTERM while a command commits batches. The first signal only sets
 * `signal`: the command checks it between commits and stops cleanly, so what it reports as stored
 * is exact. A second signal means "now": `now` is called (to say what is known to be stored) and
 * the process exits — a commit is atomic, so the one in progress is either whole or absent.
 */
export class Interruption {
  signal: string | undefined;
  private readonly handler = (signal: NodeJS.Signals): void => {
    if (this.signal === undefined) {
      this.signal = signal;
      return;
    }
    this.now(signal);
    process.exit(INTERRUPTED_EXIT_CODE);
  };

  constructor(private readonly now: (signal: string) => void) {
    for (const s of SIGNALS) process.on(s, this.handler);
  }

  /** Throws {@link Interrupted} when a signal has come. */
  check(): void {
    if (this.signal !== undefined) throw new Interrupted(this.signal);
  }

  dispose(): void {
    for (const s of SIGNALS) process.off(s, this.handler);
  }
}
