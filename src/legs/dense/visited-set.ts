/**
 * Visited marks that reset in O(1): a node is visited when its mark equals the current
 * generation, and each search starts a new generation. Marks are bytes (a quarter of the cache
 * lines 32-bit marks take: a walk's marks are read at random), cleared every 255 generations.
 * Hot loops read `marks` and `generation` directly after `reset`. @internal
 */
export class VisitedSet {
  marks = new Uint8Array(0);
  generation = 0;

  /** Starts a new search over `size` nodes. */
  reset(size: number): void {
    if (this.marks.length < size) {
      this.marks = new Uint8Array(Math.max(size, this.marks.length * 2));
      this.generation = 0;
    }
    this.generation++;
    if (this.generation === 256) {
      this.marks.fill(0);
      this.generation = 1;
    }
  }

  /** Marks `node`; returns true if it was already visited in this search. */
  visit(node: number): boolean {
    if (this.marks[node] === this.generation) return true;
    this.marks[node] = this.generation;
    return false;
  }
}
