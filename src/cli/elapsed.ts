/** Milliseconds since `started` (a `performance.now()` reading), to two decimals, as commands report `took_ms`. */
export function elapsed(started: number): number {
  return Math.round((performance.now() - started) * 100) / 100;
}
