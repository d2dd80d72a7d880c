/**
 * Slice tokens by length in characters (per tokenizer, built on first use): the bitset of JSON-string-slice
 * tokens of at most `L` characters, for the last characters of a bounded string body. With `L` characters
 * left before the body must end (a chain of `L` single slice successors ending in a state that every slice
 * character kills), exactly the slice tokens of at most `L` characters stay inside the string, and the
 * others are rejected: no walk of the slice's trie is needed.
 */
import type { TokenSlice } from './token-slice.js';

export class SliceLengths {
  /** Slice tokens grouped by length in characters (lengths 1..`maxLength`): ids, and each length's start. */
  private readonly ids: Int32Array;
  private readonly start: Int32Array;
  private readonly byLength: { bits: Int32Array; count: number }[] = [];
  private readonly words: number;

  /** Lengths up to `maxLength` (< 255) characters are kept (longer slice tokens are never in a set of this kind). */
  constructor(
    slice: TokenSlice,
    readonly maxLength: number,
  ) {
    // The slice already knows each token's length in characters: group the ids by it (counting sort).
    const charCounts = slice.charCounts;
    const counts = new Int32Array(maxLength + 2);
    this.words = slice.bits.length;
    for (let id = 0; id < charCounts.length; id++) {
      const n = charCounts[id]!;
      if (n > 0 && n <= maxLength) counts[n + 1]!++;
    }
    for (let n = 0; n <= maxLength; n++) counts[n + 1]! += counts[n]!;
    this.start = counts.slice();
    this.ids = new Int32Array(counts[maxLength + 1]!);
    for (let id = 0; id < charCounts.length; id++) {
      const n = charCounts[id]!;
      if (n > 0 && n <= maxLength) this.ids[counts[n]!++] = id;
    }
  }

  /** The slice tokens of at most `maxChars` (≤ `maxLength`) characters, as a bitset, and how many there are. */
  upTo(maxChars: number): { bits: Int32Array; count: number } {
    let entry = this.byLength[maxChars];
    if (!entry) {
      const prev = maxChars > 0 ? this.upTo(maxChars - 1) : null;
      const words = prev ? prev.bits.slice() : new Int32Array(this.words);
      for (let k = this.start[maxChars]!; k < this.start[maxChars + 1]!; k++) {
        const tok = this.ids[k]!;
        words[tok >> 5]! |= 1 << (tok & 31);
      }
      entry = { bits: words, count: this.start[maxChars + 1]! };
      this.byLength[maxChars] = entry;
    }
    return entry;
  }
}
