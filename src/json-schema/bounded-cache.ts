/**
 * Process-wide memo tables of the JSON Schema compiler (layouts, number expressions, pattern complements...):
 * equal inputs get the same expression objects, so the engine's per-expression analyses are shared across
 * compiles too. A table that reaches its bound starts over: compiles then only lose sharing, never results, and a
 * long-running server's memory stays bounded.
 */
export class BoundedCache<V> {
  private readonly map = new Map<string, V>();

  constructor(private readonly limit: number) {}

  /** The value for `key`, built by `build` on a miss. */
  get(key: string, build: () => V): V {
    let value = this.map.get(key);
    if (value === undefined) {
      value = build();
      if (this.map.size >= this.limit) this.map.clear();
      this.map.set(key, value);
    }
    return value;
  }
}
