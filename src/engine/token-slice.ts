/**
 * Token slices (llguidance's "slicer", adapted to per-state token sets): the per-tokenizer part.
 *
 * Inside a JSON string most of the vocabulary is allowed: every token made only of complete code points
 * that a JSON string may hold raw. A slice precomputes, once per tokenizer, the set of such tokens (a bitset)
 * and a trie of all the *other* tokens; `slices.ts` decides which DFA states may use it.
 */
import type { TokenTrie } from '../vocabulary/trie.js';
import { exprToDfa } from './automaton.js';
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
  /** Full-trie node → the `rest` node with the same path, or -1. */
  readonly fullToRest: Int32Array;
  /** Slice tokens in full-trie DFS order; `orderStart[i]` = how many of them sit at nodes before `i`. */
  readonly order: Int32Array;
  readonly orderStart: Int32Array;
  /** UTF-8 automaton of "any sequence of slice characters"; state 0 is both start and "char complete". */
  readonly chars: ByteDfa;
  /** Per token id: its length in characters if it is a slice token (capped at 255), else 0. */
  readonly charCounts: Uint8Array;
  /** Trie of the longer slice tokens, and its node → full-trie node map. */
  readonly long: TokenTrie;
  readonly longToFull: Int32Array;
}

/** Slice tokens up to this many characters are taken as a bitset by states with a long enough chain. */
export const SHORT_TOKEN_CHARS = 16;

/**
 * Builds a slice for a code point set over a tokenizer's vocabulary, in one pass over the trie: the slice
 * automaton's state at each node follows from its parent's, so each trie edge is stepped once (instead of
 * every byte of every token), and a subtree whose path the automaton rejects is skipped whole.
 */
export function buildTokenSlice(ranges: readonly number[], vocabSize: number, full: TokenTrie): TokenSlice {
  const automaton = exprToDfa(star(chars(ranges)));
  const transitions = automaton.transitions;
  const { bytes, depth, token, subtreeEnd, nodeCount } = full;
  const bits = new Int32Array(Math.ceil(vocabSize / 32));
  const charCounts = new Uint8Array(vocabSize);
  const order = new Int32Array(vocabSize);
  const orderStart = new Int32Array(nodeCount + 1);
  // 1 = remainder trie, 2 = long-slice-token trie, 0 = neither (short slice tokens, non-trie ids).
  const target = new Uint8Array(vocabSize);
  for (let id = 0; id < vocabSize; id++) if (full.tokenNode[id]! >= 0) target[id] = IN_REST;
  // Automaton state and character count along the current path, by depth.
  const stateAt = new Int32Array(MAX_DEPTH + 1);
  const charsAt = new Int32Array(MAX_DEPTH + 1);
  let size = 0;
  for (let i = 1; i < nodeCount; ) {
    orderStart[i] = size;
    const d = depth[i]!;
    const b = bytes[i]!;
    const q = transitions[stateAt[d - 1]! * 256 + b]!;
    if (q < 0) {
      // Every token below holds a byte sequence outside the slice: remainder.
      const end = subtreeEnd[i]!;
      orderStart.fill(size, i + 1, end);
      i = end;
      continue;
    }
    stateAt[d] = q;
    const n = charsAt[d - 1]! + ((b & 0xc0) !== 0x80 ? 1 : 0);
    charsAt[d] = n;
    const id = token[i]!;
    if (id >= 0 && automaton.accepting[q] === 1) {
      bits[id >> 5]! |= 1 << (id & 31);
      order[size++] = id;
      charCounts[id] = n < 255 ? n : 255;
      target[id] = n <= SHORT_TOKEN_CHARS ? 0 : IN_LONG;
    }
    i++;
  }
  orderStart[nodeCount] = size;
  const rest = filterTrie(full, target, IN_REST);
  const long = filterTrie(full, target, IN_LONG);
  return {
    bits,
    size,
    rest: rest.trie,
    restToFull: rest.toFull,
    fullToRest: rest.fromFull,
    order: order.slice(0, size),
    orderStart,
    chars: automaton,
    charCounts,
    long: long.trie,
    longToFull: long.toFull,
  };
}

const IN_REST = 1;
const IN_LONG = 2;
/** Trie depths fit in a Uint16Array. */
const MAX_DEPTH = 0xffff;

/**
 * The sub-trie of the tokens whose `target` is `which`, in two forward passes over the full trie (same DFS
 * order, same paths), with each sub-trie node's full-trie node and the inverse map (-1: not in the sub-trie). A node is kept iff its subtree (a range of
 * DFS positions) holds a kept token, read off prefix counts of kept tokens.
 */
function filterTrie(
  full: TokenTrie,
  target: Uint8Array,
  which: number,
): { trie: TokenTrie; toFull: Int32Array; fromFull: Int32Array } {
  const n = full.nodeCount;
  const { bytes, depth, token } = full;
  const end = full.subtreeEnd;
  // keptBefore[i]: kept tokens at nodes < i.
  const keptBefore = new Int32Array(n + 1);
  for (let i = 0; i < n; i++) {
    const tok = token[i]!;
    keptBefore[i + 1] = keptBefore[i]! + (tok >= 0 && target[tok] === which ? 1 : 0);
  }
  let count = 1;
  for (let i = 1; i < n; ) {
    if (keptBefore[end[i]!]! > keptBefore[i]!) {
      count++;
      i++;
    } else i = end[i]!;
  }
  const subBytes = new Uint8Array(count);
  const subDepth = new Uint16Array(count);
  const subToken = new Int32Array(count).fill(-1);
  const subtreeEnd = new Uint32Array(count);
  const tokenNode = new Int32Array(full.tokenNode.length).fill(-1);
  const toFull = new Int32Array(count);
  const fromFull = new Int32Array(n).fill(-1);
  // Open nodes per depth, closed (subtreeEnd set) when a node at the same or smaller depth arrives.
  const open = new Int32Array(MAX_DEPTH + 1);
  let top = -1;
  let k = 0;
  for (let i = 0; i < n; i++) {
    if (i > 0 && keptBefore[end[i]!]! === keptBefore[i]!) {
      i = end[i]! - 1; // nothing kept below: skip the subtree
      continue;
    }
    const d = depth[i]!;
    while (top >= 0 && subDepth[open[top]!]! >= d && k > 0) subtreeEnd[open[top--]!] = k;
    subBytes[k] = bytes[i]!;
    subDepth[k] = d;
    const tok = token[i]!;
    if (tok >= 0 && target[tok] === which) {
      subToken[k] = tok;
      tokenNode[tok] = k;
    }
    toFull[k] = i;
    fromFull[i] = k;
    open[++top] = k;
    k++;
  }
  while (top >= 0) subtreeEnd[open[top--]!] = k;
  return {
    trie: { nodeCount: count, bytes: subBytes, depth: subDepth, token: subToken, subtreeEnd, tokenNode },
    toFull,
    fromFull,
  };
}
