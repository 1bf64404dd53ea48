import type { ValidDocument } from "../valid-document.js";
import type { LogSegment } from "./log-segment-codec.js";

/**
 * The live documents of an index in the log format (versions 1–2): its commits replayed in order
 * (each commit's deletes, then its documents; a later version of an id replaces the earlier), in
 * the order of their last write — the slot order that format gave them.
 * @internal
 */
export function replayLog(log: readonly LogSegment[]): ValidDocument[] {
  const live = new Map<string, ValidDocument>();
  for (const commit of log) {
    for (const id of commit.deletes) live.delete(id);
    for (const doc of commit.docs) {
      live.delete(doc.id);
      live.set(doc.id, doc);
    }
  }
  return [...live.values()];
}
