import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { buildTokenTrie } from '../../src/vocabulary/trie.js';
import { checkTrieInvariants } from './trie-invariants.js';

/** Node count of a naive trie: distinct non-empty prefixes plus one leaf per duplicate, plus the root. */
function naiveNodeCount(
  tokenBytes: ReadonlyArray<Uint8Array | null>,
  excluded: (id: number) => boolean,
): number {
  const prefixes = new Set<string>();
  const whole = new Map<string, number>();
  for (let id = 0; id < tokenBytes.length; id++) {
    const b = tokenBytes[id];
    if (!b || b.length === 0 || excluded(id)) continue;
    for (let k = 1; k <= b.length; k++) prefixes.add(Array.from(b.subarray(0, k)).join(','));
    const w = Array.from(b).join(',');
    whole.set(w, (whole.get(w) ?? 0) + 1);
  }
  let duplicates = 0;
  for (const n of whole.values()) duplicates += n - 1;
  return 1 + prefixes.size + duplicates;
}

const te = new TextEncoder();

describe('buildTokenTrie', () => {
  it('builds a small trie in DFS order with sorted siblings', () => {
    const tokens = ['b', 'a', 'ab', 'abc', 'ba'].map((t) => te.encode(t));
    const trie = buildTokenTrie(tokens, () => false);
    // root, a, ab, abc, b, ba
    expect(Array.from(trie.bytes)).toEqual([0, 0x61, 0x62, 0x63, 0x62, 0x61]);
    expect(Array.from(trie.depth)).toEqual([0, 1, 2, 3, 1, 2]);
    expect(Array.from(trie.token)).toEqual([-1, 1, 2, 3, 0, 4]);
    expect(Array.from(trie.subtreeEnd)).toEqual([6, 4, 4, 4, 6, 6]);
    expect(Array.from(trie.tokenNode)).toEqual([4, 1, 2, 3, 5]);
    checkTrieInvariants(trie, tokens, () => false);
  });

  it('puts tokens with identical bytes as extra leaves after the first one’s subtree', () => {
    // ids 0 and 2 are both " ", id 1 is " a" (Llama-2's `▁` vs `<0x20>` situation).
    const tokens = [te.encode(' '), te.encode(' a'), te.encode(' '), te.encode('b')];
    const trie = buildTokenTrie(tokens, () => false);
    // root, " "(0), " a"(1), " "(2, duplicate leaf), "b"(3)
    expect(Array.from(trie.token)).toEqual([-1, 0, 1, 2, 3]);
    expect(Array.from(trie.depth)).toEqual([0, 1, 2, 1, 1]);
    expect(Array.from(trie.bytes)).toEqual([0, 0x20, 0x61, 0x20, 0x62]);
    expect(Array.from(trie.subtreeEnd)).toEqual([5, 3, 3, 4, 5]);
    checkTrieInvariants(trie, tokens, () => false);
  });

  it('leaves out excluded, empty and missing tokens', () => {
    const tokens = [te.encode('x'), null, new Uint8Array(0), te.encode('<s>'), te.encode('xy')];
    const excluded = (id: number) => id === 3;
    const trie = buildTokenTrie(tokens, excluded);
    expect(trie.nodeCount).toBe(3);
    expect(Array.from(trie.tokenNode)).toEqual([1, -1, -1, -1, 2]);
    checkTrieInvariants(trie, tokens, excluded);
  });

  it('an empty vocabulary gives just the root', () => {
    const trie = buildTokenTrie([], () => false);
    expect(trie.nodeCount).toBe(1);
    expect(trie.subtreeEnd[0]).toBe(1);
  });

  it('satisfies the invariants on random vocabularies (with duplicates, prefixes, exclusions)', () => {
    const byteArb = fc.constantFrom(0, 1, 0x20, 0x61, 0x62, 0x7f, 0x80, 0xc3, 0xff);
    const tokenArb = fc.oneof(
      { weight: 8, arbitrary: fc.uint8Array({ minLength: 1, maxLength: 6 }).map((a) => a) },
      {
        weight: 8,
        arbitrary: fc.array(byteArb, { minLength: 1, maxLength: 5 }).map((a) => Uint8Array.from(a)),
      },
      { weight: 1, arbitrary: fc.constant(null) },
      { weight: 1, arbitrary: fc.constant(new Uint8Array(0)) },
    );
    fc.assert(
      fc.property(fc.array(tokenArb, { maxLength: 80 }), fc.integer({ min: 0, max: 5 }), (tokens, mod) => {
        const excluded = (id: number) => mod > 0 && id % (mod + 2) === 1;
        const trie = buildTokenTrie(tokens, excluded);
        checkTrieInvariants(trie, tokens, excluded);
        expect(trie.nodeCount).toBe(naiveNodeCount(tokens, excluded));
      }),
      { numRuns: 400 },
    );
  });

  it('a rejected prefix skips its whole subtree: walking finds exactly the tokens that are prefixes of a text', () => {
    fc.assert(
      fc.property(
        fc.array(fc.array(fc.constantFrom(0x61, 0x62, 0x63), { minLength: 1, maxLength: 4 }), {
          maxLength: 40,
        }),
        fc.array(fc.constantFrom(0x61, 0x62, 0x63), { maxLength: 6 }),
        (raw, text) => {
          const tokens = raw.map((a) => Uint8Array.from(a));
          const trie = buildTokenTrie(tokens, () => false);
          const found: number[] = [];
          let i = 1;
          while (i < trie.nodeCount) {
            const d = trie.depth[i]!;
            if (d <= text.length && trie.bytes[i] === text[d - 1]) {
              if (trie.token[i]! >= 0) found.push(trie.token[i]!);
              i++;
            } else i = trie.subtreeEnd[i]!;
          }
          const expected = tokens
            .map((t, id) => ({ t, id }))
            .filter(({ t }) => t.length <= text.length && t.every((b, k) => text[k] === b))
            .map(({ id }) => id);
          expect(found.sort((a, b) => a - b)).toEqual(expected);
        },
      ),
      { numRuns: 300 },
    );
  });
});
