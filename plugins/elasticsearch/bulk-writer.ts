import type { Client } from "@elastic/elasticsearch";
import type { IngestFailure } from "../../src/index.js";

/** One document operation of a write: index (create or replace) or delete. */
export type BulkOperation =
  | {
      /** Index (create or replace) the document. */
      op: "index";
      /** The document's `_id`. */
      id: string;
      /** The document's `_source`. */
      source: Record<string, unknown>;
    }
  | {
      /** Delete the document. */
      op: "delete";
      /** The document's `_id`. */
      id: string;
    };

/** Retry policy and batching of {@link bulkWrite}. */
export interface BulkWriteOptions {
  /** Rounds of resending what failed for a retryable reason, after the helper's own 429 retries. Default 5. */
  rounds?: number;
  /** First wait between rounds in ms, doubled each round. Default 500. */
  backoffMs?: number;
  /** Bytes per bulk request. Default 5 MB. */
  flushBytes?: number;
  /** Bulk requests in flight. Default 2. */
  concurrency?: number;
  /**
   * Writes of at least this many documents turn the index's periodic refresh off while they run
   * (`refresh_interval: -1`), put the previous setting back afterwards — also when the write
   * fails — and refresh once. Default 5,000.
   */
  pauseRefreshFrom?: number;
}

/** What {@link bulkWrite} did with each operation. */
export interface BulkWriteResult {
  /** Ids confirmed stored (index) or absent afterwards (delete). */
  succeeded: Set<string>;
  /** Ids a delete actually removed. */
  deleted: Set<string>;
  /** Operations that failed for good (a permanent error, or still failing after every round), with reasons. */
  failures: IngestFailure[];
}

/** Statuses worth sending again: overload and transient server trouble, not a bad document. */
const RETRYABLE = new Set([408, 429, 500, 502, 503, 504]);

/**
 * Writes operations with the client's bulk helper, accounting for every one. The helper drops
 * documents that fail with anything but 429 (handing them to `onDrop`) and rejects outright when
 * a whole request fails, so each operation is tracked until it is confirmed: permanent failures
 * are reported with their reasons, and retryable drops and operations of failed requests (whose
 * fate is unknown; indexing by id makes resending safe) are sent again with growing waits.
 */
export async function bulkWrite(client: Client, index: string, operations: readonly BulkOperation[], options: BulkWriteOptions = {}): Promise<BulkWriteResult> {
  const rounds = options.rounds ?? 5;
  let wait = options.backoffMs ?? 500;
  const succeeded = new Set<string>();
  const deleted = new Set<string>();
  const permanent = new Map<string, IngestFailure>();
  let pending = [...operations];
  let lastTrouble = new Map<string, IngestFailure>();

  for (let round = 0; round <= rounds && pending.length > 0; round++) {
    if (round > 0) {
      await new Promise((r) => setTimeout(r, wait));
      wait *= 2;
    }
    const trouble = new Map<string, IngestFailure>();
    const byId = new Map(pending.map((o) => [o.id, o]));
    try {
      await client.helpers.bulk<BulkOperation>({
        datasource: pending,
        flushBytes: options.flushBytes ?? 5_000_000,
        concurrency: options.concurrency ?? 2,
        retries: 3,
        wait: Math.min(wait, 2_000),
        onDocument: (o) => (o.op === "delete" ? { delete: { _index: index, _id: o.id } } : [{ index: { _index: index, _id: o.id } }, o.source]),
        onSuccess: ({ result }) => {
          const [action, item] = Object.entries(result as Record<string, { _id: string; result?: string }>)[0]!;
          succeeded.add(item._id);
          if (action === "delete" && item.result === "deleted") deleted.add(item._id);
        },
        onDrop: (drop) => {
          const id = String((Object.values(drop.operation)[0] as { _id: string })._id);
          // Deleting what is not there leaves the index as asked.
          if (drop.status === 404 && byId.get(id)?.op === "delete") {
            succeeded.add(id);
            return;
          }
          const reason = drop.error ? `${drop.error.type}: ${drop.error.reason}` : "rejected (too many requests) after retries";
          const failure = { id, status: drop.status, reason };
          if (RETRYABLE.has(drop.status)) trouble.set(id, failure);
          else permanent.set(id, failure);
        },
      });
    } catch (err) {
      // A whole request failed: what it carried is in an unknown state; the loop resends it.
      const reason = (err as Error).message ?? String(err);
      for (const o of pending) if (!succeeded.has(o.id) && !permanent.has(o.id)) trouble.set(o.id, { id: o.id, status: 0, reason });
    }
    pending = pending.filter((o) => !succeeded.has(o.id) && !permanent.has(o.id));
    lastTrouble = trouble;
  }
  const failures = [...permanent.values()];
  for (const o of pending) failures.push(lastTrouble.get(o.id) ?? { id: o.id, status: 0, reason: "not confirmed stored" });
  return { succeeded, deleted, failures };
}
