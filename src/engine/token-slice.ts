/**
 * Token slices (llguidance's "slicer", adapted to per-state token sets): the per-tokenizer part.
 *
 * Inside a JSON string most of the vocabulary is allowed: every token made only of complete code points
 * that a JSON string may hold raw. A slice precomputes, once per tokenizer, the set of such tokens (a bitset)
 * and a trie of all the *other* tokens; `slices.ts` decides which DFA states may use it.
 */
import type { TokenTrie } from '../vocabulary/trie.js';
import { dfaAccepts, exprToDfa } from './automaton.js';
import { type ByteDfa, chars, star } from './ir.js';

/** Code points a JSON string may contain raw: everything but `"`, `\` and U+0000..U+001F. */
export const JSON_STRING_RAW_RANGES: readonly number[] = [0x20, 0x21, 0x23, 0x5b, 0x5d, 0x10ffff];

export interface TokenSlice {
  /** Tokens whose bytes are complete characters of the slice (bitset over token ids). */
  readonly bits: Int32Array;
  /** Number of tokens in the slice. */
  readonly size: number;
  /** Trie of every other (non-special) token. */
  readonly rest: TokenTrie;
  /** Node of `rest` → the node with the same path in the full trie. */
  readonly restToFull: Int32Array;
  /** UTF-8 automaton of "any sequence of slice characters"; state 0 is both start and "char complete". */
  readonly chars: ByteDfa;
  /** Slice tokens of at most `SHORT_TOKEN_CHARS` characters (bitset). */
  readonly shortBits: Int32Array;
  /** Trie of the longer slice tokens, and its node → full-trie node map. */
  readonly long: TokenTrie;
  readonly longToFull: Int32Array;
}

/** Slice tokens up to this many characters are taken as a bitset by states with a long enough chain. */
export const SHORT_TOKEN_CHARS = 16;

/** Builds a slice for a code point set over a tokenizer's vocabulary. */
export function buildTokenSlice(
  ranges: readonly number[],
  vocabSize: number,
  full: TokenTrie,
  tokenBytes: (id: number) => Uint8Array,
): TokenSlice {
  const automaton = exprToDfa(star(chars(ranges)));
  const bits = new Int32Array(Math.ceil(vocabSize / 32));
  const shortBits = new Int32Array(bits.length);
  // Which tokens go to the remainder trie and to the long-slice-token trie.
  const inRest = new Uint8Array(vocabSize);
  const inLong = new Uint8Array(vocabSize);
  let size = 0;
  for (let id = 0; id < vocabSize; id++) {
    if (full.tokenNode[id]! < 0) continue;
    const b = tokenBytes(id);
    if (dfaAccepts(automaton, b)) {
      bits[id >> 5]! |= 1 << (id & 31);
      size++;
      let chars = 0;
      for (const x of b) if ((x & 0xc0) !== 0x80) chars++;
      if (chars <= SHORT_TOKEN_CHARS) shortBits[id >> 5]! |= 1 << (id & 31);
      else inLong[id] = 1;
    } else {
      inRest[id] = 1;
    }
  }
  const rest = filterTrie(full, (id) => inRest[id] === 1);
  const long = filterTrie(full, (id) => inLong[id] === 1);
  return {
    bits,
    size,
    rest: rest.trie,
    restToFull: rest.toFull,
    chars: automaton,
    shortBits,
    long: long.trie,
    longToFull: long.toFull,
  };
}

/**
 * The sub-trie of the tokens `keep` selects, in one backward and one forward pass over the full trie (same
 * DFS order, same paths), with each sub-trie node's full-trie node.
 */
function filterTrie(full: TokenTrie, keep: (id: number) => boolean): { trie: TokenTrie; toFull: Int32Array } {
  const n = full.nodeCount;
  const { bytes, depth, token } = full;
  // parent[i] from depths (DFS order), then has[i] = "some kept token at or below i".
  const parent = new Int32Array(n);
  const lastAtDepth = new Int32Array(0x10001);
  for (let i = 1; i < n; i++) {
    const d = depth[i]!;
    parent[i] = lastAtDepth[d - 1]!;
    lastAtDepth[d] = i;
  }
  const has = new Uint8Array(n);
  for (let i = n - 1; i >= 1; i--) {
    if (!has[i] && token[i]! >= 0 && keep(token[i]!)) has[i] = 1;
    if (has[i]) has[parent[i]!] = 1;
  }
  has[0] = 1;
  let count = 0;
  for (let i = 0; i < n; i++) if (has[i]) count++;
  const subBytes = new Uint8Array(count);
  const subDepth = new Uint16Array(count);
  const subToken = new Int32Array(count).fill(-1);
  const subtreeEnd = new Uint32Array(count);
  const tokenNode = new Int32Array(full.tokenNode.length).fill(-1);
  const toFull = new Int32Array(count);
  // Open nodes per depth, closed (subtreeEnd set) when a node at the same or smaller depth arrives.
  const open = new Int32Array(0x10001);
  let top = -1;
  let k = 0;
  for (let i = 0; i < n; i++) {
    if (!has[i]) continue;
    const d = depth[i]!;
    while (top >= 0 && subDepth[open[top]!]! >= d && k > 0) subtreeEnd[open[top--]!] = k;
    subBytes[k] = bytes[i]!;
    subDepth[k] = d;
    const tok = token[i]!;
    if (tok >= 0 && keep(tok)) {
      subToken[k] = tok;
      tokenNode[tok] = k;
    }
    toFull[k] = i;
    open[++top] = k;
    k++;
  }
  while (top >= 0) subtreeEnd[open[top--]!] = k;
  return {
    trie: { nodeCount: count, bytes: subBytes, depth: subDepth, token: subToken, subtreeEnd, tokenNode },
    toFull,
  };
}
