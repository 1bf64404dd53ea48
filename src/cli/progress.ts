import { Presets, SingleBar } from "cli-progress";

/** Progress of one long step of a command. */
export interface Progress {
  /** `count` more items are done. */
  advance(count: number): void;
  /** Ends the display (call it whether the step succeeded or not). */
  stop(): void;
}

/** Whether a command may show progress: only on a terminal, and not with --quiet. */
export interface ProgressOptions {
  quiet: boolean;
  /** Where progress goes: stderr, so stdout stays the command's JSON. */
  stream?: NodeJS.WriteStream;
}

const NONE: Progress = { advance() {}, stop() {} };

/**
 * A bar with items per second, elapsed time and ETA, redrawn in place on stderr. Nothing at all
 * is written when stderr is not a terminal (a pipe, a file, a test) or with --quiet, so logs and
 * captured output stay clean.
 */
export function startProgress(label: string, total: number, unit: string, options: ProgressOptions): Progress {
  const stream = options.stream ?? process.stderr;
  if (options.quiet || !stream.isTTY || total === 0) return NONE;
  const bar = new SingleBar(
    {
      stream,
      format: `${label} {bar} {value}/{total} ${unit} | {rate} ${unit}/s | elapsed {duration_formatted} | ETA {remaining}`,
    },
    Presets.shades_classic,
  );
  const started = performance.now();
  let done = 0;
  bar.start(total, 0, { rate: "–", remaining: "–" });
  return {
    advance(count) {
      done += count;
      // The average rate since the start: encoders work in even batches, so it settles quickly.
      const rate = done / Math.max((performance.now() - started) / 1000, 1e-3);
      bar.update(done, { rate: rate.toFixed(1), remaining: formatSeconds((total - done) / rate) });
    },
    stop() {
      bar.stop();
    },
  };
}

/** 75 → "1m15s", as the bar shows elapsed time. */
function formatSeconds(seconds: number): string {
  const s = Math.round(seconds);
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m${s % 60}s`;
  return `${Math.floor(s / 3600)}h${Math.floor((s % 3600) / 60)}m`;
}
