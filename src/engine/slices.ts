/**
 * Token slices (llguidance's "slicer", adapted to per-state token sets).
 *
 * Inside a JSON string most of the vocabulary is allowed: every token made only of complete code points
 * that a JSON string may hold raw. Walking the whole trie to find that out costs a few milliseconds per
 * new DFA state. A slice precomputes, once per tokenizer, the set of such tokens (a bitset) and a trie of
 * all the *other* tokens. When no string of slice characters can kill a DFA state (checked by simulating
 * the slice's UTF-8 automaton against the state, see {@link SliceClosure}), its token set is the slice
 * bitset plus a walk of the much smaller remainder trie.
 */
import type { TokenTrie } from '../vocabulary/trie.js';
import { dfaAccepts, exprToDfa } from './automaton.js';
import type { GrammarTables } from './grammar-tables.js';
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

/**
 * Budget of one closure check: pairs explored, and DFA states it may create (each costs a subset
 * construction step, so a check that would build hundreds of states costs more than the trie walk it saves).
 */
const MAX_CLOSURE_PAIRS = 1024;
const MAX_CLOSURE_NEW_STATES = 64;
/** Most pairs explored when looking for a state's single slice successor. */
const MAX_SUCCESSOR_PAIRS = 4096;

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

/**
 * Which DFA states of one grammar are *closed* under a slice: from the state, every string of complete slice
 * characters keeps the rule's DFA alive (so every slice token is accepted from it without leaving the rule).
 * Loops over the slice (a string body) are the simplest case; the search states of an unanchored `pattern`
 * and the key positions of an object that admits additional names (the name may still turn out to be a
 * declared one, so the state changes, but no slice character kills it) are the others.
 *
 * `closed(g)` explores the (slice automaton state, DFA state) pairs reachable from `(0, g)`, stepping one
 * representative byte per (rule byte class, slice successor), and stops at states already known to be
 * closed. A proof marks every character-boundary state it reached as closed, since each of them only
 * reaches a subset of the explored pairs; a failure marks only `g`. Explorations over
 * {@link MAX_CLOSURE_PAIRS} pairs or creating over {@link MAX_CLOSURE_NEW_STATES} DFA states count as "not closed"
 * (the caller then walks the trie).
 */
export class SliceClosure {
  /** Per DFA state: -1 unknown, 0 not closed, 1 closed (grown as the lazy DFA grows). */
  flags: Int8Array = new Int8Array(64).fill(-1);
  private readonly representatives = new Map<number, Int32Array>();
  private readonly seen = new Set<number>();
  private readonly stack: number[] = [];
  private readonly boundary: number[] = [];

  constructor(
    private readonly tables: GrammarTables,
    private readonly slice: TokenSlice,
  ) {}

  /** True if DFA state `g` (at a character boundary) is closed under the slice. */
  closed(g: number): boolean {
    this.reserve(g);
    const known = this.flags[g]!;
    if (known >= 0) return known === 1;
    const ok = this.explore(g);
    this.reserve(this.tables.numStates - 1);
    if (ok) for (const s of this.boundary) this.flags[s] = 1;
    this.flags[g] = ok ? 1 : 0;
    return ok;
  }

  /** Records what another test found out about state `g` (e.g. a loop, or a bounded string body). */
  mark(g: number, closed: boolean): void {
    this.reserve(g);
    this.flags[g] = closed ? 1 : 0;
  }

  private explore(g: number): boolean {
    const t = this.tables;
    const dfa = this.slice.chars;
    const Q = dfa.numStates;
    const seen = this.seen;
    const stack = this.stack;
    seen.clear();
    stack.length = 0;
    this.boundary.length = 0;
    seen.add(g * Q);
    stack.push(0, g);
    const rule = t.stateRule[g]!;
    const statesBefore = t.numStates;
    while (stack.length > 0) {
      const s = stack.pop()!;
      const q = stack.pop()!;
      const reps = this.representativesOf(rule, q);
      for (let k = 0; k < reps.length; k++) {
        const b = reps[k]!;
        const q2 = dfa.transitions[q * 256 + b]!;
        const s2 = t.step(s, b);
        if (s2 < 0) return false;
        if (q2 === 0 && s2 < this.flags.length) {
          const f = this.flags[s2]!;
          if (f === 1) continue;
          if (f === 0) return false;
        }
        const key = s2 * Q + q2;
        if (seen.has(key)) continue;
        if (seen.size >= MAX_CLOSURE_PAIRS || t.numStates - statesBefore > MAX_CLOSURE_NEW_STATES)
          return false;
        seen.add(key);
        if (q2 === 0) this.boundary.push(s2);
        stack.push(q2, s2);
      }
    }
    return true;
  }

  /** One byte per distinct (byte class of `rule`, slice successor) among the bytes the slice allows after `q`. */
  private representativesOf(rule: number, q: number): Int32Array {
    const key = rule * this.slice.chars.numStates + q;
    let reps = this.representatives.get(key);
    if (!reps) {
      const transitions = this.slice.chars.transitions;
      const classMaps = this.tables.classMaps;
      const taken = new Set<number>();
      const list: number[] = [];
      for (let b = 0; b < 256; b++) {
        const q2 = transitions[q * 256 + b]!;
        if (q2 < 0) continue;
        const id = classMaps[(rule << 8) | b]! * 4096 + q2;
        if (taken.has(id)) continue;
        taken.add(id);
        list.push(b);
      }
      reps = Int32Array.from(list);
      this.representatives.set(key, reps);
    }
    return reps;
  }

  private reserve(g: number): void {
    if (g < this.flags.length) return;
    const grown = new Int8Array(Math.max(64, (g + 1) * 2)).fill(-1);
    grown.set(this.flags);
    this.flags = grown;
  }
}

/**
 * The single state every complete slice character takes DFA state `s` to, if there is one (every character
 * accepted, all landing on the same state), else -1. A chain of such successors is a bounded string body:
 * from its first state every slice token of at most chain-length characters is accepted.
 */
export function sliceSuccessor(tables: GrammarTables, s: number, slice: TokenSlice): number {
  const dfa = slice.chars;
  let target = -1;
  const seen = new Set<number>();
  const stack: number[] = [0, s];
  while (stack.length > 0) {
    const st = stack.pop()!;
    const q = stack.pop()!;
    for (let b = 0; b < 256; b++) {
      const q2 = dfa.transitions[q * 256 + b]!;
      if (q2 < 0) continue;
      const s2 = tables.step(st, b);
      if (s2 < 0) return -1;
      if (q2 === 0) {
        if (target < 0) target = s2;
        else if (s2 !== target) return -1;
        continue;
      }
      const key = s2 * 1024 + q2;
      if (seen.has(key)) continue;
      if (seen.size >= MAX_SUCCESSOR_PAIRS || q2 >= 1024) return -1;
      seen.add(key);
      stack.push(q2, s2);
    }
  }
  return target;
}
