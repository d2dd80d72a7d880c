/**
 * Slice tokens by length in characters (per tokenizer, built on first use): the bitset of JSON-string-slice
 * tokens of at most `L` characters, for the last characters of a bounded string body. With `L` characters
 * left before the body must end (a chain of `L` single slice successors ending in a state that every slice
 * character kills), exactly the slice tokens of at most `L` characters stay inside the string, and the
 * others are rejected: no walk of the slice's trie is needed.
 */
import type { TokenTrie } from '../vocabulary/trie.js';
import type { TokenSlice } from './token-slice.js';

export class SliceLengths {
  /** Slice tokens grouped by length in characters (lengths 1..`maxLength`): ids, and each length's start. */
  private readonly ids: Int32Array;
  private readonly start: Int32Array;
  private readonly byLength: { bits: Int32Array; count: number }[] = [];
  private readonly words: number;

  /** Lengths up to `maxLength` characters are kept (longer slice tokens are never in a set of this kind). */
  constructor(
    slice: TokenSlice,
    trie: TokenTrie,
    readonly maxLength: number,
  ) {
    // Characters along each trie path: one pass over the nodes (DFS order, so depth d-1 is the parent).
    const { bytes, depth, token, nodeCount } = trie;
    const charsAt = new Int32Array(0x10001);
    const lengthOf = new Int32Array(nodeCount).fill(-1);
    const counts = new Int32Array(maxLength + 2);
    const bits = slice.bits;
    this.words = bits.length;
    for (let i = 1; i < nodeCount; i++) {
      const d = depth[i]!;
      const n = charsAt[d - 1]! + ((bytes[i]! & 0xc0) !== 0x80 ? 1 : 0);
      charsAt[d] = n;
      const tok = token[i]!;
      if (tok >= 0 && n <= maxLength && (bits[tok >> 5]! & (1 << (tok & 31))) !== 0) {
        lengthOf[i] = n;
        counts[n + 1]!++;
      }
    }
    for (let n = 0; n <= maxLength; n++) counts[n + 1]! += counts[n]!;
    this.start = counts.slice();
    this.ids = new Int32Array(counts[maxLength + 1]!);
    for (let i = 1; i < nodeCount; i++) {
      const n = lengthOf[i]!;
      if (n >= 0) this.ids[counts[n]!++] = token[i]!;
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
