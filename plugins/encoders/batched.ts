/** Runs `run` over consecutive batches of at most `size` texts, in order, one batch at a time. */
export async function batched<T>(texts: readonly string[], size: number, run: (batch: string[]) => Promise<T[]>): Promise<T[]> {
  const out: T[] = [];
  for (let start = 0; start < texts.length; start += size) out.push(...(await run(texts.slice(start, start + size))));
  return out;
}
