import type { BuildThreadPool } from "./build-threads.js";
import { BUILD_CONTROL, HnswIndex, type HnswParams, type SharedGraph } from "./hnsw-index.js";
import { VectorStore, type SharedVectors } from "./vector-store.js";

/** What a helper thread is sent to take part in a graph build. @internal */
export interface GraphBuildJob {
  vectors: SharedVectors;
  graph: SharedGraph;
  params: HnswParams;
  /** 1 and up (0 is the thread that started the build). */
  thread: number;
}

/**
 * A helper thread's part of a build: inserts claimed slots until none is left, then counts itself
 * done (and failed, if it threw) and wakes the thread waiting for it. Never throws.
 * @returns The failure, for the thread to report where it can.
 * @internal
 */
export function runGraphBuildJob(job: GraphBuildJob): Error | undefined {
  const control = job.graph.control;
  let failure: Error | undefined;
  try {
    HnswIndex.attach(VectorStore.attach(job.vectors, job.thread), job.params, job.graph).insertClaimed();
  } catch (err) {
    failure = err instanceof Error ? err : new Error(String(err));
    // The others stop claiming slots; the build is reported failed.
    Atomics.store(control, BUILD_CONTROL.failed, 1);
    Atomics.store(control, BUILD_CONTROL.next, control[BUILD_CONTROL.end]!);
  }
  Atomics.add(control, BUILD_CONTROL.done, 1);
  Atomics.notify(control, BUILD_CONTROL.done);
  return failure;
}

/** A build thread failed: the graph in memory is incomplete (what is stored is not affected). @internal */
export class GraphBuildError extends Error {}

/**
 * Inserts the store's slots not yet in the graph on this thread and `helpers` ready threads of
 * `pool`, all sharing the vectors and the graph (hnswlib's scheme: a lock per node's link lists,
 * a global one for the entry point). The first slot with a vector goes in alone when the graph
 * has none yet. Blocks until every thread is done (`Atomics.wait`: Node's main thread and
 * workers allow it). The graph is as good as one built in order, not the same bytes.
 * @internal
 */
export function buildGraphInParallel(graph: HnswIndex, store: VectorStore, pool: BuildThreadPool, helpers: number): void {
  const vectors = store.sharedVectors();
  if (!vectors) throw new RangeError("buildGraphInParallel: the store's vectors are not in shared memory");
  while (graph.size < store.size && !graph.hasEntryPoint) graph.insert(graph.size);
  if (graph.size >= store.size) return;
  const shared = graph.shareForBuild(store.size);
  const control = shared.control;
  let posted = 0;
  let failure: Error | undefined;
  try {
    for (let thread = 1; thread <= Math.min(helpers, pool.ready); thread++) {
      pool.post(thread - 1, { vectors, graph: shared, params: graph.params, thread });
      posted++;
    }
    graph.insertClaimed();
  } catch (err) {
    failure = err instanceof Error ? err : new Error(String(err));
    Atomics.store(control, BUILD_CONTROL.next, shared.nodeCount);
  } finally {
    for (let done = Atomics.load(control, BUILD_CONTROL.done); done < posted; done = Atomics.load(control, BUILD_CONTROL.done)) {
      Atomics.wait(control, BUILD_CONTROL.done, done);
    }
    graph.finishSharedBuild();
  }
  if (failure !== undefined) throw failure;
  if (Atomics.load(control, BUILD_CONTROL.failed) !== 0) throw new GraphBuildError("buildGraphInParallel: a build thread failed");
}
