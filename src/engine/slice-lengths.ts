/**
 * Slice tokens by length in characters (per tokenizer, built on first use): the bitset of JSON-string-slice
 * tokens of at most `L` characters, for the last characters of a bounded string body. With `L` characters
 * left before the body must end (a chain of `L` single slice successors ending in a state that every slice
 * character kills), exactly the slice tokens of at most `L` characters stay inside the string, and the
 * others are rejected: no walk of the slice's trie is needed.
 */
import type { TokenSlice } from './token-slice.js';

export class SliceLengths {
  /** Characters of each slice token (0 for tokens outside the slice), capped at 255. */
  private readonly chars: Uint8Array;
  private readonly byLength = new Map<number, { bits: Int32Array; count: number }>();

  constructor(
    private readonly slice: TokenSlice,
    vocabSize: number,
    tokenBytes: (id: number) => Uint8Array,
  ) {
    this.chars = new Uint8Array(vocabSize);
    const bits = slice.bits;
    for (let id = 0; id < vocabSize; id++) {
      if ((bits[id >> 5]! & (1 << (id & 31))) === 0) continue;
      const b = tokenBytes(id);
      let n = 0;
      for (let i = 0; i < b.length; i++) if ((b[i]! & 0xc0) !== 0x80) n++;
      this.chars[id] = Math.min(n, 255);
    }
  }

  /** The slice tokens of at most `maxChars` characters (a bitset over token ids) and how many there are. */
  upTo(maxChars: number): { bits: Int32Array; count: number } {
    let entry = this.byLength.get(maxChars);
    if (!entry) {
      const bits = new Int32Array(this.slice.bits.length);
      let count = 0;
      const chars = this.chars;
      for (let id = 0; id < chars.length; id++) {
        const n = chars[id]!;
        if (n > 0 && n <= maxChars) {
          bits[id >> 5]! |= 1 << (id & 31);
          count++;
        }
      }
      entry = { bits, count };
      this.byLength.set(maxChars, entry);
    }
    return entry;
  }
}
