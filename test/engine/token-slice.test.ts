/**
 * The per-tokenizer JSON-string slice (one pass over the trie) equals its definition token by token:
 * a token is in the slice iff its bytes are complete characters a JSON string may hold raw; its recorded
 * length is its number of characters (so the short slice tokens, at most SHORT_TOKEN_CHARS of them, are
 * the per-length set's); the remainder and long-token tries hold exactly the other tokens and the long slice
 * tokens, at nodes with the same paths as in the full trie.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { SliceLengths } from '../../src/engine/slice-lengths.js';
import { buildTokenSlice, JSON_STRING_RAW_RANGES, SHORT_TOKEN_CHARS } from '../../src/engine/token-slice.js';
import { buildTokenTrie, type TokenTrie } from '../../src/vocabulary/trie.js';

const encoder = new TextEncoder();
const strictDecoder = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/** Definition: valid UTF-8 that decodes to code points outside `"`, `\` and U+0000..U+001F. */
function inSlice(bytes: Uint8Array): { member: boolean; chars: number } {
  let text: string;
  try {
    text = strictDecoder.decode(bytes);
  } catch {
    return { member: false, chars: 0 };
  }
  const cps = [...text];
  return {
    member: cps.every((c) => c !== '"' && c !== '\\' && c.codePointAt(0)! >= 0x20),
    chars: cps.length,
  };
}

function pathOf(trie: TokenTrie, node: number): number[] {
  const path: number[] = [];
  for (let i = node, d = trie.depth[node]!; d > 0; i--) {
    if (trie.depth[i] === d) {
      path.unshift(trie.bytes[i]!);
      d--;
    }
  }
  return path;
}

const tokenArb = fc.oneof(
  fc.string({ unit: 'grapheme', maxLength: 20 }).map((s) => encoder.encode(s)),
  fc.uint8Array({ minLength: 1, maxLength: 6 }),
  fc
    .constantFrom('"', '\\', 'a"b', '\n', ' ', '\uFFFD', '\uFEFF', 'x'.repeat(17), 'é'.repeat(16))
    .map((s) => encoder.encode(s)),
  // Encoded surrogates, an overlong form, a code point above U+10FFFF, a truncated sequence: not UTF-8.
  fc
    .constantFrom([0xed, 0xa0, 0x80], [0xc0, 0xaf], [0xf4, 0x90, 0x80, 0x80], [0xe2, 0x82])
    .map((b) => Uint8Array.from(b)),
);

describe('buildTokenSlice', () => {
  it('matches the per-token definition', () => {
    fc.assert(
      fc.property(fc.array(fc.option(tokenArb, { nil: null, freq: 8 }), { maxLength: 60 }), (tokens) => {
        const trie = buildTokenTrie(tokens, () => false);
        const slice = buildTokenSlice(JSON_STRING_RAW_RANGES, tokens.length, trie);
        const short = new SliceLengths(slice, SHORT_TOKEN_CHARS).upTo(SHORT_TOKEN_CHARS).bits;
        let size = 0;
        tokens.forEach((bytes, id) => {
          const bit = (words: Int32Array) => (words[id >> 5]! >>> (id & 31)) & 1;
          const onTrie = bytes !== null && bytes.length > 0;
          const { member, chars } = onTrie ? inSlice(bytes) : { member: false, chars: 0 };
          if (member) size++;
          expect(bit(slice.bits), `token ${id}`).toBe(member ? 1 : 0);
          expect(bit(short), `token ${id}`).toBe(member && chars <= SHORT_TOKEN_CHARS ? 1 : 0);
          expect(slice.charCounts[id], `token ${id}`).toBe(member ? Math.min(chars, 255) : 0);
          const restNode = slice.rest.tokenNode[id]!;
          const longNode = slice.long.tokenNode[id]!;
          expect(restNode >= 0, `token ${id} in rest`).toBe(onTrie && !member);
          expect(longNode >= 0, `token ${id} in long`).toBe(member && chars > SHORT_TOKEN_CHARS);
          if (restNode >= 0) {
            expect(pathOf(slice.rest, restNode)).toEqual([...bytes!]);
            expect(slice.restToFull[restNode]).toBe(trie.tokenNode[id]);
          }
          if (longNode >= 0) expect(slice.longToFull[longNode]).toBe(trie.tokenNode[id]);
        });
        expect(slice.size).toBe(size);
        // DFS-order index of slice tokens, and the full → remainder node map.
        let before = 0;
        for (let i = 0; i < trie.nodeCount; i++) {
          expect(slice.orderStart[i], `node ${i}`).toBe(before);
          const tok = trie.token[i]!;
          if (tok >= 0 && (slice.bits[tok >> 5]! >>> (tok & 31)) & 1) expect(slice.order[before++]).toBe(tok);
        }
        expect(slice.orderStart[trie.nodeCount]).toBe(before);
        for (let m = 0; m < slice.rest.nodeCount; m++) expect(slice.fullToRest[slice.restToFull[m]!]).toBe(m);
        expect(slice.fullToRest.filter((m) => m >= 0).length).toBe(slice.rest.nodeCount);
      }),
      { numRuns: 300 },
    );
  });
});
