/**
 * Occurrence counts of the output tokens, for the penalties, reused across rows. Two layouts, by
 * vocabulary size:
 *
 * - up to {@link DIRECT_VOCAB} ids: a bitset over the vocabulary marks the ids seen in the row and a
 *   vocabulary-sized index array (written once per distinct id, read only for repeats) leads a repeat
 *   to its count: no hashing, and both arrays stay in L2 (512 random ids at V = 32,000: edits 20 ->
 *   16 µs here);
 * - above, an open-addressing table sized to the output: a vocabulary-sized array is cold in cache on
 *   every row, and its 512 random touches cost more than the table's probes (the index array made
 *   the edits 25-35% slower at 128,256 and 262,144).
 */
export class TokenCounts {
  private keys = new Int32Array(0);
  private values = new Int32Array(0);
  private mask = 0;
  /** Table slot of each of {@link ids}. */
  private slots = new Int32Array(0);
  private seen = new Int32Array(0);
  /** Position in {@link ids} of each id seen in the current row (stale elsewhere). */
  private indexOf = new Int32Array(0);
  /** Distinct ids in order of first occurrence (first {@link size} entries). */
  ids = new Int32Array(0);
  /** Occurrences of each of {@link ids}. */
  counts = new Int32Array(0);
  /** Number of distinct ids counted by the last {@link countOf} call. */
  size = 0;

  /** Counts the ids of `tokens` in `[0, vocab)` (others are ignored); returns the number of distinct ids. */
  countOf(tokens: ArrayLike<number>, vocab: number): number {
    this.reserve(tokens.length);
    const size = vocab <= DIRECT_VOCAB ? this.countDirect(tokens, vocab) : this.countHashed(tokens, vocab);
    this.size = size;
    return size;
  }

  /**
   * Only the distinct ids of `tokens` in `[0, vocab)`, in order of first occurrence (into {@link ids};
   * {@link counts} is not filled): what the penalties need when no frequency penalty uses the counts.
   * A bitset over the vocabulary (V / 8 bytes, stays in cache) and nothing else: no table, no index.
   */
  distinctOf(tokens: ArrayLike<number>, vocab: number): number {
    this.reserve(tokens.length);
    if (this.bits.length * 32 < vocab) this.bits = new Int32Array(Math.ceil(vocab / 32));
    const bits = this.bits;
    const ids = this.ids;
    let size = 0;
    for (let i = 0; i < tokens.length; i++) {
      const value = tokens[i]!;
      if (!(value >= 0 && value < vocab)) continue;
      const id = value | 0;
      const word = id >>> 5;
      const bit = 1 << (id & 31);
      const w = bits[word]!;
      if ((w & bit) === 0) {
        bits[word] = w | bit;
        ids[size] = id;
        size++;
      }
    }
    for (let j = 0; j < size; j++) bits[ids[j]! >>> 5] = 0;
    this.size = size;
    return size;
  }
  /** The bitset of {@link distinctOf} (any vocabulary size). */
  private bits = new Int32Array(0);

  private countDirect(tokens: ArrayLike<number>, vocab: number): number {
    if (this.indexOf.length < vocab) {
      this.seen = new Int32Array(Math.ceil(DIRECT_VOCAB / 32));
      this.indexOf = new Int32Array(DIRECT_VOCAB);
    }
    const seen = this.seen;
    const indexOf = this.indexOf;
    const ids = this.ids;
    const counts = this.counts;
    let size = 0;
    for (let i = 0; i < tokens.length; i++) {
      const value = tokens[i]!;
      if (!(value >= 0 && value < vocab)) continue;
      const id = value | 0;
      const word = id >>> 5;
      const bit = 1 << (id & 31);
      const w = seen[word]!;
      if ((w & bit) === 0) {
        seen[word] = w | bit;
        indexOf[id] = size;
        ids[size] = id;
        counts[size] = 1;
        size++;
      } else {
        counts[indexOf[id]!]!++;
      }
    }
    // clear the bits for the next row
    for (let j = 0; j < size; j++) seen[ids[j]! >>> 5] = 0;
    return size;
  }

  private countHashed(tokens: ArrayLike<number>, vocab: number): number {
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

/** Vocabularies up to this size use the direct (bitset + index array) layout. */
const DIRECT_VOCAB = 65536;
