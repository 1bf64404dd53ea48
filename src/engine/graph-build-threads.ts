import { BuildThreadPool, MAX_BUILD_THREADS, type BuildThreadFactory } from "../legs/dense/build-threads.js";
import type { EmbeddedEngine } from "./embedded-engine.js";

/**
 * The threads an open index inserts large batches into its dense graph with (`OpenOptions.threads`):
 * started on the first batch that needs them and kept until `close`. The Node worker threads are
 * imported only then, so a bundle for a browser can leave them (and Node's built-ins) out; where
 * they cannot load or start, or without SharedArrayBuffer, the graph is built on one thread.
 * @internal
 */
export class GraphBuildThreads {
  private factory: Promise<BuildThreadFactory | null> | null = null;
  private pool: BuildThreadPool | null = null;

  /** `requested`: the `threads` option (undefined: the cores available); `factory` replaces the Node threads (tests). */
  constructor(
    private readonly requested: number | undefined,
    private readonly injected?: BuildThreadFactory,
  ) {}

  /** False when every build runs on one thread, whatever the batch. */
  get enabled(): boolean {
    return this.requested !== 1 && typeof SharedArrayBuffer !== "undefined";
  }

  /** Starts the threads (the first time) and hands them to the engine. */
  async prepare(engine: EmbeddedEngine): Promise<void> {
    if (!this.enabled) return;
    this.factory ??= this.injected ? Promise.resolve(this.injected) : loadNodeBuildThreads();
    const factory = await this.factory;
    if (!factory) return;
    const threads = Math.min(MAX_BUILD_THREADS, this.requested ?? factory.available);
    if (threads < 2) return;
    this.pool ??= new BuildThreadPool(factory);
    if ((await this.pool.ensure(threads - 1)) === 0) {
      // No thread starts here: one thread from now on, without trying again at every batch.
      this.factory = Promise.resolve(null);
      return;
    }
    engine.useBuildThreads(this.pool, threads);
  }

  async close(): Promise<void> {
    await this.pool?.close();
  }
}

async function loadNodeBuildThreads(): Promise<BuildThreadFactory | null> {
  try {
    const { nodeBuildThreads } = await import("../store/node-build-threads.js");
    return nodeBuildThreads();
  } catch {
    return null;
  }
}
