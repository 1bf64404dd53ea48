/**
 * Exact leg scores a retrieval computed beside its top k — the documents a term-at-a-time sparse
 * search accumulated, the nodes an HNSW walk or an exact scan scored — kept per slot so score
 * completion takes them instead of scoring those documents again. One table per leg, reused by
 * every search: each retrieval takes a new stamp, and a slot's score is the search's only while
 * the slot carries its stamp (a later search overwrites slots it scores, never leaving a stale
 * score under an old stamp). `markComplete` marks a retrieval that scored every accepted slot with a
 * score: while no later retrieval began, a slot it did not record has none. Recorded scores must
 * be the values completion would compute (same arithmetic), which the legs guarantee where they
 * record. @internal
 */
export class RetrievalScores {
  private stamps = new Uint32Array(0);
  private scores = new Float64Array(0);
  private current = 0;
  private completeStamp = 0;

  /** Starts a retrieval over `slots` slots; returns its stamp. */
  begin(slots: number): number {
    if (this.stamps.length < slots) {
      const grown = Math.max(slots, this.stamps.length * 2);
      const stamps = new Uint32Array(grown);
      stamps.set(this.stamps);
      this.stamps = stamps;
      const scores = new Float64Array(grown);
      scores.set(this.scores);
      this.scores = scores;
    }
    if (this.current === 0xffffffff) {
      this.stamps.fill(0);
      this.current = 0;
    }
    this.current++;
    return this.current;
  }

  /** Records the score of `slot` for the retrieval under way (hot loops call it directly). */
  record(slot: number, score: number): void {
    this.stamps[slot] = this.current;
    this.scores[slot] = score;
  }

  /** Says that the retrieval under way recorded every accepted slot that has a score. */
  markComplete(): void {
    this.completeStamp = this.current;
  }

  /** Whether retrieval `stamp` scored every slot with a score and no later retrieval began. */
  isComplete(stamp: number): boolean {
    return this.completeStamp === stamp && this.current === stamp;
  }

  /** The score retrieval `stamp` recorded for `slot`, or NaN when it recorded none (scores are never NaN). */
  scoreOf(stamp: number, slot: number): number {
    return slot < this.stamps.length && this.stamps[slot] === stamp ? this.scores[slot]! : NaN;
  }
}
