/**
 * Visited marks that reset in O(1): a node is visited when its mark equals the current
 * generation, and each search starts a new generation. @internal
 */
export class VisitedSet {
  private marks = new Uint32Array(0);
  private generation = 0;

  /** Starts a new search over `size` nodes. */
  reset(size: number): void {
    if (this.marks.length < size) {
      this.marks = new Uint32Array(Math.max(size, this.marks.length * 2));
      this.generation = 0;
    }
    this.generation++;
    if (this.generation === 0xffffffff) {
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
