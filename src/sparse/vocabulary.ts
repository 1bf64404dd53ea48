/** Token strings ↔ dense integer ids, assigned in first-seen order. @internal */
export class Vocabulary {
  private readonly ids = new Map<string, number>();
  private readonly tokens: string[] = [];

  get size(): number {
    return this.tokens.length;
  }

  /** The id of `token`, assigning the next one if it is new. */
  intern(token: string): number {
    let id = this.ids.get(token);
    if (id === undefined) {
      id = this.tokens.length;
      this.ids.set(token, id);
      this.tokens.push(token);
    }
    return id;
  }

  /** The id of `token`, or undefined if no document has it. */
  lookup(token: string): number | undefined {
    return this.ids.get(token);
  }

  token(id: number): string {
    const t = this.tokens[id];
    if (t === undefined) throw new RangeError(`Vocabulary: no token with id ${id}`);
    return t;
  }
}
