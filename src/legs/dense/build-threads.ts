import type { GraphBuildJob } from "./parallel-graph-build.js";

/** Most threads a graph build uses (each has its scratch space in a shared vector store). @internal */
export const MAX_BUILD_THREADS = 64;

/** A thread that runs graph build jobs (`runGraphBuildJob`), e.g. a Node worker thread. @internal */
export interface BuildThread {
  post(job: GraphBuildJob): void;
  terminate(): Promise<void>;
}

/**
 * Starts build threads. The core has none of its own: the Node one (store/node-build-threads.ts)
 * is loaded where Node's worker threads exist, and without one the graph is built on one thread.
 * @internal
 */
export interface BuildThreadFactory {
  /** Cores the process may use: the default thread count. */
  readonly available: number;
  /** Starts a thread; resolves once it takes jobs, rejects when it cannot start. */
  start(): Promise<BuildThread>;
}

/** Build threads started on demand and kept for the next build, until `close`. @internal */
export class BuildThreadPool {
  private readonly threads: BuildThread[] = [];
  private closed = false;

  constructor(readonly factory: BuildThreadFactory) {}

  /** Threads ready for jobs. */
  get ready(): number {
    return this.threads.length;
  }

  /** Starts threads until `count` are ready, or as many as start; resolves with the number ready. */
  async ensure(count: number): Promise<number> {
    const missing = Math.max(0, count - this.threads.length);
    const started = await Promise.allSettled(Array.from({ length: missing }, () => this.factory.start()));
    for (const s of started) {
      if (s.status !== "fulfilled") continue;
      if (this.closed) await s.value.terminate();
      else this.threads.push(s.value);
    }
    return this.threads.length;
  }

  post(thread: number, job: GraphBuildJob): void {
    this.threads[thread]!.post(job);
  }

  async close(): Promise<void> {
    this.closed = true;
    const threads = this.threads.splice(0);
    await Promise.allSettled(threads.map((t) => t.terminate()));
  }
}
