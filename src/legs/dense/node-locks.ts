/**
 * Mutexes in an Int32Array over shared memory, one per graph node plus one for the entry point,
 * as hnswlib keeps a mutex per link list: 0 free, 1 held, 2 held with waiters (Drepper's futex
 * mutex). A thread spins briefly, then sleeps in `Atomics.wait` (allowed in workers and in Node's
 * main thread); releasing wakes one sleeper only when there is one. Lists are held for a copy or
 * an update of a few dozen links, so most locks are taken on the first try. @internal
 */
const SPINS = 64;

export function lockAt(locks: Int32Array, i: number): void {
  let state = Atomics.compareExchange(locks, i, 0, 1);
  if (state === 0) return;
  for (let spin = 0; spin < SPINS; spin++) {
    state = Atomics.compareExchange(locks, i, 0, 1);
    if (state === 0) return;
  }
  if (state !== 2) state = Atomics.exchange(locks, i, 2);
  while (state !== 0) {
    Atomics.wait(locks, i, 2);
    state = Atomics.exchange(locks, i, 2);
  }
}

export function unlockAt(locks: Int32Array, i: number): void {
  if (Atomics.sub(locks, i, 1) !== 1) {
    Atomics.store(locks, i, 0);
    Atomics.notify(locks, i, 1);
  }
}
