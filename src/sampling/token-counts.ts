/**
 * Occurrence counts of the output tokens, for the penalties. An open-addressing table sized to the
 * output (not to the vocabulary): a vocabulary-sized count array is cold in cache on every row, and
 * its 512 random touches cost more than the penalties themselves. Reused across rows.
 */
export class TokenCounts {
  private keys = new Int32Array(0);
  private values = new Int32Array(0);
  private mask = 0;
  /** Table slot of each of {@link ids}. */
  private slots = new Int32Array(0);
  /** Distinct ids in order of first occurrence (first {@link size} entries). */
  ids = new Int32Array(0);
  /** Occurrences of each of {@link ids}. */
  counts = new Int32Array(0);
  /** Number of distinct ids counted by the last {@link countOf} call. */
  size = 0;

  /** Counts the ids of `tokens` in `[0, vocab)` (others are ignored); returns the number of distinct ids. */
  countOf(tokens: ArrayLike<number>, vocab: number): number {
    this.reserve(tokens.length);
    const keys = this.keys;
    const values = this.values;
    const mask = this.mask;
    let size = 0;
    for (let i = 0; i < tokens.length; i++) {
      const id = tokens[i]!;
      if (!(id >= 0 && id < vocab)) continue;
      let slot = Math.imul(id, 0x9e3779b1) & mask;
      for (;;) {
        const key = keys[slot]!;
        if (key === id) {
          values[slot]!++;
          break;
        }
        if (key === -1) {
          keys[slot] = id;
          values[slot] = 1;
          this.slots[size] = slot;
          this.ids[size++] = id;
          break;
        }
        slot = (slot + 1) & mask;
      }
    }
    // read the counts out and empty the used slots for the next row
    for (let j = 0; j < size; j++) {
      const slot = this.slots[j]!;
      this.counts[j] = values[slot]!;
      keys[slot] = -1;
    }
    this.size = size;
    return size;
  }

  /** Room for `n` distinct ids at a load factor of at most 1/2 (grows only). */
  private reserve(n: number): void {
    if (this.ids.length >= n && this.keys.length >= 2 * n) return;
    let capacity = 64;
    while (capacity < 2 * n) capacity *= 2;
    this.keys = new Int32Array(capacity).fill(-1);
    this.values = new Int32Array(capacity);
    this.mask = capacity - 1;
    this.slots = new Int32Array(Math.max(n, 16));
    this.ids = new Int32Array(Math.max(n, 16));
    this.counts = new Int32Array(Math.max(n, 16));
  }
}
