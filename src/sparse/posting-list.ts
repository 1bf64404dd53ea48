import { ensureCapacity } from "../typed-arrays.js";

/** One token's postings: document slots (ascending) and their weights, in growable typed arrays. @internal */
export class PostingList {
  slots = new Uint32Array(4);
  weights = new Float32Array(4);
  length = 0;

  append(slot: number, weight: number): void {
    this.slots = ensureCapacity(this.slots, this.length + 1);
    this.weights = ensureCapacity(this.weights, this.length + 1);
    this.slots[this.length] = slot;
    this.weights[this.length] = weight;
    this.length++;
  }
}
